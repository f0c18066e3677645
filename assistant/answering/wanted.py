"""What a question asks for: the kind of short answer (a person, place, number, amount, date, title, thing), its noun, and whether it asks about now."""

from __future__ import annotations

import re
from dataclasses import dataclass

# The kinds of short answer, in the order their patterns are tried.
KINDS = ("reason", "yesno", "percent", "amount", "number", "date", "person", "place", "title", "thing")
# Words that end the noun phrase after "which"/"what": the verb or preposition that follows it.
PHRASE_END = frozenset(
    "is are was were be been being will would can could should shall may might must do does did has have had "
    "to in on at of for from by with about after before during since as than that who whom which whose "
    "recently reportedly just officially currently now "
    # common verbs that follow the noun ("which airline said ...", "which school won ...")
    "said says won wins got gets made makes became becomes took takes saw sees hit hits set sets led leads left "
    "ran runs lost loses gave gives went goes came comes began begins held holds kept keeps paid pays sold sells "
    "bought buys found finds told tells plans wants faces needs agreed agrees voted votes claimed claims".split()
)
PEOPLE = frozenset(
    "person man woman people leader president actor actress singer star player athlete author writer rapper "
    "ceo founder official politician senator governor candidate lawmaker celebrity musician director coach "
    "minister prime king queen prince princess member judge artist comedian host journalist billionaire "
    "quarterback pitcher chef designer model pope mayor lawyer scientist astronaut".split()
)
PLACES = frozenset(
    "country countries city cities state states nation nations continent region town village island islands "
    "county province capital place places location park river lake mountain border area neighborhood "
    "borough district airport stadium university college school".split()
)
TITLES = frozenset(
    "film films movie movies show shows series song songs album albums book books novel play musical "
    "game video podcast title word phrase name nickname brand".split()
)
# Nouns that ask for a measure: "what was the magnitude of the quake?" wants a number, not a name.
MEASURES = {
    "number": frozenset(
        "magnitude age population score tally toll total count number height length distance depth weight speed "
        "temperature size capacity attendance turnout margin ranking rank".split()
    ),
    "percent": frozenset("rate percentage share proportion".split()),
    "amount": frozenset("price amount sum fine salary cost value valuation worth budget bill fee prize".split()),
    "date": frozenset("year date day month".split()),
}
# What a sentence describes rather than names: "What is North Korea's stance on ...?" wants the sentence.
DESCRIBED = re.compile(
    r"\bwhat (?:is|was|are|were|has been) (?:[\w'’-]+ ){0,3}?(?:stance|position|view|views|opinion|reaction|response|"
    r"plan|plans|approach|policy|strategy|role|impact|effect|significance|situation|status|goal|aim|argument|"
    r"message|concern|concerns|criticism|explanation)\b(?! of (?:the )?(?:year|day|week|month))"
)
# "What happened to the plane?", "...was cut short when what happened?": asks for an event, not a name.
HAPPENED = re.compile(r"\bwhat (?:happened|has happened|is happening|was happening|went wrong)\b")
NUMBER_WORDS = re.compile(
    r"^(?:how (?:many|old|long|far|big|tall|high|low|fast|deep|hot|cold|large|often)|what number|what age)\b", re.I
)
PRESENT = re.compile(
    r"\b(?:new|newly|current|currently|latest|now|recent|recently|this (?:week|month|year)|today|incoming|"
    r"next|upcoming|still|who is|who's|what is the name of the new)\b",
    re.I,
)


@dataclass(frozen=True)
class Wanted:
    """The short answer a question asks for; kind None when it asks for none (a description)."""

    kind: str | None = None
    noun: str = ""  # the noun of "which team", "what country": its answer is one of those
    plural: bool = False  # "which two countries", "which teams": a list is the answer
    present: bool = False  # asks about the state of things now: the newest report answers it

    @property
    def short(self) -> bool:
        """Whether the answer is a few words (a name, a number, a date), not a sentence."""
        return self.kind not in (None, "reason", "yesno")


