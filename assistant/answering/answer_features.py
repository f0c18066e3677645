"""What describes a short-answer candidate: its shape, its sentence, how many articles and outlets state it, how new.

A candidate is judged by what the question asks for (a name for "who", an amount for "how
much"), how directly and how well its sentence answers the question, how many articles and
outlets state it, how new the report is, and whether it only repeats the question's own words.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from typing import Sequence

import numpy as np

from ..answers import Passage
from ..embedding.embedder import Embedder
from ..reading.terms import stems
from .candidates import RELATIVE_DATE, SHAPES, WORD, Candidate, answer_key, candidates
from .evidence import Evidence
from .wanted import Wanted

COMPARED = 12  # candidates compared in meaning with the question and its noun (they are embedded)
CONTEXT_WORDS = 6  # words either side of a candidate that say what its sentence says of it
# What a question asks for when it names no noun of its own.
KIND_NOUNS = {"person": "person", "place": "place", "title": "title"}
SENTENCES = 12  # best sentences whose candidates are considered
NEAR = 4  # words between a candidate and the question's noun that still tie them
RECENT_DAYS = 30.0  # a report this old counts half as new
# Which candidate shapes can answer each kind of question.
FITS = {
    "person": {"name"},
    "place": {"name"},
    "title": {"quoted", "name"},
    "thing": {"name", "quoted", "phrase"},
    "number": {"number", "amount", "percent"},
    "amount": {"amount", "number"},
    "percent": {"percent", "number"},
    "date": {"date"},
    "reason": {"phrase"},
    "yesno": set(),
}
# "China-North Korea (relations)", "U.S.-China (trade)": two names joined are a modifier, not one name.
JOINED_NAMES = re.compile(r"[A-Za-z.]-[A-Z]")
TEASER = re.compile(
    r"^(?:here(?:'s| is| are)|read (?:on|more)|find out|click|see (?:the|our)|watch|listen|sign up|subscribe)\b"
    r"|\b(?:read on to|here's what|here's how|what you need to know|what we know)\b",
    re.IGNORECASE,
)
FEATURES: tuple[str, ...] = (
    "evidence",
    "support",
    "similarity",
    "coverage",
    "rank",
    "sentence_first",
    "sentence_position",
    "lead_sentence",
    "question_sentence",
    "teaser",
    "repeats_question",
    "names_question_entity",
    "near_question_words",
    "noun_near",
    "noun_inside",
    "fits",
    "fits_short_kind",
    "at_start",
    "lone_start_word",
    "also_lowercase",
    "in_headline",
    "headlines",
    "sentences",
    "articles",
    "outlets",
    "recency",
    "newest_recency",
    "noun_similarity",
    "context_similarity",
    "compared",
    "repeats_all",
    "recency_present",
    "words_1",
    "words_2",
    "words_3",
    "words_4_plus",
    "list_for_plural",
    "names_outlet",
    "relative_date",
    "joined_names",
    *(f"shape_{s}" for s in SHAPES),
    *(f"kind_{k}_{s}" for k in ("person", "place", "title", "thing") for s in ("name", "quoted", "phrase")),
)


@dataclass
class Seen:
    """One answer as the passages state it: its best statement's features and everything that states it."""

    text: str
    shape: str
    features: dict[str, float]
    stated_in: list[int]
    articles: set[str]
    outlets: set[str]
    recency: float
    context: str  # the words around its best statement, the candidate left out


