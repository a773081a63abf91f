"""De-identifying an approved public summary before it is published, the way patient-story
sites such as Care Opinion moderate stories: whatever could let someone who knows the person
recognise them is replaced, and each replacement is marked.

What is replaced, and with what:

- names (😊): the person's and their subject's names, whole and each part; everyone else's
  in the personal-details table, as the PII gate knows them (whole; a rare part written with
  a capital letter; a short part only with a capital letter mid-sentence); staff names,
  account names and email addresses (the staff directory and whoever acted on the case); a
  capitalised word after a title ("Mrs Okafor" becomes 😊, "Dr Okafor" becomes "Dr 😊"). A
  name part that is also an everyday word ("Mark", "Rose", "Will") is replaced only where it
  is written with a capital letter and does not start a sentence, so "Mark my words" stays. A
  month or weekday name ("May", "June") is never taken for a name on its own: "in May" is the
  month, while the full name "May Roberts" is still replaced;
- contact details (😊): email addresses, UK phone numbers, NHS numbers, postcodes, and the
  person's own address lines;
- dates ("[date]"): "3rd March", "March 3, 2026", "the 14th of February", "14/02/2026",
  "2026-02-14", "March 2026", "last Tuesday", "on Friday morning"; a month alone ("in May")
  and a year alone are left;
- ages ("[age]"): "aged 84", "84 years old", "a 6-year-old", "in her 80s" (becoming "in their
  [age]");
- places ("[place]"): the organisation's local place names (``places:`` in the settings) and
  its services' sites (``sites:`` under a service), written with a capital letter;
- gendered words, made neutral: "she was" becomes "they were", "he says" "they say", "his"
  "their", "her" "their" or "them", "my husband" "my partner", "son" "child", "sister"
  "sibling", "woman" "person", and "Mrs" or "Mr" without a name "[title]".

Welsh text (told apart from English by its common words) gets Welsh markers ("[dyddiad]",
"[oed]", "[lle]", "[teitl]"), Welsh dates ("3 Mawrth 2026", "ddydd Mawrth diwethaf"), ages
("84 oed") and the gendered family words with the mutations they commonly take after "fy"
and "ei" ("fy ngŵr" becomes "fy mhartner", "ei ferch" "eu plentyn"). Not covered in Welsh:
brother and sister, the pronouns "hi", "e", "fe", "o" except straight after "mae", "roedd",
"bydd" and "wnaeth", and words whose mutation shows the gender ("ei chath").

Not found, in either language, so left for the approver to see and rewrite: a name nobody in
the data or the staff directory has and no title goes before ("Sarah on the ward"); a name
part that is an everyday word at the start of a sentence ("Will rang"); ages and dates in
words ("eighty-four", "the third of March"), month names without a capital letter; places
not in the settings; "Mum" and "Dad" on their own, which say only that someone has a parent.

The same de-identified text is shown to the approver beside what they wrote and is what the
report publishes. Running it again changes nothing: no marker or neutral word is itself
matched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from .pii_patterns import COMMON_WORDS, NHS, ORDINARY_WORDS, POSTCODE, TITLE_WORDS

NAME_MARK = "😊"
MARKS = {
    "en": {"date": "[date]", "age": "[age]", "place": "[place]", "title": "[title]"},
    "cy": {"date": "[dyddiad]", "age": "[oed]", "place": "[lle]", "title": "[teitl]"},
}
#: What each kind of replacement is called on the approver's page.
KIND_LABELS = {
    "name": "name",
    "contact": "contact detail",
    "date": "date",
    "age": "age",
    "place": "place",
    "title": "title",
    "gender": "gendered word",
}


def _word_list(text: str) -> list[str]:
    """Words written as one text, easier to read and edit than a list of strings."""
    return text.split()


MONTHS = _word_list(
    "January February March April May June July August September October November December"
)
WEEKDAYS = _word_list("Monday Tuesday Wednesday Thursday Friday Saturday Sunday")
_NEVER_NAMES = {w.lower() for w in MONTHS + WEEKDAYS}
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)(?:\.(?=\s\d))?)"
)
_ORDINAL = r"\d{1,2}(?:st|nd|rd|th)?"
_WEEKDAY = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)days?"
_W_MONTH = (
    r"(?:Ionawr|Chwefror|[MF]awrth|Ebrill|[MF]ai|[MF]ehefin|G?orffennaf|Awst|[MF]edi|Hydref|"
    r"[TD]achwedd|R?hagfyr|Ragfyr)"
)
_W_DAY = r"(?:Llun|Lun|[MF]awrth|[MF]ercher|Iau|G?wener|Wener|Sadwrn|Sul)"

DATES = [
    re.compile(rf"\b(?:the\s+)?{_ORDINAL}\s+(?:of\s+)?{_MONTH}(?:,?\s+\d{{4}})?(?![\w])"),
    re.compile(rf"\b{_MONTH}\s+{_ORDINAL}(?:,?\s+\d{{4}})?\b"),
    re.compile(rf"\b{_MONTH}\s+\d{{4}}\b"),
    re.compile(r"(?<![\w/.-])\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})(?![\w/-]|\.\d)"),
    re.compile(r"(?<![\w/.-])\d{4}-\d{2}-\d{2}(?![\w/-]|\.\d)"),
    re.compile(
        rf"\b(?:(?:last|next|this|that)\s+)?{_WEEKDAY}"
        r"(?:\s+(?:morning|afternoon|evening|night))?\b",
        re.IGNORECASE,
    ),
    re.compile(
        rf"\b\d{{1,2}}(?:af|il|ydd|edd|fed|ain|eg|ed)?\s+(?:o\s+)?{_W_MONTH}(?:\s+\d{{4}})?\b",
        re.IGNORECASE,
    ),
    re.compile(rf"\b{_W_MONTH}\s+\d{{4}}\b"),
    re.compile(
        rf"\b(?:n?dd?ydd|nos)\s+{_W_DAY}(?:\s+(?:diwethaf|dwethaf|diwetha|nesaf|yma))?\b",
        re.IGNORECASE,
    ),
]
_DECADES = (
    r"(?:(?:early|mid|late)[- ]?)?(?:\d0'?s|twenties|thirties|forties|fifties|sixties|"
    r"seventies|eighties|nineties)"
)
AGES = [
    re.compile(r"\b(?:aged|age)\s+\d{1,3}\b", re.IGNORECASE),
    re.compile(r"\b\d{1,3}[- ](?:year|yr|month|week)s?[- ]old\b", re.IGNORECASE),
    re.compile(r"\b\d{1,3}\s+(?:years|yrs)\s+of\s+age\b", re.IGNORECASE),
    re.compile(r"\b\d{1,3}\s+(?:mlwydd\s+|mlynedd\s+)?oed\b", re.IGNORECASE),
]
# A decade of life only after "in his", "yn ei" and the like: "the sixties" alone is an era.
DECADE_AGES = [
    re.compile(rf"\bin\s+(?:his|her|their|my|our|your)\s+({_DECADES})\b", re.IGNORECASE),
    re.compile(
        r"\b(?:ei|eu|fy|ein)\s+(\d0au|ugeiniau|tridegau|pedwardegau|pumdegau|chwedegau|"
        r"saithdegau|wythdegau|nawdegau)\b",
        re.IGNORECASE,
    ),
]
_WORD = re.compile(r"[^\W_]+")
# What may stand between the words of a name as written: "J. Pritchard", "Quarrington-Ŵyn".
_GAP = re.compile(r"[\s.'’-]{1,3}")
_PHONE = re.compile(r"(?<![\w])(?:\+44\s?\(?0?\)?\s?|\(?0)\d(?:[\d\s().-]{7,14})\d(?![\w])")
_EMAIL = re.compile(r"[\w.%+'-]+@[\w-]+(?:\.[\w-]+)+")
_POSTCODE = re.compile(POSTCODE.pattern, re.IGNORECASE)

GENDERED_TITLES = ("Mr", "Mrs", "Ms", "Miss", "Mx", "Sir", "Dame", "Lady", "Lord", "Madam")
_TITLE_NAME = re.compile(
    r"\b(?:(Mr|Mrs|Ms|Miss|Mx|Sir|Dame|Lady|Lord)|(Dr|Doctor|Nurse|Prof|Professor|Sister))"
    r"\.?\s+([A-Z][\w'’-]*[\w])"
)
_LONE_TITLE = re.compile(r"\b(?:Mrs|Mr|Ms|Miss|Sir|Madam|Dame)\b")

#: English gendered nouns and the neutral word each becomes (plural forms included).
NEUTRAL = {
    "husband": "partner", "wife": "partner", "husbands": "partners", "wives": "partners",
    "boyfriend": "partner", "girlfriend": "partner",
    "son": "child", "daughter": "child", "sons": "children", "daughters": "children",
    "stepson": "stepchild", "stepdaughter": "stepchild",
    "grandson": "grandchild", "granddaughter": "grandchild",
    "grandsons": "grandchildren", "granddaughters": "grandchildren",
    "mother": "parent", "father": "parent", "mothers": "parents", "fathers": "parents",
    "stepmother": "step-parent", "stepfather": "step-parent",
    "grandmother": "grandparent", "grandfather": "grandparent",
    "grandma": "grandparent", "grandad": "grandparent", "granddad": "grandparent",
    "granny": "grandparent", "grandpa": "grandparent", "nan": "grandparent",
    "brother": "sibling", "sister": "sibling", "brothers": "siblings", "sisters": "siblings",
    "aunt": "relative", "auntie": "relative", "uncle": "relative",
    "niece": "relative", "nephew": "relative",
    "man": "person", "woman": "person", "men": "people", "women": "people",
    "gentleman": "person", "gentlemen": "people", "lady": "person", "ladies": "people",
    "boy": "child", "girl": "child", "boys": "children", "girls": "children",
    "himself": "themselves", "herself": "themselves", "hers": "theirs", "him": "them",
}  # fmt: skip
# "Mum" and "Dad" on their own are how people name their parent ("so kind to Mam"): they are
# made neutral only after "my", "his", "the"..., where they are plainly a relation.
_FAMILY_AFTER_OWNER = re.compile(
    r"\b(?:my|our|your|his|her|their|the)\s+(mum|mam|mummy|mom|dad|daddy|nana)\b", re.IGNORECASE
)
_NEUTRAL_WORD = re.compile(r"\b(" + "|".join(sorted(NEUTRAL, key=len, reverse=True)) + r")\b", re.I)
_WARD_SISTER = re.compile(r"\bward\s+sister\b", re.IGNORECASE)

_SUBJECT = re.compile(r"\b(she|he)(['’](?:s|d|ll))?(?:(\s+)([A-Za-z]+(?:['’]t)?))?\b", re.I)
_SUBJECT_VERBS = {
    "was": "were", "is": "are", "has": "have", "does": "do", "doesn't": "don't",
    "wasn't": "weren't", "isn't": "aren't", "hasn't": "haven't",
}  # fmt: skip
_NOT_VERBS = frozenset(
    _word_list(
        "always sometimes perhaps afterwards towards besides nevertheless regardless thus "
        "was is has does this his hers as us yes"
    )
)
_HER = re.compile(r"\b(her|his)\b(?=(\W*)(\w*))", re.IGNORECASE)
# After these, "her" is "them" (an object), not "their" (an owner): "we told her that".
_AFTER_OBJECT = frozenset(
    _word_list(
        """to and the a an that about for with in on at back up down out off home again when as
    so but or if because how what we i you it this some any every all from into through over
    after before very too feel know my our your his her their is was were are be been feel
    felt"""
    )
)

#: Welsh gendered words, with the common mutations after "fy" (my) and "ei" (his, her).
NEUTRAL_CY = {
    "fy ngŵr": "fy mhartner", "fy ngwr": "fy mhartner", "fy ngwraig": "fy mhartner",
    "ei gŵr": "eu partner", "ei ŵr": "eu partner", "ei wraig": "eu partner",
    "ei gwraig": "eu partner", "gŵr": "partner", "gwraig": "partner", "wraig": "bartner",
    "fy mab": "fy mhlentyn", "fy merch": "fy mhlentyn", "ei fab": "eu plentyn",
    "ei mab": "eu plentyn", "ei ferch": "eu plentyn", "ei merch": "eu plentyn",
    "mab": "plentyn", "merch": "plentyn", "fab": "blentyn", "ferch": "blentyn",
    "meibion": "plant", "merched": "plant",
    "fy mam": "fy rhiant", "fy nhad": "fy rhiant", "ei fam": "eu rhiant",
    "ei mam": "eu rhiant", "ei dad": "eu rhiant", "ei thad": "eu rhiant",
    "dyn": "person", "dynes": "person", "menyw": "person",
    "mae hi": "maen nhw", "mae e": "maen nhw", "mae o": "maen nhw", "mae fe": "maen nhw",
    "roedd hi": "roedden nhw", "roedd e": "roedden nhw", "roedd o": "roedden nhw",
    "roedd fe": "roedden nhw", "bydd hi": "byddan nhw", "bydd e": "byddan nhw",
    "bydd o": "byddan nhw", "wnaeth hi": "wnaethon nhw", "wnaeth e": "wnaethon nhw",
    "wnaeth o": "wnaethon nhw",
}  # fmt: skip
_NEUTRAL_CY = re.compile(
    r"(?<![\w'’-])(" + "|".join(sorted(NEUTRAL_CY, key=len, reverse=True)) + r")(?![\w-])",
    re.IGNORECASE,
)

_WELSH_WORDS = frozenset(
    _word_list(
        "y yr yn mae roedd a'r o'r i'r gyda ond ei eu fy ni nhw ac hefyd iawn diolch wedi ddim "
        "oedd ar gan bod ein chi ydy mai hi aeth daeth dydd ddydd"
    )
)
_ENGLISH_WORDS = frozenset(
    _word_list("the and was to of my she he we with very is it for they were our that you at")
)

# Capitalised words that start a sentence after "Sir." or "Mr" and are not a name.
_NOT_NAMES = _ENGLISH_WORDS | frozenset(
    _word_list("a an i but thank thanks this in on she he her his their if so as when please")
)


@dataclass(frozen=True)
class Piece:
    """Part of a summary: as written (``kind`` empty), or a replacement of ``original``."""

    text: str
    original: str = ""
    kind: str = ""


@dataclass
class Knowledge:
    """The names, contact details and places to look for in one case's summary."""

    names: set[str] = field(default_factory=set)  # replaced however they are written
    capital: set[str] = field(default_factory=set)  # replaced only with a capital letter
    careful: set[str] = field(default_factory=set)  # replaced only with a capital, mid-sentence
    contacts: set[str] = field(default_factory=set)
    places: set[str] = field(default_factory=set)
    #: What every case shares (staff, places, everyone in the data), gathered once.
    shared: Knowledge | None = field(default=None, repr=False, compare=False)
    _patterns: dict = field(default_factory=dict, repr=False, compare=False)
    _index: dict | None = field(default=None, repr=False, compare=False)
    _indexed: tuple = field(default=(), repr=False, compare=False)
    _longest: int = field(default=0, repr=False, compare=False)

    def find_names(self, text: str) -> list[tuple[int, int]]:
        """Where the known names are in ``text``: word by word, so that thousands of names
        cost no more than a few (``capital`` ones only with a capital letter, ``careful`` ones
        only with a capital letter and not starting a sentence)."""
        sizes = (len(self.names), len(self.capital), len(self.careful))
        if self._index is None or self._indexed != sizes:
            self._index = {}
            for rule, values in ((2, self.careful), (1, self.capital), (0, self.names)):
                self._index.update({tuple(_WORD.findall(v.casefold())): rule for v in values})
            self._longest = max((len(k) for k in self._index), default=0)
            self._indexed = sizes
        words = list(_WORD.finditer(text))
        found, k = [], 0
        while k < len(words):
            for size in range(min(self._longest, len(words) - k), 0, -1):
                run = words[k : k + size]
                if any(
                    _GAP.fullmatch(text[a.end() : b.start()]) is None
                    for a, b in zip(run, run[1:], strict=False)
                ):
                    continue
                rule = self._index.get(tuple(w.group().casefold() for w in run))
                if rule is None:
                    continue
                start = run[0].start()
                if rule and not text[start].isupper():
                    continue
                if rule == 2 and _starts_sentence(text, start):
                    continue
                found.append((start, run[-1].end()))
                k += size - 1
                break
            k += 1
        return found

    def pattern(self, which: str) -> re.Pattern:
        """The pattern finding any of ``names``, ``careful``, ``contacts`` or ``places``."""
        values = getattr(self, which)
        cached = self._patterns.get(which)
        if cached is None or cached[0] != len(values):
            cached = self._patterns[which] = (len(values), _phrases(values))
        return cached[1]

    @classmethod
    def gather(
        cls,
        person: dict | None = None,
        staff: Iterable[tuple[str, str, str]] = (),
        places: Iterable[str] = (),
        people: Iterable[str] = (),
    ) -> Knowledge:
        """From the case's personal-details row, the staff (username, name, email), place
        names, and the names of everyone else in the data (``people``)."""
        known = cls()
        known.add_person(person)
        for name in people:
            # Thousands of people: a part of their names on its own is looked for only with
            # a capital letter ("Day", "Moody" are words too), and a short one only where it
            # does not start a sentence.
            known.add_name(name or "", min_part=3, others=True)
        for username, name, email in staff:
            known.add_name(name or "", min_part=3)
            if email and "@" in email:
                known.contacts.add(email.strip())
            username = (username or "").strip()
            if len(username) >= 3:
                if re.search(r"[\W\d_]", username) and " " not in username:
                    known.names.add(username)  # an identifier ("olive.officer")
                else:
                    known.add_name(username, min_part=3)
        known.places.update(p.strip() for p in places if p and len(p.strip()) >= 3)
        return known

    def for_person(self, person: dict | None) -> Knowledge:
        """This knowledge (shared by every case) with one case's person added."""
        known = Knowledge(shared=self)
        known.add_person(person)
        return known

    def add_person(self, person: dict | None) -> None:
        """A personal-details row: names (each part of two letters or more), contact details
        and address lines."""
        if not person:
            return
        for key in ("name", "subject_name"):
            self.add_name(person.get(key) or "", min_part=2)
        for key in ("email", "phone", "postcode"):
            if (person.get(key) or "").strip():
                self.contacts.add(person[key].strip())
        for line in re.split(r"[\n,]+", person.get("address") or ""):
            if len(line.strip()) >= 4:
                self.contacts.add(line.strip())

    def add_name(self, name: str, min_part: int, others: bool = False) -> None:
        name = " ".join(name.split())
        if not name:
            return
        if len(name.split()) >= 2:
            self.names.add(name)
        parts = [p.strip(".,") for p in name.split()]
        parts = [p for p in parts if len(p) >= min_part and p.lower() not in TITLE_WORDS]
        for part in parts:
            folded = part.lower()
            if folded in _NEVER_NAMES:
                continue
            if folded in ORDINARY_WORDS or folded in COMMON_WORDS or (others and len(part) < 5):
                self.careful.add(part)
            elif others:
                self.capital.add(part)
            else:
                self.names.add(part)


