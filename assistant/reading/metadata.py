"""Article metadata from loose records: field-name variants, dates, author names, outlets from URLs."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from dateutil import parser as dateparser

# Record field names and the variants other exporters use, most specific first.
FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline"),
    "text": ("text", "body", "content"),
    "url": ("url", "link"),
    "source": ("source", "outlet", "site", "publisher"),
    "authors": ("authors", "author"),
    "published": ("published", "published_at", "publishedAt", "date"),
}


def field(record: dict[str, Any], name: str) -> Any:
    for key in FIELDS[name]:
        value = record.get(key)
        if value not in (None, "", [], {}):
            return value
    return None


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):  # e.g. NewsAPI's "source": {"id": ..., "name": "CNN"}
        return as_text(value.get("name") or value.get("title") or "")
    if isinstance(value, list):
        return ", ".join(as_text(item) for item in value if item)
    return str(value).strip()


def split_names(value: Any) -> tuple[str, ...]:
    """Author names from a list, or from one string joined with commas, semicolons or "and"."""
    if not value:
        return ()
    items = value if isinstance(value, list) else re.split(r"\s*(?:;|,|&|\band\b)\s*", as_text(value))
    names = [re.sub(r"(?i)^by\s+", "", as_text(item)).strip() for item in items]
    return tuple(dict.fromkeys(name for name in names if name))


def parse_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not re.search(r"\d{4}", value):
        return None  # without a year dateutil would fill in the current one
    try:
        return dateparser.parse(value.strip(), default=datetime(2000, 1, 1)).date()
    except (ValueError, OverflowError):
        return None


def source_from_url(url: str) -> str:
    """A rough outlet name from the host: cnn.com -> "CNN", bbc.co.uk -> "BBC", nytimes.com -> "Nytimes"."""
    if not url:
        return ""
    try:
        host = (urlsplit(url if "//" in url else f"//{url}").hostname or "").removeprefix("www.")
    except ValueError:  # e.g. an unbalanced "[" reads as a broken IPv6 address
        return ""
    labels = host.split(".")
    if len(labels) < 2 or host.replace(".", "").isdigit():
        return ""
    name = labels[-2]
    if name in {"co", "com", "org", "net", "gov", "ac", "edu"} and len(labels) >= 3:
        name = labels[-3]
    return name.upper() if len(name) <= 4 else name.title()


# Words that mark an organisation, not a person, in a credit line.
_ORG_WORDS = frozenset(
    "press news network times post staff reuters associated today journal register herald tribune "
    "magazine daily gazette wire wires reports bureau agency media".split()
)
_NAME = re.compile(r"[A-Z][\w'’.-]*")
_CREDIT_LABEL = re.compile(
    r"(?i)^\s*(contributing|contributors?)\b\s*:?|^\s*(additional )?(reporting|writing|written|research) by\b|^\s*by\b"
)


def authors_from_byline(byline: str | None) -> tuple[str, ...]:
    """Person names in a credit line; editors, outlets and single words are left out."""
    if not byline:
        return ()
    names: list[str] = []
    for clause in byline.split(";"):
        if re.match(r"(?i)\s*(editing|edited|compiled|graphics|photos?|produced|fact-checked) by\b", clause):
            continue
        clause = re.sub(_CREDIT_LABEL, "", clause)
        for part in re.split(r"\s*(?:,|&|\band\b)\s*", clause):
            part = re.split(r"\s(?:reported|contributed|from|in|at|of|for|with|wrote)\b", part)[0]
            name = _last_capitalised_run(re.sub(r"^\S+[’']s\s+", "", part.strip(" .")))
            if name:
                names.append(name)
    return tuple(dict.fromkeys(names))


def _last_capitalised_run(text: str) -> str:
    run: list[str] = []
    best: list[str] = []
    for token in text.split():
        if _NAME.fullmatch(token):
            run.append(token)
            best = run
        else:
            run = []
    if not 2 <= len(best) <= 4:
        return ""
    if any(token.lower().strip(".") in _ORG_WORDS or (token.isupper() and len(token) > 2) for token in best):
        return ""
    return " ".join(best)
