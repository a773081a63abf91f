"""What the PII gate knows must never be published, read from the data (the people of the
personal-details table, who acted on cases and what was written) and the staff directory, and
what the organisation publishes on purpose (its own contact details, from the settings).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from forms_app.procedures.profiles import available_procedures, load_procedure
from forms_app.storage.store import EVENTS, PERSONAL, SUBMISSIONS

from .pii_patterns import (
    COMMON_WORDS,
    DIGITS,
    EMAIL,
    ORDINARY_WORDS,
    POSTCODE,
    PUBLIC_NUMBERS,
    SYSTEM_ACTORS,
    fold,
    phone_digits,
    words,
)
from .sources import open_tables, staff_directory

#: The columns of the personal-details table the gate learns people's details from.
PERSON_COLUMNS = ("name", "subject_name", "email", "phone", "postcode", "address")


@dataclass
class Known:
    """Details that must never be published: phrases (word sequences, folded), digits of phone
    and NHS numbers, emails and postcodes; ``kinds`` says what each phrase is."""

    phrases: dict[str, str] = field(default_factory=dict)
    digits: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    postcodes: set[str] = field(default_factory=set)
    usernames: set[str] = field(default_factory=set)
    surnames: dict[str, str] = field(default_factory=dict)  # found after a title (Mr, Dr...)
    #: Words the organisation itself uses in its pages: a surname that is one of them is
    #: only flagged as part of a full name (names like May, Rose, Hope).
    vocabulary: set[str] = field(default_factory=set)

    def __post_init__(self):
        self._first: set[str] = set()
        self._longest = 1

    def add_phrase(self, text: str, kind: str, min_letters: int = 2) -> None:
        found = words(fold(text or ""))
        if not found or sum(len(w) for w in found) < min_letters:
            return
        self.phrases.setdefault(" ".join(found), kind)

    def add_name(self, name: str, kind: str = "name") -> None:
        """A person's name: the full name, title + surname, and a surname that is not an
        everyday word."""
        found = words(fold(name or ""))
        if not found:
            return
        if len(found) >= 2:
            self.phrases.setdefault(" ".join(found), kind)
            # The surname: the last part of the name as written ("Quarrington-Ŵyn" is one),
            # looked for after a title ("Mr Quarrington") and, if rare, on its own.
            parts = name.split()
            if len(parts) < 2:
                surname = found[-1:]
            else:
                # A part has no white space, so folding plain ASCII only lowers its case.
                last = parts[-1]
                surname = words(last.lower() if last.isascii() else fold(last))
            self.surnames.setdefault(" ".join(surname), kind)
            self.surnames.setdefault(surname[0], kind)
            for part in surname:
                if self._rare(part):
                    self.phrases.setdefault(part, f"{kind} (surname)")
        elif self._rare(found[0]):
            self.phrases.setdefault(found[0], kind)

    def _rare(self, word: str) -> bool:
        return (
            len(word) >= 4
            and not word.isdigit()
            and word not in COMMON_WORDS
            and word not in self.vocabulary
        )

    def add_username(self, username: str) -> None:
        """A staff account name, or whoever an event names as its actor.

        - one that looks like an identifier (a digit, dot, underscore, hyphen or @ in it:
          ``olive.officer``, ``wbishop2``) is looked for as a whole token everywhere;
        - a handle of several words (``J. Pritchard``) is a name: looked for as a phrase,
          unless every word of it is an everyday word (``Complaints Team``);
        - a single plain word of four letters or more (``okonkwo``) is looked for as a whole
          token unless it is an ordinary word: an everyday word or first name that is also a
          word (``will``, ``mark``, ``grant``, ``rose``), a word of the organisation's own
          pages, or the system itself (``import``). Published text uses those as words; the
          person's full name from the staff directory is still looked for as a phrase.
        """
        username = fold(username or "")
        if not username or username in SYSTEM_ACTORS:
            return
        if re.search(r"[._\d@-]", username) and " " not in username:
            self.usernames.add(username)
            return
        found = words(username)
        if len(found) >= 2:
            if not all(self._ordinary(w) for w in found):
                self.add_name(username, "staff name")
        elif len(found) == 1 and len(found[0]) >= 4 and not self._ordinary(found[0]):
            self.usernames.add(found[0])

    def _ordinary(self, word: str) -> bool:
        return (
            word in ORDINARY_WORDS
            or word in COMMON_WORDS
            or word in self.vocabulary
            or word in SYSTEM_ACTORS
        )

    def add_email(self, email: str) -> None:
        email = fold(email or "")
        if "@" in email:
            self.emails.add(email)

    def add_phone(self, phone: str) -> None:
        digits = phone_digits(phone or "")
        if len(digits) >= 9:
            self.digits.add(digits)

    def add_postcode(self, postcode: str) -> None:
        code = fold(postcode or "").replace(" ", "")
        if len(code) >= 5:
            self.postcodes.add(code)

    def add_address(self, address: str) -> None:
        for line in re.split(r"[\n,]+", address or ""):
            found = words(fold(line))
            # A street ("12 Mill Lane", "Heol y Felin"), not a town on its own.
            if len(found) >= 2 and any(len(w) >= 3 and w.isalpha() for w in found):
                self.phrases.setdefault(" ".join(found), "address")
            for match in POSTCODE.finditer(fold(line)):
                self.postcodes.add(match.group(1) + match.group(2))

    def finish(self) -> Known:
        """Ready for scanning: the first word of every phrase, and the most words in one.
        Details are only ever added, so a second call looks only at those added since the
        first (a report finishes the people before the staff who acted on cases are known)."""
        phrases, surnames = self.phrases, self.surnames
        done = getattr(self, "_finished", None)
        if done is None or done[0] is not phrases or done[2] is not surnames:
            done = (phrases, 0, surnames, 0)
            self._first, self._longest = set(), 1
        new_phrases = list(islice(phrases, done[1], None))
        new_surnames = list(islice(surnames, done[3], None))
        self._first.update(p.split(" ", 1)[0] for p in new_phrases)
        counts = [p.count(" ") + 1 for p in [*new_phrases, *new_surnames]]
        self._longest = max(self._longest, max(counts)) if counts else self._longest
        self._finished = (phrases, len(phrases), surnames, len(surnames))
        return self


@dataclass
class Allowed:
    """The organisation's own published details, and public numbers."""

    phrases: set[str] = field(default_factory=set)
    digits: set[str] = field(default_factory=lambda: set(PUBLIC_NUMBERS))
    emails: set[str] = field(default_factory=set)
    postcodes: set[str] = field(default_factory=set)

    def has_phrase(self, phrase: str) -> bool:
        """True if ``phrase`` is, or is part of, something the organisation publishes."""
        if phrase in self.phrases:
            return True
        blob = getattr(self, "_blob", None)
        if blob is None or getattr(self, "_blob_size", -1) != len(self.phrases):
            blob = " | " + " | ".join(sorted(self.phrases)) + " | "
            self._blob, self._blob_size = blob, len(self.phrases)
        return f" {phrase} " in blob

    def add(self, value: str) -> None:
        text = str(value or "")
        folded = fold(text)
        for email in EMAIL.findall(folded):
            self.emails.add(email)
        for match in DIGITS.finditer(folded):
            digits = phone_digits(match.group())
            if len(digits) >= 6:
                self.digits.add(digits)
        for match in POSTCODE.finditer(folded):
            self.postcodes.add(match.group(1) + match.group(2))
        if words(folded):
            self.phrases.add(" ".join(words(folded)))

    @classmethod
    def from_settings(cls, settings) -> Allowed:
        allowed = cls()
        for section in ("organisation", "contact", "pals", "safeguarding", "advocacy"):
            values = settings.raw.get(section) or {}
            if isinstance(values, dict):
                for value in values.values():
                    if isinstance(value, str | int):
                        allowed.add(str(value))
        for service in settings.services:
            allowed.add(service.name)
        for theme in settings.themes:
            allowed.add(theme.name)
        for code in available_procedures():
            procedure = load_procedure(code)
            for value in procedure.escalation.values():
                if value:
                    allowed.add(value)
        reports = settings.raw.get("reports") or {}
        for value in reports.get("allow") or []:
            allowed.add(str(value))
        return allowed