def describe(
    wanted: Wanted,
    question: str,
    evidence: Sequence[Evidence],
    passages: Sequence[Passage],
    today: date | None,
    embedder: Embedder | None = None,
) -> tuple[list[Seen], np.ndarray]:
    """The candidates of the best sentences, grouped by answer, and a feature row for each.

    With an embedder, a candidate is also compared in meaning with the noun the question asks for
    ("which animal": "sheep" is closer than "Dolly"; "who": a person's name is closer to "person").
    """
    asked = set(stems(question)) | acronyms(question)
    if all(p.published is None for p in passages):
        today = None  # no report is dated: none is newer than another
    entities = {w.lower() for w in re.findall(r"\b[A-Z][\w'’-]+", question)[1:]}
    noun = set(stems(wanted.noun.split()[-1])) if wanted.noun else set()
    top_support = max((e.support for e in evidence[:SENTENCES]), default=1.0) or 1.0
    as_written = " " + " ".join(" ".join(re.findall(r"[\w'’-]+", p.text)) for p in passages) + " "
    headlines = [f" {answer_key(p.title)} " for p in passages]
    # "told CNN": the outlet reporting a story is seldom its answer.
    outlets = {answer_key(p.source) for p in passages if p.source}
    seen: dict[str, Seen] = {}
    for position, item in enumerate(evidence[:SENTENCES]):
        sentence = item.sentence
        passage = passages[item.passage]
        tokens = list(WORD.finditer(sentence))
        token_stems = [set(stems(t.group())) for t in tokens]
        hits = [i for i, s in enumerate(token_stems) if s & asked]
        recency = _recency(passage.published, today)
        sentence_features = {
            "evidence": item.evidence,
            "support": item.support / top_support,
            "similarity": item.similarity,
            "coverage": item.coverage,
            "rank": item.rank,
            "sentence_first": float(position == 0),
            "sentence_position": 1.0 / (1 + position),
            "lead_sentence": float(item.order == 0),
            "question_sentence": float(sentence.rstrip(" ”\"'").endswith("?")),
            "teaser": float(bool(TEASER.search(sentence))),
            "recency": recency,
        }
        if sentence_features["question_sentence"]:
            continue  # a question states nothing: its names are not answers
        for candidate in candidates(sentence):
            key = candidate.key
            inside = [i for i, t in enumerate(tokens) if candidate.start <= t.start() < candidate.end]
            features = {**sentence_features, **_candidate_features(candidate, inside, hits)}
            words = stems(candidate.text) or candidate.text.lower().split()
            features["repeats_question"] = sum(1 for w in words if w in asked) / len(words)
            features["repeats_all"] = float(features["repeats_question"] == 1.0)
            features["names_question_entity"] = float(
                any(w.lower() in entities for w in re.findall(r"[\w'’-]+", candidate.text))
            )
            features["noun_near"] = float(_near(inside, token_stems, noun))
            features["noun_inside"] = float(bool(noun & set(words)))
            features["names_outlet"] = float(key in outlets)
            features["relative_date"] = float(
                candidate.shape == "date" and bool(RELATIVE_DATE.fullmatch(candidate.text))
            )
            features["joined_names"] = float(candidate.shape == "name" and bool(JOINED_NAMES.search(candidate.text)))
            features["in_headline"] = float(f" {key} " in headlines[item.passage])
            # "Earlier", "Severe", "More": a capitalised word the passages also write in lower case names nothing.
            single = candidate.shape == "name" and " " not in candidate.text
            features["also_lowercase"] = float(single and f" {candidate.text.lower()} " in as_written)
            features["lone_start_word"] = float(single and features["at_start"] == 1.0)
            old = seen.get(key)
            if old is None:
                seen[key] = Seen(
                    candidate.text,
                    candidate.shape,
                    features,
                    [position],
                    {passage.article_id},
                    {passage.source},
                    recency,
                    _context(sentence, tokens, inside),
                )
                continue
            if position not in old.stated_in:
                old.stated_in.append(position)
            old.articles.add(passage.article_id)
            old.outlets.add(passage.source)
            old.recency = max(old.recency, recency)
            # The best statement of an answer speaks for it; a longer way of writing it is kept ("“Succession”").
            if features["support"] > old.features["support"] or (
                features["support"] == old.features["support"] and len(candidate.text) > len(old.text)
            ):
                old.text, old.shape, old.features = candidate.text, candidate.shape, features
                old.context = _context(sentence, tokens, inside)
    found = merge_names(seen)
    if embedder is not None:
        _compare(found, wanted, question, embedder)
    rows = [_row(item, wanted, headlines) for item in found]
    return found, np.array(rows, dtype=np.float32).reshape(len(rows), len(FEATURES))


def acronyms(question: str) -> set[str]:
    """The initials of the question's multi-word names, lower case: "WHO" repeats "the World Health
    Organization" as surely as its words do."""
    found = set()
    for run in re.findall(r"\b[A-Z][\w'’-]*(?:\s+(?:of|for|and|the|on|de)?\s*[A-Z][\w'’-]*)+", question):
        initials = "".join(w[0] for w in re.sub(r"^The\s+", "", run).split() if w[0].isupper())
        if len(initials) >= 2:
            found.add(initials.lower())
    return found


def merge_names(seen: dict[str, Seen]) -> list[Seen]:
    """One entry per named thing: a short form ("Jackson", "DeSantis") joins the one full name it is part of
    ("Ketanji Brown Jackson"), which then counts its statements too; an ambiguous short form stays apart."""
    names = {key: item for key, item in seen.items() if item.shape == "name"}
    merged: set[str] = set()
    for key, item in names.items():
        if len(key.split()) > 2:
            continue
        fuller = [k for k in names if k != key and f" {key} " in f" {k} " and " and " not in f" {k} "]
        if len(fuller) != 1:
            continue
        full = names[fuller[0]]
        full.stated_in.extend(i for i in item.stated_in if i not in full.stated_in)
        full.articles |= item.articles
        full.outlets |= item.outlets
        full.recency = max(full.recency, item.recency)
        if item.features["support"] > full.features["support"]:
            full.features, full.context = item.features, item.context
        merged.add(key)
    return [item for key, item in seen.items() if key not in merged]