def language_of(text: str) -> str:
    """``cy`` if more of the text's common words are Welsh than English, else ``en``."""
    words = re.findall(r"[\w'’]+", text.lower())
    welsh = sum(w in _WELSH_WORDS for w in words)
    english = sum(w in _ENGLISH_WORDS for w in words)
    return "cy" if welsh > english else "en"


def deidentify(text: str, known: Knowledge | None = None, language: str = "") -> list[Piece]:
    """``text`` as pieces, each kept as written or replaced (see the module docstring)."""
    known = known or Knowledge()
    language = language or language_of(text)
    marks = MARKS.get(language, MARKS["en"])
    found: list[tuple[int, int, int, str, str]] = []  # start, end, rank, kind, replacement

    def add(start: int, end: int, rank: int, kind: str, replacement: str) -> None:
        if end > start:
            found.append((start, end, rank, kind, replacement))

    for pattern in (_EMAIL, _PHONE, NHS, _POSTCODE):
        for m in pattern.finditer(text):
            add(m.start(), m.end(), 0, "contact", NAME_MARK)
    layers = [known] + ([known.shared] if known.shared else [])
    for layer in layers:
        for m in layer.pattern("contacts").finditer(text):
            add(m.start(), m.end(), 0, "contact", NAME_MARK)
        for start, end in layer.find_names(text):
            add(start, end, 1, "name", NAME_MARK)
    for m in _TITLE_NAME.finditer(text):
        following = m.group(3).lower()
        if following in _NEVER_NAMES or following in _WELSH_WORDS or following in _NOT_NAMES:
            continue
        if m.group(1):
            add(m.start(), m.end(), 1, "name", NAME_MARK)
        else:
            add(m.start(3), m.end(3), 1, "name", NAME_MARK)
    for layer in layers:
        for m in layer.pattern("places").finditer(text):
            if m.group()[:1].isupper():
                add(m.start(), m.end(), 2, "place", marks["place"])
    for pattern in DATES:
        for m in pattern.finditer(text):
            add(m.start(), m.end(), 3, "date", marks["date"])
    for pattern in AGES:
        for m in pattern.finditer(text):
            add(m.start(), m.end(), 3, "age", marks["age"])
    for pattern in DECADE_AGES:
        for m in pattern.finditer(text):
            add(m.start(1), m.end(1), 3, "age", marks["age"])
    for m in _LONE_TITLE.finditer(text):
        add(m.start(), m.end(), 4, "title", marks["title"])
    if language == "cy":
        for m in _NEUTRAL_CY.finditer(text):
            add(m.start(), m.end(), 4, "gender", _cased(m.group(), NEUTRAL_CY[m.group().lower()]))
    else:
        _gender_spans(text, add)
    return _pieces(text, found)


