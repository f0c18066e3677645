"""Reading: article files (txt, md, html, json, jsonl) to cleaned Articles, and the text tools (sentences, terms, chunks) the later stages share."""
