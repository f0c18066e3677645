"""Numbers as quantities: "$12.6 million" equals "$12,600,000", and quiz options round ("$5" for "$4.96")."""

from __future__ import annotations

import re

MULTIPLIERS = {
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "mn": 1e6,
    "million": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "billion": 1e9,
    "trillion": 1e12,
    "tn": 1e12,
}
AMOUNT = re.compile(
    r"(?<![\w.])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s?(?P<mult>thousand|million|billion|trillion|mn|bn|tn|k|m|b)\b)?(?P<pct>\s?%|\s(?:percent|per cent)\b)?",
    re.IGNORECASE,
)
UNIT_WORDS = {
    "percent",
    "per",
    "cent",
    "about",
    "around",
    "nearly",
    "almost",
    "over",
    "more",
    "than",
    "less",
    "up",
    "to",
}
CLOSE = 0.05  # relative difference still taken as the same quantity


SCORE = re.compile(r"^\s*\d+\s*[-–]\s*\d+\s*$")  # "3-1": a result, not two quantities


def amounts(text: str) -> list[tuple[float, bool, bool]]:
    """Every quantity in the text as (value, is_percent, is_round).

    Round quantities ("$5", "£7m", "400 million") stand for nearby exact ones; others
    ("364", "2016", "118") must match exactly.
    """
    found = []
    for m in AMOUNT.finditer(text):
        digits = m.group("num").replace(",", "")
        value = float(digits)
        significant = len(digits.replace(".", "").strip("0")) or 1
        if m.group("mult"):
            value *= MULTIPLIERS[m.group("mult").lower()]
        found.append((value, bool(m.group("pct")), bool(m.group("mult")) or significant <= 2))
    return found


def is_quantity(option: str) -> bool:
    """The option is a number with at most a currency, multiplier or percent around it ("£7m", "68%", "118")."""
    if SCORE.match(option):
        return False
    rest = AMOUNT.sub(" ", option)
    words = re.findall(r"[a-z]+", rest.lower())
    return bool(amounts(option)) and all(w in UNIT_WORDS or w in MULTIPLIERS for w in words)


def states(sentence: str, option: str) -> bool:
    """The sentence states every quantity of the option, give or take rounding."""
    wanted = amounts(option)
    have = amounts(sentence)
    return bool(wanted) and all(any(_close(w, h) for h in have) for w in wanted)


def _close(wanted: tuple[float, bool, bool], have: tuple[float, bool, bool]) -> bool:
    (a, a_pct, a_round), (b, b_pct, _) = wanted, have
    if a_pct != b_pct:
        return False
    if a == b:
        return True
    return a_round and abs(a - b) / max(abs(a), abs(b)) <= CLOSE
