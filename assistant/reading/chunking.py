"""Split an article into sentence-aware, token-sized chunks with content-hash ids."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..articles import Article, sha

# Paragraphs first, then lines, then sentence ends, then clause marks: a chunk breaks
# mid-sentence only when a single sentence is longer than the whole budget.
SEPARATORS = ["\n\n", "\n", r"(?<=[.!?…])\s+", r"(?<=[;:])\s+", r"(?<=,)\s+", r"\s+", ""]
TITLE_TOKENS = 40  # the title rides along in every embedded chunk, cut to this many tokens
# A word the tokenizer cannot split (a 5,000-letter run, a long hash) is one [UNK] token however
# long; counting characters as well keeps such chunks readable. Prose averages ~4.5 characters a
# token, so this bound never binds on ordinary text.
MAX_CHARS_PER_TOKEN = 10
TOKEN_COUNTS_KEPT = 8192


@dataclass(frozen=True)
class Chunk:
    id: str
    article_id: str
    position: int  # 0-based order within the article
    start: int  # character offsets into Article.text
    end: int
    text: str
    title: str

    @property
    def embed_text(self) -> str:
        """What the embedder sees: the headline gives every chunk its story's context."""
        return f"{self.title}\n{self.text}" if self.title else self.text


class Chunker:
    """Splits articles with the embedding model's own tokenizer counting the budget."""

    def __init__(self, tokenizer_file: Path, chunk_tokens: int, chunk_overlap: int):
        # Imported here, not at the top: answering a question never chunks, and langchain costs ~0.5 s.
        from langchain_text_splitters import RecursiveCharacterTextSplitter
        from tokenizers import Tokenizer  # the fast Rust tokenizer: no model, no torch

        self.tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()
        # The splitter measures every piece at least twice (when it splits, then when it merges);
        # remembering recent counts cut chunking time by 60% here, with the same chunks.
        self._counts = lru_cache(maxsize=TOKEN_COUNTS_KEPT)(self._count)
        self.splitter = RecursiveCharacterTextSplitter(
            chunk_size=chunk_tokens,
            chunk_overlap=chunk_overlap,
            length_function=self.budget,
            separators=SEPARATORS,
            is_separator_regex=True,
            keep_separator="end",
            strip_whitespace=True,
        )

    def count_tokens(self, text: str) -> int:
        return self._counts(text)

    def _count(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False).ids)

    def budget(self, text: str) -> int:
        """What a piece costs against the chunk size: its tokens, or its length for unsplittable runs."""
        return max(self.count_tokens(text), len(text) // MAX_CHARS_PER_TOKEN)

    def short_title(self, title: str) -> str:
        encoding = self.tokenizer.encode(title, add_special_tokens=False)
        if len(encoding.ids) <= TITLE_TOKENS:
            return title
        return title[: encoding.offsets[TITLE_TOKENS - 1][1]]

    def chunk(self, article: Article) -> list[Chunk]:
        title = self.short_title(article.title)
        chunks: list[Chunk] = []
        cursor = 0
        seen: set[str] = set()
        for piece in self.splitter.split_text(article.text):
            start = article.text.find(piece, cursor)
            if start < 0:  # whitespace was normalised inside the piece; fall back to a scan from 0
                start = max(article.text.find(piece), 0)
            end = start + len(piece)
            # Overlap means the next chunk starts before this one ends.
            cursor = start + 1
            cid = chunk_id(article.id, title, piece)
            if cid in seen:
                continue  # a passage repeated word for word: once is enough, and the store needs unique ids
            seen.add(cid)
            chunks.append(
                Chunk(
                    id=cid,
                    article_id=article.id,
                    position=len(chunks),
                    start=start,
                    end=end,
                    text=piece,
                    title=title,
                )
            )
        return chunks


def chunk_id(article_id: str, title: str, text: str) -> str:
    """Same article, same headline, same words: same id, so it is never embedded twice."""
    return sha(article_id, title, text)[:24]


@lru_cache(maxsize=4)
def cached_chunker(tokenizer_file: Path, chunk_tokens: int, chunk_overlap: int) -> Chunker:
    return Chunker(tokenizer_file, chunk_tokens, chunk_overlap)