def published(pieces: list[Piece]) -> str:
    """The text that is published."""
    return "".join(piece.text for piece in pieces)


def deidentified(text: str, known: Knowledge | None = None, language: str = "") -> str:
    """``text`` as it is published."""
    return published(deidentify(text, known, language))


def counts(pieces: list[Piece]) -> dict[str, int]:
    """How many replacements of each kind, in the order of ``KIND_LABELS``."""
    found = {kind: sum(p.kind == kind for p in pieces) for kind in KIND_LABELS}
    return {kind: n for kind, n in found.items() if n}


def places_from_settings(raw: dict) -> list[str]:
    """The local place names (``places:``) and the services' sites (``sites:`` under each)."""
    listed = raw.get("places") or []
    listed = [listed] if isinstance(listed, str) else listed
    places = [str(p) for p in listed if isinstance(p, str | int)]
    for service in raw.get("services") or []:
        if isinstance(service, dict):
            places += [str(s) for s in service.get("sites") or [] if isinstance(s, str)]
    return places


def _phrases(values: Iterable[str]) -> re.Pattern:
    """One pattern finding any of ``values`` as whole words, longest first, in any case."""
    escaped = [
        re.escape(v.strip()).replace(r"\ ", r"\s+")
        for v in sorted(values, key=len, reverse=True)
        if v.strip()
    ]
    if not escaped:
        return re.compile(r"(?!)")  # matches nothing
    return re.compile(rf"(?<![\w])(?:{'|'.join(escaped)})(?![\w])", re.IGNORECASE)