def wanted(question: str) -> Wanted:
    """Read what the question asks for from its wh-word and the noun after "which"/"what"."""
    q = " ".join(question.split())
    present = bool(PRESENT.search(re.sub(r"\bNew(?= [A-Z])", "", q)))  # "New York" is a name, not news
    # The asking clause: the last sentence holding a question word, after any lead-in sentence
    # ("X died this week. Which team did he ...?"); abbreviations ("Roe v. Wade") may split a clause.
    pieces = re.split(r"(?<=[.!?])\s+(?=[A-Z])", q)
    asking = [p for p in pieces if re.search(r"\b(?:who|whom|whose|what|which|when|where|why|how)\b", p, re.I)]
    lc = (asking[-1] if asking else pieces[-1]).lower()
    noun, plural = _noun(lc)
    # "Who else ...?", "Which leaders ...?", "Who are ...?": more than one answer is wanted.
    plural = plural or bool(re.search(r"\belse\b|^(?:who|what) (?:are|were)\b", lc))
    if re.match(r"^(?:why|how come)\b", lc) or re.search(r"\bfor what reason\b|\bwhat caused\b", lc):
        return Wanted("reason", present=present)
    if DESCRIBED.search(lc) and not re.search(r"\b(?:which|what) (?:percentage|percent|share|number)\b", lc):
        return Wanted(None, present=present)
    if HAPPENED.search(lc):
        return Wanted(None, present=present)  # an event: the sentence that tells it is the answer
    if re.match(r"^true or false\b", lc):
        return Wanted("yesno", present=present)
    if re.match(r"^how\b(?! (?:many|much|old|long|far|big|tall|high|low|fast|deep|hot|cold|large|often|soon))", lc):
        return Wanted("reason", present=present)
    if re.match(r"^(?:is|are|was|were|do|does|did|will|would|can|could|has|have|had|should)\b", lc):
        return Wanted("yesno", present=present)
    if re.search(r"\b(?:what|which) (?:percentage|percent|share|proportion)\b|\bhow much of\b", lc):
        return Wanted("percent", present=present)
    if re.search(r"\bhow much\b|\bwhat (?:price|amount|sum|fine|salary|cost)\b|\bhow much money\b", lc):
        return Wanted("amount", present=present)
    if NUMBER_WORDS.search(lc) or re.search(r"\bhow many\b|\bwhat number\b", lc):
        return Wanted("number", noun=noun, present=present)
    if re.search(r"\bhow long\b", lc):
        return Wanted("number", present=present)
    if re.match(r"^(?:when|how soon)\b", lc) or re.search(
        r"\bwhat (?:day|date|year|month|time)\b|\b(?:by when|how soon)\b", lc
    ):
        return Wanted("date", present=present)
    if re.search(r"\b(?:who|whom|whose)\b", lc) and not re.search(r"\b(?:which|what)\b", lc.split("who")[0]):
        return Wanted("person", plural=plural, present=present or bool(re.match(r"^who(?: is|'s)\b", lc)))
    if re.search(r"\bwhere\b", lc):
        return Wanted("place", present=present)
    if re.match(r"^when\b", lc) or re.search(r"\bwhen (?:will|did|does|do|is|was|are|were)\b", lc):
        return Wanted("date", present=present)
    if noun:
        head = noun.split()[-1]
        singular = head[:-1] if head.endswith("s") and not head.endswith("ss") else head
        for kind, measures in MEASURES.items():
            if head in measures or singular in measures:
                return Wanted(kind, noun, plural, present)
        if head in PEOPLE or singular in PEOPLE:
            return Wanted("person", noun, plural, present)
        if head in PLACES or singular in PLACES:
            return Wanted("place", noun, plural, present)
        if head in TITLES or singular in TITLES:
            return Wanted("title", noun, plural, present)
        return Wanted("thing", noun, plural, present)
    if re.search(r"\b(?:what|which)\b", lc) or lc.rstrip().endswith(":"):
        # "What is ...?", "Which is the world's best airline?", and fill-in questions ("... titled:").
        return Wanted("thing", present=present)
    return Wanted(None, present=present)


def _noun(clause: str) -> tuple[str, bool]:
    """The noun phrase after "which"/"what" ("which US national park" -> "us national park"), and whether it is plural."""
    # "What was the magnitude of the quake?", "what is the name of the film": the noun before "of".
    match = re.search(
        r"\b(?:what|which) (?:is|was|are|were|will be)(?: the| its| their)? ([\w'’-]+) (?:of|for|behind)\b", clause
    )
    if match and match.group(1) in ("name", "title"):
        # "What is the name of the new film?": what is named is the noun.
        match = re.search(
            r"\b(?:name|title) of (?:the |a |an |this |his |her |its |their )?(?:new |latest )?([\w'’-]+)", clause
        )
    if match:
        head = match.group(1)
        return head, head.endswith("s") and not head.endswith(("ss", "us", "is"))
    match = re.search(r"\b(?:which|what)\s+(.*)", clause)
    if not match:
        return "", False
    words: list[str] = []
    for word in re.findall(r"[\w'’-]+", match.group(1)):
        # A past-tense verb or a number ends the noun phrase ("which automaker recalled 2.9 million ...").
        verb = len(word) > 4 and word.endswith("ed") and len(words) > 0
        if word in PHRASE_END or verb or word[0].isdigit() or len(words) >= 4:
            break
        words.append(word)
    if not words:
        # "which of these ...", "which of the following cities": the noun comes after "of".
        after = re.search(r"\b(?:which|what) of (?:these|those|the following|the)\s+([\w'’-]+)", clause)
        return (after.group(1), after.group(1).endswith("s")) if after else ("", False)
    counted = words[0] in {"two", "three", "four", "five", "both", "several"}
    head = words[-1]
    plural = counted or (head.endswith("s") and not head.endswith(("ss", "us", "is")))
    return " ".join(words), plural
