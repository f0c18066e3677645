"""An article's lead: the first sentence that states news rather than teasing it, and the names it mentions."""

from __future__ import annotations

import re
import zlib

from ..reading.sentences import sentence_spans
from ..searching.stories import SHINGLE

VERSION = 4  # bump when leads, names or sketches come out differently: saved stories are then redone
SENTENCES_TRIED = 5  # a lead is among an article's first few sentences
SKETCH = 64  # shingle hashes kept per article: enough to tell a syndicated copy
# "TAINAN, Taiwan (CNN) —", "WASHINGTON (AP) -": the dateline before a wire story's first sentence.
# "LOS ANGELES –": a city in capitals before a dash.
DATELINE = re.compile(
    r"^(?:[A-Z][^.!?]{0,60}?(?:\(?\b(?:CNN|AP|Reuters|AFP|UPI|Bloomberg)\b\)?)\s*(?:Business|Politics|Sport)?"
    r"|[A-Z][A-Z.',-]+(?: [A-Z][A-Z.',-]+){0,3}(?:, [A-Z][a-z.]+(?: [A-Z][a-z.]+)?)?)\s*[—–―-]+\s*"
)
# A sentence that invites the reader in instead of telling the news.
TEASER = re.compile(
    r"\b(?:you|your|you're|here's|here is|here are|read on|find out|what we know|what to know|"
    r"need to know|sign up|subscribe|newsletter|click|watch|listen|the latest|live updates|follow along|"
    r"corrections? and clarifications|correction|editor's note)\b",
    re.IGNORECASE,
)
# A digest of the day's or week's news: about many events, so it belongs to none of their stories.
ROUNDUP = re.compile(
    r"\b(?:\d+|five|ten) things to know\b|\bthings to know (?:for|on|today|this)\b|\brecap\b|\bround-?up\b|"
    r"\bit's \w+day's news\b|\bstart your (?:day|week) smart\b|\b(?:morning|evening|daily|weekly) (?:briefing|digest)\b|"
    r"\bweek in (?:review|pictures)\b|\bnews quiz\b|\bwhat you missed\b|\bphotos of the (?:day|week)\b",
    re.IGNORECASE,
)
REPORTING = re.compile(
    r"\b(?:said|says|announced|has|have|had|was|were|is|are|will|won|killed|died|voted|ruled|"
    r"\w+ed)\b",
    re.IGNORECASE,
)
NAME = re.compile(r"\b[A-Z][\w'’-]+(?:\s+(?:of\s+|the\s+|de\s+)?[A-Z][\w'’-]+)*")
NOT_NAMES = frozenset(
    "the a an in on at for and but or it this that these those he she they we i his her their its "
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june july "
    "august september october november december cnn ap reuters mr mrs ms dr new read watch".split()
)


def lead_of(text: str) -> str:
    """The article's best news sentence among its first few: early, declarative, not a teaser."""
    best, best_score = "", float("-inf")
    for place, (sentence, _, _) in enumerate(sentence_spans(text)[:SENTENCES_TRIED]):
        sentence = DATELINE.sub("", sentence).strip()
        score = news_score(sentence) - 0.35 * place
        if score > best_score:
            best, best_score = sentence, score
    return best


def news_score(sentence: str) -> float:
    """How much a sentence reads as a statement of news (higher) rather than a teaser or caption."""
    words = sentence.split()
    score = 0.0
    if not 8 <= len(words) <= 60:
        score -= 1.0
    if sentence.endswith(("?", "!")) or sentence.startswith(("“", '"', "But ", "And ", "So ", "Yes")):
        score -= 1.5
    if TEASER.search(sentence):
        score -= 1.5
    if REPORTING.search(sentence):
        score += 0.5
    if re.search(r"\d", sentence):
        score += 0.2
    if len(names_in(sentence)) >= 1:
        score += 0.4
    return score


def is_roundup(title: str) -> bool:
    """A news digest ("5 things to know for July 11", "...: May 8 recap") rather than a report of one event."""
    return bool(ROUNDUP.search(title))


def names_in(text: str) -> set[str]:
    """Capitalised names (people, places, organisations), lower-cased; sentence-initial function words left out."""
    found = set()
    for match in NAME.finditer(text):
        words = [w for w in match.group().split() if w.lower() not in NOT_NAMES]
        if words and (len(words) > 1 or len(words[0]) > 2):
            found.add(" ".join(words).lower())
    return found


def sketch(text: str) -> list[int]:
    """The smallest shingle hashes of the text (a bottom-k sketch), stable across processes, for spotting copies."""
    words = re.findall(r"\w+", text.lower())
    grams = {" ".join(words[i : i + SHINGLE]) for i in range(max(1, len(words) - SHINGLE + 1))} if words else set()
    return sorted(zlib.crc32(g.encode()) for g in grams)[:SKETCH]


def copies(a: list[int], b: list[int]) -> bool:
    """Most of the shorter text's sketch in the other's: the same text from two outlets (see searching/stories.py)."""
    if not a or not b:
        return False
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    # Bottom-k sketches of two copies share their smallest hashes; compare within the shorter's range.
    cut = small[-1]
    shared = len(set(small) & {h for h in large if h <= cut})
    return shared / len(small) >= 0.5