def _starts_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t\"'‘“(")
    return not before or before[-1] in ".!?:\n"


def _cased(original: str, replacement: str) -> str:
    if original[:1].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement


def _gender_spans(text: str, add) -> None:
    """English gendered words and pronouns, with the verb after "she" or "he" agreeing."""
    for m in _WARD_SISTER.finditer(text):
        add(m.start(), m.end(), 4, "gender", _cased(m.group(), "ward nurse"))
    for m in _NEUTRAL_WORD.finditer(text):
        word = m.group()
        if word == "Sister" and (
            not _starts_sentence(text, m.start()) or re.match(r"\s+[A-Z]", text[m.end() :])
        ):
            continue  # a nurse's title: "Sister Blodwen", "the Sister on duty"
        add(m.start(), m.end(), 5, "gender", _cased(word, NEUTRAL[word.lower()]))
    for m in _FAMILY_AFTER_OWNER.finditer(text):
        add(m.start(1), m.end(1), 5, "gender", _cased(m.group(1), "parent"))
    for m in _SUBJECT.finditer(text):
        contraction, gap, verb = m.group(2), m.group(3), m.group(4)
        if contraction:
            short = contraction[1:].lower()
            if short == "s":
                short = "ve" if (verb or "").lower() in ("been", "got", "had") else "re"
            add(m.start(), m.end(2), 4, "gender", _cased(m.group(1), f"they'{short}"))
            continue
        agreeing = _agreeing(verb) if verb else None
        if agreeing is None:
            add(m.start(), m.end(1), 4, "gender", _cased(m.group(1), "they"))
        else:
            add(m.start(), m.end(), 4, "gender", _cased(m.group(1), "they") + gap + agreeing)
    for m in _HER.finditer(text):
        word, gap, following = m.group(1), m.group(2), m.group(3).lower()
        if word.lower() == "his":
            neutral = "theirs" if not following or gap.strip() else "their"
        else:
            ends = not following or gap.strip() or following in _AFTER_OBJECT
            neutral = "them" if ends else "their"
        add(m.start(1), m.end(1), 5, "gender", _cased(word, neutral))