def _compare(found: list[Seen], wanted: Wanted, question: str, embedder: Embedder) -> None:
    """Two comparisons in meaning, for the best supported candidates (at most COMPARED), in one embedding call:
    the words around a candidate with the question (which of a sentence's names does what the question
    asks about), and a worded candidate with the noun the question asks for ("which animal": "sheep")."""
    noun = wanted.noun or KIND_NOUNS.get(wanted.kind or "", "")
    # The likeliest first, by what needs no model: a fitting shape, new words, a well-supported sentence.
    fits = FITS.get(wanted.kind or "", set(SHAPES))
    compared = sorted(
        found, key=lambda f: (f.shape not in fits, f.features["repeats_question"], -f.features["support"])
    )[:COMPARED]
    worded = [f for f in compared if noun and f.shape in ("name", "phrase", "quoted")]
    if not compared:
        return
    texts = [question, noun or question] + [f.context for f in compared] + [f.text for f in worded]
    vectors = embedder.embed(texts)
    contexts = vectors[2 : 2 + len(compared)] @ vectors[0]
    for item, similarity in zip(compared, contexts):
        item.features["context_similarity"] = float(similarity)
        item.features["compared"] = 1.0
    for item, similarity in zip(worded, vectors[2 + len(compared) :] @ vectors[1]):
        item.features["noun_similarity"] = float(similarity)


def _context(sentence: str, tokens: list[re.Match[str]], inside: list[int]) -> str:
    """Up to CONTEXT_WORDS words either side of the candidate, without it: what the sentence says of it."""
    if not inside:
        return sentence
    before = tokens[max(0, inside[0] - CONTEXT_WORDS) : inside[0]]
    after = tokens[inside[-1] + 1 : inside[-1] + 1 + CONTEXT_WORDS]
    return " ".join(t.group() for t in [*before, *after]) or sentence


def _candidate_features(candidate: Candidate, inside: list[int], hits: list[int]) -> dict[str, float]:
    outside = [h for h in hits if h not in inside]
    if inside and outside:
        distance = min(abs(h - i) for h in outside for i in (inside[0], inside[-1]))
        near = 1.0 / distance
    else:
        near = 0.0
    n = len(inside) or len(candidate.text.split())
    return {
        "near_question_words": near,
        "at_start": float(bool(inside) and inside[0] == 0),
        "words_1": float(n == 1),
        "words_2": float(n == 2),
        "words_3": float(n == 3),
        "words_4_plus": float(n >= 4),
        "list_for_plural": float(bool(re.search(r"\s(?:and|&)\s|,", candidate.text))),
    }


def _near(inside: list[int], token_stems: list[set[str]], noun: set[str]) -> bool:
    if not noun or not inside:
        return False
    around = range(max(0, inside[0] - NEAR), min(len(token_stems), inside[-1] + NEAR + 1))
    return any(token_stems[i] & noun for i in around if i not in inside)


def _recency(published: date | None, today: date | None) -> float:
    """1 for a report of today, halving every RECENT_DAYS. With no dates in the collection at all every
    report is as new as the rest (1); an undated report among dated ones is neither new nor old (0.5)."""
    if today is None:
        return 1.0
    if published is None:
        return 0.5
    return 0.5 ** (max((today - published).days, 0) / RECENT_DAYS)


def _row(found: Seen, wanted: Wanted, headlines: list[str]) -> list[float]:
    f = dict(found.features)
    kind = wanted.kind or ""
    f["fits"] = float(found.shape in FITS.get(kind, set(SHAPES)))
    f["fits_short_kind"] = f["fits"] * float(wanted.short)
    f["sentences"] = math.log1p(len(found.stated_in))
    f["articles"] = math.log1p(len(found.articles))
    f["outlets"] = math.log1p(len({o for o in found.outlets if o}))
    f["newest_recency"] = found.recency
    f["headlines"] = math.log1p(sum(1 for h in headlines if f" {answer_key(found.text)} " in h))
    f["recency_present"] = found.recency * float(wanted.present)
    f["list_for_plural"] = f["list_for_plural"] * (1.0 if wanted.plural else -1.0)
    for shape in SHAPES:
        f[f"shape_{shape}"] = float(found.shape == shape)
    for k in ("person", "place", "title", "thing"):
        for s in ("name", "quoted", "phrase"):
            f[f"kind_{k}_{s}"] = float(kind == k and found.shape == s)
    return [f.get(name, 0.0) for name in FEATURES]
