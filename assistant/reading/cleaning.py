"""Normalise article text and strip page furniture (link lists, prompts, credit lines)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Zero-width characters and the soft hyphen: invisible, but they split words for search. Bidi
# embedding/override/isolate marks too: invisible, and they can make a quoted citation display
# in another order than it reads (an old trick for hiding text).
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# C0/C1 control characters other than tab and newline, and lone surrogates (a JSON "\\ud800" with no
# partner decodes to one): no character, and no UTF-8 encoding either, so nothing could store or hash it.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_SPACES = re.compile("[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_LINE_BREAKS = re.compile("\r\n|[\r\u0085\u2028\u2029]")

# A heading that introduces a list of other stories' headlines. Matched against a whole line.
LIST_HEADING = re.compile(
    r"(read (also|more|next)|also read|see also|related( (stories|articles|coverage|content|links|reading))?"
    r"|more (from|on|about) [^.!?]{1,40}|more (stories|news|coverage)|most (read|popular|viewed|shared)"
    r"|recommended( (for you|stories|reading))?|you (may|might) also (like|enjoy)|further reading"
    r"|top stories|trending( now| stories)?|latest (news|stories)|other stories)\s*:?",
    re.IGNORECASE,
)

# Standalone lines that are prompts or widgets rather than reporting. Each is searched in one line;
# keep this list short and general: a pattern belongs here only if it holds for any news site.
FURNITURE: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^(advertisement|advertising|sponsored( content)?|ad feedback)$",
        r"^(share|tweet|print|email)( (this|on|via)\b.{0,40})?$",
        r"\b(sign up|subscribe)\b.{0,120}\b(newsletter|inbox|here|today|now)\b|^(sign up|subscribe)\b"
        r"|^support (local )?journalism\b",
        r"^(click|tap) here\b|\((click|tap) here\b",
        r"^follow\b.{0,80}\bon (twitter|x|facebook|instagram|threads|tiktok|bluesky|linkedin|youtube)\b|^follow us\b",
        # Reporter contact lines: a contact verb plus an e-mail address or social handle.
        r"^(contact|reach|email|call)\b.{0,150}\S@\S|\b(reach|reached|contact|email|emailed)\b.{0,100}\w@[\w-]+\.\w",
        r"video player was slow to load|^video ad feedback\b|how relevant is this ad to you"
        r"|^(the )?(story|article) continues (below|after)\b",
        r"^need a break\? play\b",
        r"^(get|see|listen|download|prep|check out|explore|stay)\b.{0,120}\bour\b.{0,40}"
        r"\b(guide|newsletter|podcasts?|app|live blog|coverage)\b",
        r"^this (story|article|report) (has been|was) updated\b",
        r"^(©|\(c\) |copyright\b)",
        r"^[\W_]+$",  # separators such as "***" or "———"
        # A link to another story: "Related: Headline", or a label glued to a link ("More:Headline",
        # the trace a label element next to a link leaves), when what follows is one short sentence.
        r"^(read (also|more|next)|also read|see also|related( (story|stories|article|coverage))?|more)\s*:\s*\S",
        r"^[^\s:][^:]{0,60}[^\d\s:]:(?!//)(?=[^\s\d])(?!.*[.!?]\s+[A-Z])(\S+ ){0,17}\S+$",
    )
)
# Lines longer than this are prose, whatever words they contain.
FURNITURE_MAX_WORDS = 50

# A credit line: who reported the story. Dropped from the text, returned as the byline.
BYLINE: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in (
        r"(?i)^contribut(ing|ors?)\s*:\s*\S|^CONTRIBUTING\s+[A-Z]",
        r"(?i)^(additional )?(reporting|writing|research) by\b",
        r"^[A-Z][^.!?]{0,80}\breported from\b",
        r"(?i)^from\b.{0,60}\bwire reports\.?$",
        r"(?i)\bcontributed( reporting)?( to)? (this|the) (report|story|article)\b|\bcontributed reporting\b",
    )
)
# "– Jane Doe" under a paragraph: a live-blog entry's credit.
DASH_CREDIT = re.compile(r"^[–—−-]\s*[A-Z][\w.'’-]*(\s+(of\s+)?[A-Z&][\w.'’-]*){0,4}\.?$")
_SENTENCE_BREAK = re.compile(r"[.!?][\"”’']?\s+[A-Z]")
_BULLET = re.compile(r"^([-*•–—−]|\d{1,2}[.)])\s")
# Credits sit at the very end, sometimes followed by a stray link or two.
BYLINE_WINDOW = 3


@dataclass(frozen=True)
class Cleaned:
    """Article text without furniture, and the credit line found at its end, if any."""

    text: str
    byline: str | None = None


def clean_text(text: str) -> str:
    """Normalise Unicode, whitespace and line endings; paragraphs stay apart by one blank line."""
    text = unicodedata.normalize("NFC", text)
    text = _LINE_BREAKS.sub("\n", text)
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def clean_article_text(text: str) -> Cleaned:
    """Normalise the text, then drop link lists, prompts and credit lines."""
    lines = _drop_link_lists(clean_text(text).split("\n"))
    lines = [line for line in lines if not is_furniture(line)]
    lines, byline = _pop_byline(lines)
    lines = _drop_dash_credits(lines)
    return Cleaned(re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip(), byline)


def is_furniture(line: str) -> bool:
    if not line or len(line.split()) > FURNITURE_MAX_WORDS:
        return False
    return any(pattern.search(line) for pattern in FURNITURE)


def is_byline(line: str) -> bool:
    if not line or len(line.split()) > 40:
        return False
    return any(pattern.search(line) for pattern in BYLINE)


def _is_list_item(line: str) -> bool:
    """A headline in a list of links: bulleted, or short and not ending like a sentence."""
    words = len(line.split())
    bullet = _BULLET.match(line)
    if bullet:
        return words <= 25 and not _SENTENCE_BREAK.search(line[bullet.end() :])
    return words <= 20 and not re.search(r"[.:;]$", line)


def _drop_link_lists(lines: list[str]) -> list[str]:
    """Remove each list heading and the headlines under it, up to the next line of prose."""
    kept: list[str] = []
    i = 0
    while i < len(lines):
        if LIST_HEADING.fullmatch(lines[i]):
            end = i + 1
            while end < len(lines) and (not lines[end] or _is_list_item(lines[end])):
                end += 1
            items = [line for line in lines[i + 1 : end] if line]
            # Headlines rarely end like sentences; a block of sentences is a section, not links.
            sentences = sum(1 for line in items if re.search(r"[.!?][\"”’']?$", line))
            if not items or sentences * 2 <= len(items):
                kept.append("")
                i = end
                continue
        kept.append(lines[i])
        i += 1
    return kept


def _pop_byline(lines: list[str]) -> tuple[list[str], str | None]:
    filled = [i for i, line in enumerate(lines) if line]
    for k in reversed(range(max(0, len(filled) - BYLINE_WINDOW), len(filled))):
        i = filled[k]
        if is_byline(lines[i]) or _is_dash_credit(lines, filled, k):
            return lines[:i] + lines[i + 1 :], lines[i].lstrip("–—−- ").strip()
    return lines, None


def _drop_dash_credits(lines: list[str]) -> list[str]:
    filled = [i for i, line in enumerate(lines) if line]
    drop = {i for k, i in enumerate(filled) if _is_dash_credit(lines, filled, k)}
    return [line for i, line in enumerate(lines) if i not in drop]


def _is_dash_credit(lines: list[str], filled: list[int], k: int) -> bool:
    """A "– Name" line on its own; among other bulleted lines it is a list item instead."""
    if not DASH_CREDIT.match(lines[filled[k]]):
        return False
    neighbours = [lines[filled[j]] for j in (k - 1, k + 1) if 0 <= j < len(filled)]
    return not any(_BULLET.match(line) for line in neighbours)