def _agreeing(verb: str) -> str | None:
    """The verb agreeing with "they" in place of "she" or "he", or None to leave it."""
    lower = verb.lower().replace("’", "'")
    if lower in _SUBJECT_VERBS:
        return _SUBJECT_VERBS[lower]
    if lower in _NOT_VERBS or len(lower) < 4 or not lower.endswith("s") or lower.endswith("ss"):
        return None
    if lower.endswith("us") or lower.endswith("is"):
        return None
    if lower.endswith("ies"):
        return verb[:-3] + "y"
    if re.search(r"(?:sh|ch|x|o|z|ss)es$", lower):
        return verb[:-2]
    return verb[:-1]


def _pieces(text: str, found: list[tuple[int, int, int, str, str]]) -> list[Piece]:
    # Where replacements overlap, the one starting first wins, then the longer, then the
    # more important kind (contact details and names before dates before words).
    found.sort(key=lambda f: (f[0], -(f[1] - f[0]), f[2]))
    pieces: list[Piece] = []
    at = 0
    for start, end, _rank, kind, replacement in found:
        if start < at:
            continue
        if start > at:
            pieces.append(Piece(text[at:start]))
        pieces.append(Piece(replacement, text[start:end], kind))
        at = end
    if at < len(text):
        pieces.append(Piece(text[at:]))
    return pieces
