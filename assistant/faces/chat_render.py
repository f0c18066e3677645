"""HTML for the chat window: answers with clickable citations, the sources panel, index reports.

Everything that comes from an article or a question is escaped here: article text is data,
so no tag in it runs and no Markdown in it is interpreted.
"""

from __future__ import annotations

import html
import re
from datetime import date
from functools import lru_cache
from typing import Any, Sequence

from ..answers import AlsoReported, Answer, Citation, Passage

MARKER = re.compile(r"\[(\d+)\]")
# Characters Markdown or the chat's LaTeX renderer would act on, written as entities instead.
MARKUP = str.maketrans({c: f"&#{ord(c)};" for c in "\\`*_{}[]()#|~$"})
SNIPPET_CHARS = 280
# The tags and attributes this module writes: all that HTML coming back from the browser may keep.
TAGS = frozenset({"div", "p", "b", "i", "a", "span", "details", "summary", "blockquote", "mark", "code"})
ATTRS = frozenset({"class", "href", "title", "target", "rel"})


def escape(text: str) -> str:
    """Article or user text as inert HTML: runs of whitespace made one space, tags and Markdown neutralised."""
    return html.escape(re.sub(r"\s+", " ", str(text)), quote=False).translate(MARKUP)


def attr(text: str) -> str:
    """Text for an attribute value (a tooltip)."""
    return html.escape(" ".join(str(text).split()), quote=True)


@lru_cache(maxsize=128)  # every question writes back the stored answers' panels: the same strings again
def sanitised(fragment: str) -> str:
    """HTML kept in the browser's storage (which anyone at the browser can edit) cut back to what
    this module writes: no script, no event handler, no style, no link but http(s)."""
    from lxml import html as lxml_html

    if not fragment.strip():
        return ""
    root = _cleaner().clean_html(lxml_html.fragment_fromstring(fragment, create_parent="div"))
    for link in root.iter("a"):
        if not web_url(link.get("href", "")):
            link.attrib.pop("href", None)
    return html.escape(root.text or "", quote=False) + "".join(lxml_html.tostring(c, encoding="unicode") for c in root)


@lru_cache(maxsize=1)
def _cleaner() -> Any:
    from lxml_html_clean import Cleaner

    return Cleaner(
        allow_tags=TAGS,
        remove_unknown_tags=False,
        safe_attrs_only=True,
        safe_attrs=ATTRS,
        scripts=True,
        javascript=True,
        style=True,
        kill_tags={"script", "style", "template"},
    )


def day(value: date | None) -> str:
    return value.isoformat() if value else "undated"


def answer_html(answer: Answer, key: str, note: str = "") -> str:
    """The answer with each [n] linked to its source below, then the sources themselves."""
    by_number = {c.number: c for c in answer.citations}
    parts = ['<div class="na-answer">']
    if answer.short:
        parts.append(f'<p class="na-short"><b>{escape(answer.short)}</b></p>')
    parts.append(f'<p class="na-text">{linked_text(answer.text, by_number, key)}</p>')
    if answer.citations:
        parts.append('<div class="na-sources">')
        parts.extend(citation_html(c, key) for c in answer.citations)
        parts.append("</div>")
    elif answer.abstained and answer.passages:
        parts.append('<div class="na-closest"><p class="na-note">Closest passages I found:</p>')
        parts.extend(closest_html(p) for p in dedupe(answer.passages)[:3])
        parts.append("</div>")
    if answer.searched:
        parts.append(f'<p class="na-note na-searched">Searched for: {escape(answer.searched)}</p>')
    parts.append(note)
    parts.append("</div>")
    return "".join(parts)


def pending_html(text: str) -> str:
    """The answer while it streams in."""
    body = escape(text) if text.strip() else '<span class="na-note">Searching the articles…</span>'
    return f'<div class="na-answer na-pending"><p class="na-text">{body}<span class="na-cursor">▍</span></p></div>'


def linked_text(text: str, citations: dict[int, Citation], key: str) -> str:
    out, start = [], 0
    for match in MARKER.finditer(text):
        out.append(escape(text[start : match.start()]))
        n = int(match.group(1))
        c = citations.get(n)
        if c is None:
            out.append(escape(match.group(0)))
        else:
            tip = attr(f"{c.title} — {c.source or 'unknown outlet'}, {day(c.published)}: {c.sentence or c.passage}")
            out.append(f'<a class="na-cite na-to-{key}-{n}" title="{tip}">[{n}]</a>')
        start = match.end()
    out.append(escape(text[start:]))
    return "".join(out).strip()


def citation_html(c: Citation, key: str) -> str:
    meta = " · ".join(escape(x) for x in (c.source or "unknown outlet", day(c.published)))
    parts = [
        f'<details class="na-source na-src-{key}-{c.number}">',
        f'<summary><span class="na-num">[{c.number}]</span> <b>{escape(c.title) or "Untitled"}</b>'
        f' <span class="na-meta">{meta}</span></summary>',
        f'<blockquote class="na-passage">{highlight(c.passage, c.sentence)}</blockquote>',
    ]
    if c.also_reported_by:
        parts.append(f'<p class="na-also">Also reported by {also(c.also_reported_by)}</p>')
    if link := url_html(c.url):
        parts.append(f'<p class="na-link">{link}</p>')
    parts.append("</details>")
    return "".join(parts)