def known_people(data_dir: Path, vocabulary: Iterable[str] = (), settings=None) -> Known:
    """The details of the people in the personal-details table (of the engine the settings
    choose, ``sources.open_tables``) and of the staff in the staff directory
    (``sources.staff_directory``: ``users.json``, or its document in the database)."""
    data_dir = Path(data_dir)
    known = Known(vocabulary=set(vocabulary))
    people = open_tables(data_dir, settings).scan(PERSONAL, PERSON_COLUMNS)
    # Adding a detail twice changes nothing, and many people share a postcode, a phone
    # number or a name: each value is worked out once.
    names: set[str] = set()
    emails: set[str] = set()
    phones: set[str] = set()
    postcodes: set[str] = set()
    addresses: set[str] = set()
    for name, subject_name, email, phone, postcode, address in people:
        if name not in names:
            names.add(name)
            known.add_name(name)
        if subject_name and subject_name not in names:
            names.add(subject_name)
            known.add_name(subject_name)
        if email not in emails:
            emails.add(email)
            known.add_email(email)
        if phone not in phones:
            phones.add(phone)
            known.add_phone(phone)
        if postcode not in postcodes:
            postcodes.add(postcode)
            known.add_postcode(postcode)
        if address and address not in addresses:
            addresses.add(address)
            known.add_address(address)
    for username, user in staff_directory(data_dir, settings).items():
        known.add_username(username)
        known.add_name(str(user.get("name") or ""), "staff name")
        known.add_email(str(user.get("email") or ""))
    return known


@dataclass
class CaseWriting:
    """Who acted on or owns a case, and what people and staff wrote, from the case files."""

    actors: set[str]
    narratives: set[str]
    #: Where the keys of every run of words in the texts read before are (``load()`` gives
    #: them sorted, or None if they are gone: ``saved_words.SavedWords``), when ``narratives``
    #: holds only the texts read since (a report starting from its saved cases); None when
    #: ``narratives`` holds them all.
    narrative_keys: object = None


def case_writing(data_dir: Path, settings=None) -> CaseWriting:
    """Every actor of the events (and everyone a case was assigned to), every note, and what
    people wrote in their submissions (``details``, ``outcome_wanted``). Only these columns are
    read: no row is made into anything."""
    tables = open_tables(data_dir, settings)
    actors: set[str] = set()
    narratives: set[str] = set()
    add_actor, add_narrative = actors.add, narratives.add
    for actor, kind, value, note in tables.scan(EVENTS, ("actor", "type", "value", "note")):
        add_actor(actor)
        if kind == "assigned":
            add_actor(value)
        if note:
            add_narrative(note)
    for details, wanted in tables.scan(SUBMISSIONS, ("details", "outcome_wanted")):
        add_narrative(details)
        add_narrative(wanted)
    actors.discard("")
    narratives.discard("")
    return CaseWriting(actors, narratives)
