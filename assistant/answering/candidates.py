"""Short-answer candidates in a sentence: names, quoted titles, amounts, numbers, dates and plain noun phrases."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..reading.terms import stems
from ..searching.dates import MONTHS

SHAPES = ("name", "quoted", "amount", "percent", "number", "date", "phrase")
MAX_PHRASE_WORDS = 4
MAX_NAME_WORDS = 7
# Small words that may sit inside a name ("Bank of England", "Bed Bath & Beyond", "Prince Michael of Kent").
NAME_GLUE = frozenset({"of", "and", "&", "de", "la", "du", "von", "van", "der", "the", "for", "on", "upon", "y"})
# Capitalised words that start sentences or titles without naming anything.
NOT_NAMES = frozenset(
    "a an the this that these those it its he she they we i you his her their our my your but and or so yet "
    "if when while after before as at in on of for to from by with about into over under since until "
    "however meanwhile also still then there here what which who whom whose where why how "
    "mr mrs ms dr sen rep gov gen pres st jan feb mar apr jun jul aug sep sept oct nov dec "
    "monday tuesday wednesday thursday friday saturday sunday".split()
)
NUMBER_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
    "eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred dozen dozens hundreds "
    "thousands millions billions"
).split()
MONTH_NAMES = "(?:" + "|".join(sorted((m for m in MONTHS if len(m) > 3), key=len, reverse=True)) + ")"
# Dates that count from the day they were written ("next week", "Tuesday"): true then, unreadable later.
RELATIVE = (
    r"(?:next|last|this|coming|later this|early next|late next)\s+(?:week|weekend|month|year|spring|summer|fall|autumn|winter)"
    r"|(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|(?:today|tomorrow|tonight|yesterday)"
    # A span of time is a point in time only when it counts from now ("two weeks ago"); "four years" is a quantity.
    r"|(?:a|one|two|three|four|five|six|a few|several)\s+(?:days|weeks|months|years)\s+(?:ago|later|from now|away)"
)
RELATIVE_DATE = re.compile(rf"(?:{RELATIVE})", re.IGNORECASE)
DATE = re.compile(
    rf"\b(?:{MONTH_NAMES}\.?(?:\s+\d{{1,2}}(?:st|nd|rd|th)?)?(?:,?\s+(?:19|20)\d\d)?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{MONTH_NAMES}(?:\s+(?:19|20)\d\d)?"
    rf"|{RELATIVE})\b",
    re.IGNORECASE,
)
QUANTITY = re.compile(
    r"(?<![\w.])(?P<cur>[$£€¥]\s?)?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?P<mult>\s?(?:thousand|million|billion|trillion|bn|m|k)\b)?(?!\w)"  # not "80th", "3D"
    r"(?P<pct>\s?%|\s(?:percent|per cent)\b)?"
    r"(?:\s(?P<unit>[a-z][a-z-]{2,20}))?",
)
SPELLED = re.compile(r"\b(?:" + "|".join(NUMBER_WORDS) + r")(?:[\s-](?:" + "|".join(NUMBER_WORDS) + r"))*\b", re.I)
QUOTED = re.compile(r"[“\"]([^“”\"]{2,80})[”\"]|‘([^‘’]{2,60})’")
WORD = re.compile(r"[A-Za-z0-9](?:[\w'’&-]|\.(?=\w))*|&")  # a word; inner dots ("U.S", "BA.5") stay
# Units after a number that belong to the answer ("10 seconds", "3 months", "63 hot dogs" is "63").
# Lower-case words no answer is made of: function words, reporting verbs and number words (numbers are
# candidates of their own). Search's stopword list is short on purpose; a phrase boundary needs more.
PLAIN_WORDS = frozenset(
    "said says say told tells according reported reports added noted announced asked week year years day days "
    "month months time times people percent than then did does do done doing has have had having been being was "
    "were is are am be will would could should can may might must shall more most less least very just also not "
    "no nor only even still yet already about above after again against all any because before below between "
    "both during each few into its itself much other our out over own same some such there these they this those "
    "through too under until up upon what when where which while who whom why with within without would "
    "including like per via among amid across toward towards despite however".split()
) | frozenset(NUMBER_WORDS)
UNITS = frozenset(
    "seconds second minutes minute hours hour days day weeks week months month years year decades miles mile "
    "kilometers km feet foot meters metres inches degrees people times points votes games goals".split()
)


@dataclass(frozen=True)
class Candidate:
    """A possible short answer as written in its sentence."""

    text: str
    shape: str  # one of SHAPES
    start: int  # character offsets in the sentence
    end: int

    @property
    def key(self) -> str:
        """The same answer written another way groups under one key ("the Eiffel Tower", "Eiffel Tower")."""
        return answer_key(self.text)


def answer_key(text: str) -> str:
    words = re.findall(r"[\w%$£€]+", text.lower().replace("’", "'"))
    return " ".join(w for w in words if w not in ("a", "an", "the"))


def candidates(sentence: str) -> list[Candidate]:
    """Every span of the sentence that could be a short answer, without duplicates of one span."""
    found: dict[tuple[int, int], Candidate] = {}

    def add(start: int, end: int, shape: str) -> None:
        text = sentence[start:end].strip(" ,;:.")
        if not text or not answer_key(text):
            return
        start = sentence.index(text, start)
        span = (start, start + len(text))
        if span not in found or SHAPES.index(shape) < SHAPES.index(found[span].shape):
            found[span] = Candidate(text, shape, *span)

    for m in QUOTED.finditer(sentence):
        add(m.start(), m.end(), "quoted")
    for m in DATE.finditer(sentence):
        add(m.start(), m.end(), "date")
    dates = [(c.start, c.end) for c in found.values() if c.shape == "date"]
    for m in QUANTITY.finditer(sentence):
        if any(a <= m.start() and m.end("num") <= b for a, b in dates):
            continue  # the day of "September 3" is part of the date
        shape = "percent" if m.group("pct") else "amount" if m.group("cur") else "number"
        if shape == "number" and re.fullmatch(r"(?:19|20)\d\d", m.group("num")) and not m.group("mult"):
            shape = "date"  # a year
        core_end = m.end("pct") if m.group("pct") else m.end("mult") if m.group("mult") else m.end("num")
        add(m.start(), core_end, shape)
        if m.group("unit") and m.group("unit").lower() in UNITS:
            add(m.start(), m.end("unit"), shape)
    for m in SPELLED.finditer(sentence):
        unit = re.match(r"\s([a-z]+)", sentence[m.end() :])
        add(m.start(), m.end(), "number")
        if unit and unit.group(1) in UNITS:
            add(m.start(), m.end() + unit.end(), "number")
    dated = [(c.start, c.end) for c in found.values() if c.shape in ("date", "amount", "percent", "number")]
    for start, end in name_runs(sentence):
        for a, b in name_parts(sentence, start, end):
            if not any(x <= a and b <= y for x, y in dated):  # "July" of "July 7, 2022" is part of a date
                add(a, b, "name")
    taken = [(c.start, c.end) for c in found.values()]
    for start, end in phrase_runs(sentence, taken):
        add(start, end, "phrase")
    return sorted(found.values(), key=lambda c: (c.start, c.end))


def name_runs(sentence: str) -> list[tuple[int, int]]:
    """Runs of capitalised words, with the small words names hold inside them."""
    tokens = list(WORD.finditer(sentence))
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(tokens):
        if not _capital(tokens[i].group(), i == 0 or _sentence_start(sentence, tokens[i].start())):
            i += 1
            continue
        j = i
        last = i
        while j + 1 < len(tokens) and j + 1 - i < MAX_NAME_WORDS:
            if tokens[j].group().endswith(("'s", "’s")):
                break  # "Taiwan’s President Tsai Ing-wen" is two names: the possessive ends the first
            nxt = tokens[j + 1]
            gap = sentence[tokens[j].end() : nxt.start()]
            if gap.strip(" ") not in ("", ",") or (gap.strip() == "," and nxt.group().lower() not in NAME_GLUE):
                break
            if _capital(nxt.group(), False):
                last = j + 1
            elif nxt.group().lower() not in NAME_GLUE:
                break
            j += 1
        end = tokens[last].end()
        if sentence[:end].endswith(("'s", "’s")):  # "Fiji's minister": the name is "Fiji"
            end -= 2
        runs.append((tokens[i].start(), end))
        i = last + 1
    return runs


def name_parts(sentence: str, start: int, end: int) -> list[tuple[int, int]]:
    """A name run and the names inside it: "UK Prime Minister Boris Johnson" also gives "Boris Johnson",
    "Sweden and Finland" also "Sweden" and "Finland"."""
    spans = [(start, end)]
    words = [(m.start() + start, m.end() + start) for m in WORD.finditer(sentence[start:end])]
    capital = [i for i, (a, b) in enumerate(words) if _capital(sentence[a:b], False)]
    # Trailing capitalised words (a person after a title, a place after a qualifier), and pieces split at glue words.
    for k in range(1, min(len(capital), 4)):
        first = capital[-k - 1] if k < len(capital) else capital[0]
        spans.append((words[first][0], end))
    pieces: list[list[int]] = []
    current: list[int] = []
    for i, (a, b) in enumerate(words):
        if sentence[a:b].lower() in ("and", "&") or sentence[a:b] == ",":
            pieces.append(current)
            current = []
        else:
            current.append(i)
    pieces.append(current)
    if len(pieces) > 1:
        for piece in pieces:
            if piece:
                spans.append((words[piece[0]][0], words[piece[-1]][1]))
    return list(dict.fromkeys(s for s in spans if s[1] > s[0]))


def phrase_runs(sentence: str, taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Runs of lower-case content words (no stopwords, nothing already a name, number or date), at most
    MAX_PHRASE_WORDS long: "climate change", and the shorter runs inside them, each span once."""
    runs: list[tuple[int, int]] = []
    current: list[re.Match[str]] = []
    for m in [*WORD.finditer(sentence), None]:
        word = m.group() if m is not None else ""
        content = (
            m is not None
            and word[0].islower()
            and bool(stems(word))
            and "'" not in word
            and word.lower() not in PLAIN_WORDS
            and not any(a <= m.start() < b for a, b in taken)
        )
        joined = current and m is not None and sentence[current[-1].end() : m.start()].strip() == ""
        if m is not None and content and (not current or joined):
            current.append(m)
            continue
        if current:
            # A long run gives its first and last few words: "the world's largest single-day protest ..." is too long to answer.
            for part in {tuple(current[:MAX_PHRASE_WORDS]), tuple(current[-MAX_PHRASE_WORDS:])}:
                # And every shorter run inside them: with no parts of speech, a verb can stick to its
                # noun ("declared mpox", "drones flying"); the ranking's length features weigh them.
                for a in range(len(part)):
                    for b in range(a, len(part)):
                        runs.append((part[a].start(), part[b].end()))
        current = [m] if content and m is not None else []
    return list(dict.fromkeys(runs))  # a long run's first and last words overlap in their shorter runs


def _capital(word: str, at_start: bool) -> bool:
    if not word[:1].isupper() and not (word[:1].isdigit() and any(c.isupper() for c in word)):
        return False
    return word.lower().rstrip(".") not in NOT_NAMES


def _sentence_start(sentence: str, at: int) -> bool:
    before = sentence[:at].rstrip()
    return not before or before[-1] in '.!?:"“'