def closest_html(p: Passage) -> str:
    meta = " · ".join(escape(x) for x in (p.source or "unknown outlet", day(p.published)))
    return (
        f'<details class="na-source"><summary><b>{escape(p.title) or "Untitled"}</b>'
        f' <span class="na-meta">{meta}</span></summary>'
        f'<blockquote class="na-passage">{escape(p.text)}</blockquote></details>'
    )


def highlight(passage: str, sentence: str) -> str:
    """The passage with the supporting sentence marked, when it can be found in it."""
    text, target = " ".join(passage.split()), " ".join(sentence.split())
    at = text.find(target) if target else -1
    if at < 0:
        return escape(text)
    end = at + len(target)
    return f"{escape(text[:at])} <mark>{escape(target)}</mark> {escape(text[end:])}".strip()


def also(others: Sequence[AlsoReported]) -> str:
    items = []
    for a in others:
        label = escape(a.source or a.title)
        link = url_html(a.url, label)
        items.append(link or label)
    return ", ".join(items)


def web_url(url: str) -> str:
    """The URL when it is an http(s) link, else "": no other scheme (`javascript:`, `data:`) reaches a page or a caller."""
    return url if url.startswith(("http://", "https://")) else ""


def url_html(url: str, label: str = "Original article ↗") -> str:
    if not web_url(url):
        return ""
    return f'<a href="{attr(url)}" target="_blank" rel="noopener noreferrer nofollow">{label}</a>'


def dedupe(passages: Sequence[Passage]) -> list[Passage]:
    seen, out = set(), []
    for p in passages:
        if p.article_id not in seen:
            seen.add(p.article_id)
            out.append(p)
    return out


def panel_html(answer: Answer | None, key: str = "") -> str:
    """The sources panel: every passage behind the latest answer, cited ones first."""
    if answer is None or not answer.passages:
        return '<div class="na-panel"><p class="na-note">The passages behind the latest answer appear here.</p></div>'
    cited = {c.chunk_id: c.number for c in answer.citations}
    passages = sorted(answer.passages, key=lambda p: (p.chunk_id not in cited, cited.get(p.chunk_id, 0)))
    parts = [f'<div class="na-panel"><p class="na-note">Passages behind: <i>{escape(answer.question)}</i></p>']
    for p in passages:
        n = cited.get(p.chunk_id)
        label = f'<span class="na-num">[{n}]</span> ' if n else ""
        # Closeness in meaning to the question (cosine), not a share of the best passage's rank score.
        match = f"match {min(max(p.similarity, 0.0), 1.0):.0%}" if p.similarity is not None else ""
        meta = " · ".join(escape(x) for x in (p.source or "unknown outlet", day(p.published), match) if x)
        cls = f" na-cited na-card-{key}-{n}" if n else ""
        snippet = escape(p.text[:SNIPPET_CHARS] + ("…" if len(p.text) > SNIPPET_CHARS else ""))
        link = url_html(p.url)
        parts.append(
            f'<div class="na-card{cls}"><div>{label}<b>{escape(p.title) or "Untitled"}</b></div>'
            f'<div class="na-meta">{meta}</div><div class="na-snippet">{snippet}</div>'
            + (f'<div class="na-link">{link}</div>' if link else "")
            + "</div>"
        )
    parts.append("</div>")
    return "".join(parts)


def empty_index_html(seeds_dir: str) -> str:
    return (
        '<div class="na-panel na-empty"><p><b>The index is empty.</b></p>'
        f"<p>Upload article files (txt, md, html, json, jsonl) under <i>Articles</i> below, or put them in "
        f"<code>{escape(seeds_dir)}</code>, then press <b>Rebuild index</b>.</p></div>"
    )


def report_markdown(report, saved_note: str = "") -> str:
    """An index rebuild in a few lines: what changed, and why any file was skipped."""
    plan = report.plan
    lines = [f"**Index rebuilt** in {report.seconds:.1f} s: {plan.summary()}; {report.chunks_total} passages indexed."]
    for title, items in (("Added", plan.added), ("Changed", plan.changed)):
        if items:
            lines.append(f"- {title}: " + ", ".join(md(a.path) for a in items[:20]) + more(items))
    if plan.removed:
        names = [e.path or aid for aid, e in plan.removed.items()]
        lines.append("- Removed: " + ", ".join(md(n) for n in names[:20]) + more(names))
    for bad in plan.bad:
        lines.append(f"- Skipped {md(str(bad))}")
    if saved_note:
        lines.insert(0, saved_note)
    return "\n".join(lines)


def more(items: Sequence) -> str:
    return f" and {len(items) - 20} more" if len(items) > 20 else ""


def md(text: str) -> str:
    """A file name or message inside Markdown: escaped, so it cannot add markup."""
    return escape(text)
