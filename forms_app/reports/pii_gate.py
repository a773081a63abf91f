"""The PII gate: nothing is published that holds a personal detail from the data, or anything
shaped like one (reliability test plan P3 to P5, gotchas 31 to 33).

What it looks for, in every file it is given (pages, charts, CSV, ``datapackage.json``, the
built site's search index, sitemap and ``sitemap.xml.gz``, 404 page, everything):

- **known details** from the data: full names (and "Mr/Mrs/Ms/Dr + surname", and surnames of
  four or more letters that are not everyday words) of the people in ``personal.csv`` and of
  the people they wrote about, their emails, phone numbers, addresses and postcodes; staff
  names, emails and usernames from the staff directory (``users.json``) and from the events
  (who did what, who owns a case);
- **narratives**: any 8 words in a row from what people wrote (``details``, ``outcome_wanted``)
  or staff noted on a case, unless they are in a public summary approved for publication;
- **patterns**: any email address, UK phone number, NHS number (10 digits passing the
  modulus 11 check), full UK postcode, or date written ``dd/mm/yyyy``.

The organisation's own contact details (every value in the settings' ``contact``, ``pals``,
``safeguarding`` and ``advocacy`` sections), the ombudsmen's numbers from the procedure profiles,
a few national helplines and anything listed under ``reports: allow:`` in the settings are
allowed.

Before matching, text is brought to one form so that disguises do not hide a detail: URL
decoding, HTML entities (repeatedly), tags removed (a name split by ``<b>`` tags) and tags as
spaces, attribute values kept (``alt=``, ``title=``), JSON strings decoded (``\\u00e9``), gzip
opened, then Unicode NFKC (non-breaking spaces), zero-width and bidi characters and soft hyphens
removed, accents stripped, case folded and white space collapsed.

A finding names the file, the kind of detail and a masked hint (first letter and length), never
the detail itself, so the gate's own output is safe to show.
"""

from __future__ import annotations

import contextlib
import gzip
import html
import json
import re
import unicodedata
import urllib.parse
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from forms_app.language import invisible as invisible_characters
from forms_app.procedures.profiles import available_procedures, load_procedure

from .loading import columns, read_rows

SHINGLE = 8
TITLES = ("mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "nurse")
_TITLES = frozenset(TITLES)

#: Public numbers that pages may print: helplines and the like (digits only).
PUBLIC_NUMBERS = {
    "08001111": "Childline",
    "03031231113": "Information Commissioner's Office",
    "116123": "Samaritans",
    "08085801234": "Meic",
    "0800808000": "NHS Direct Wales (old)",
}

#: Everyday words that are also surnames: not flagged on their own (full names still are).
COMMON_WORDS = frozenset(
    """
    able about after again also away back baker bank banks barber bell best bird bishop black
    bond bone bright brook brooks brown bush butler care carer carter case chance child church
    clark clarke close cook cooper court cross dale davies dean doctor down duke east edge
    english evans fair field fields fish fisher ford forest foster fox friend frost gardner
    gate glass gold golden good grace gray green hall hand hardy harper hart hay head heart
    hill holiday holland home hood hope house hunt hunter james jones king knight lake lamb
    lane large law lewis little long love lucky major march marsh mason may mill miller mills
    moon moor moore morgan moss new newman noble north nurse oliver page palmer park parker
    parks parry people person pool porter power price prince rain read reading reed rice rich
    rose ross russell salt sharp shaw short silver simple small smart smith snow south spring
    stone storm strong summer swift taylor thomas time turner vaughan walker wall ward water
    waters webb well wells west white wilson winter wise wood woods wright young yr rhys
    """.split()  # noqa: SIM905 - a list of words, easier to read and edit as text
)

# Characters that cannot be seen are dropped before matching, so a name with a zero-width
# space or a direction mark inside it is still found (plan gotcha 28).
_ZERO_WIDTH = dict.fromkeys(map(ord, invisible_characters.CHARACTERS), None)
_WORD = re.compile(r"[^\W_]+")
_TOKEN = re.compile(r"[^\W_](?:[\w.@+-]*[^\W_])?")
_SPACE = re.compile(r"\s+")
_TAG = re.compile(r"<[^>]*>")
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\x([0-9a-fA-F]{2})")
_ATTRIBUTE = re.compile(r"""\b(?:alt|title|aria-label|content|value|label)\s*=\s*["']([^"']*)""")
_EMAIL = re.compile(r"[a-z0-9._%+'-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+")
_DIGITS = re.compile(r"(?<![\w.,])\+?\d(?:[\d \t().-]{5,22})\d(?![\w])")
_NHS = re.compile(r"(?<!\d)(?<!\d[,.])(\d{3})([ -]?)(\d{3})\2(\d{4})(?!\d|[,.-]\d)")
_POSTCODE = re.compile(r"(?<![a-z0-9])([a-z]{1,2}\d[a-z\d]?) ?(\d[a-z]{2})(?![a-z0-9])")
_DATE = re.compile(r"(?<![\d/])(0?[1-9]|[12]\d|3[01])/(0?[1-9]|1[0-2])/(19|20)\d\d(?![\d/])")
_BINARY = (
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".webp",
    ".ico",
    ".woff",
    ".woff2",
    ".ttf",
    ".eot",
    ".pdf",
    ".mo",
)
#: Files whose text is program code, not content: only known details are looked for there
#: (an SVG path or minified script is full of things shaped like phone numbers).
_CODE = (".js", ".css", ".map")


def fold(text: str) -> str:
    """One form for comparing: NFKC, no zero-width or bidi characters, no accents, case
    folded, single spaces."""
    if text.isascii():
        return _SPACE.sub(" ", text.lower()).strip()
    text = unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _SPACE.sub(" ", text.casefold()).strip()


def words(text: str) -> list[str]:
    """The words of folded text (letters and digits; punctuation and hyphens split words)."""
    return _WORD.findall(text)


def phone_digits(text: str) -> str:
    """A phone number as its digits, +44 written as 0."""
    digits = re.sub(r"\D", "", text)
    if text.lstrip().startswith("+44") or (digits.startswith("44") and len(digits) == 12):
        digits = "0" + digits[2:]
    return digits


def nhs_number_valid(digits: str) -> bool:
    """The NHS number modulus 11 check (10 digits)."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * (10 - i) for i, d in enumerate(digits[:9]))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _is_uk_phone(digits: str) -> bool:
    return digits.startswith("0") and len(digits) in (10, 11) and digits[1] in "123578"


def _mask(value: str) -> str:
    value = value.strip()
    return f"{value[:1]}{'*' * max(0, len(value) - 1)} ({len(value)} characters)"


@dataclass(frozen=True)
class Finding:
    where: str
    kind: str
    hint: str

    def __str__(self) -> str:
        return f"{self.where}: {self.kind} {self.hint}"


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
    #: only flagged as part of a full name (gotcha 32: names like May, Rose, Hope).
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
            surname = words(fold(parts[-1])) if len(parts) >= 2 else found[-1:]
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
        username = fold(username or "")
        if len(username) >= 4 or re.search(r"[._\d-]", username):
            self.usernames.add(username)

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
            for match in _POSTCODE.finditer(fold(line)):
                self.postcodes.add(match.group(1) + match.group(2))

    def finish(self) -> Known:
        self._first = {p.split(" ", 1)[0] for p in self.phrases}
        self._longest = max((p.count(" ") + 1 for p in [*self.phrases, *self.surnames]), default=1)
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
        for email in _EMAIL.findall(folded):
            self.emails.add(email)
        for match in _DIGITS.finditer(folded):
            digits = phone_digits(match.group())
            if len(digits) >= 6:
                self.digits.add(digits)
        for match in _POSTCODE.finditer(folded):
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


def known_people(data_dir: Path, vocabulary: Iterable[str] = ()) -> Known:
    """The details of the people in ``personal.csv`` and of the staff in ``users.json``."""
    data_dir = Path(data_dir)
    known = Known(vocabulary=set(vocabulary))
    for row in read_rows(data_dir / "personal.csv"):
        known.add_name(row["name"])
        if row["subject_name"]:
            known.add_name(row["subject_name"])
        known.add_email(row["email"])
        known.add_phone(row["phone"])
        known.add_postcode(row["postcode"])
        if row["address"]:
            known.add_address(row["address"])
    users = data_dir / "users.json"
    if users.exists():
        for username, user in (json.loads(users.read_text("utf-8")).get("users") or {}).items():
            known.add_username(username)
            known.add_name(str(user.get("name") or ""), "staff name")
            known.add_email(str(user.get("email") or ""))
    return known


@dataclass
class CaseWriting:
    """Who acted on or owns a case, and what people and staff wrote, from the case files."""

    actors: set[str]
    narratives: set[str]


def case_writing(data_dir: Path) -> CaseWriting:
    """Every actor of ``events.csv`` (and everyone a case was assigned to), every note, and
    what people wrote in ``submissions.csv`` (``details``, ``outcome_wanted``). Only these
    columns are read: no row is made into anything."""
    data_dir = Path(data_dir)
    actors: set[str] = set()
    narratives: set[str] = set()
    add_actor, add_narrative = actors.add, narratives.add
    for actor, kind, value, note in columns(
        data_dir / "events.csv", ("actor", "type", "value", "note")
    ):
        add_actor(actor)
        if kind == "assigned":
            add_actor(value)
        if note:
            add_narrative(note)
    for details, wanted in columns(data_dir / "submissions.csv", ("details", "outcome_wanted")):
        add_narrative(details)
        add_narrative(wanted)
    actors.discard("")
    narratives.discard("")
    return CaseWriting(actors, narratives)


class Gate:
    """Scans texts and files for personal details; see the module docstring."""

    def __init__(
        self,
        known: Known,
        allowed: Allowed,
        narratives: Iterable[str] = (),
        approved: Iterable[str] = (),
    ):
        self.known = known.finish()
        self.allowed = allowed
        self._narratives = narratives
        self._approved = list(approved)

    # -- building ----------------------------------------------------------------------------

    @classmethod
    def for_data(
        cls,
        settings,
        data_dir: Path,
        approved: Iterable[str] = (),
        vocabulary: Iterable[str] = (),
        known: Known | None = None,
        writing: CaseWriting | None = None,
    ) -> Gate:
        """A gate knowing every personal detail in ``data_dir``: ``personal.csv``, the staff
        directory ``users.json`` (``known``, read here if not given), who acted on and owns
        cases and the narratives of ``submissions.csv`` and ``events.csv`` (``writing``, read
        here if not given). ``approved``: the public summaries approved for publication (their
        words may appear; their details may not)."""
        data_dir = Path(data_dir)
        if known is None:
            known = known_people(data_dir, vocabulary)
        if writing is None:
            writing = case_writing(data_dir)
        for actor in writing.actors:
            known.add_username(actor)
        # Approved summaries are published on purpose: their words are not a narrative leak.
        return cls(known, Allowed.from_settings(settings), writing.narratives, approved)

    # -- scanning ----------------------------------------------------------------------------

    def scan(self, items: Iterable[tuple[str, str]]) -> list[Finding]:
        """Scan ``(where, text)`` pairs; the findings, each once."""
        findings: list[Finding] = []
        shingles: dict[int, str] = {}
        for where, text in items:
            findings += self._scan_one(where, text, shingles)
        findings += self._narrative_findings(shingles)
        return list(dict.fromkeys(findings))

    def scan_files(self, root: Path, paths: Iterable[Path] | None = None) -> list[Finding]:
        """Scan every file under ``root`` (or the given ones)."""
        root = Path(root)
        paths = sorted(p for p in root.rglob("*") if p.is_file()) if paths is None else paths
        return self.scan(self._file_texts(root, paths))

    def _file_texts(self, root: Path, paths: Iterable[Path]) -> Iterator[tuple[str, str]]:
        for path in paths:
            where = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
            data = path.read_bytes()
            name = path.name.lower()
            if name.endswith(".gz"):
                with contextlib.suppress(OSError, EOFError):
                    data = gzip.decompress(data)
                name = name[:-3]
            if name.endswith(_BINARY):
                continue
            text = data.decode("utf-8", errors="replace")
            if name.endswith(".json"):
                with contextlib.suppress(ValueError):
                    text += "\n" + "\n".join(_strings(json.loads(text)))
            kind = "code" if name.endswith(_CODE) else "text"
            yield (where if kind == "text" else f"{where}\0code"), text

    def _scan_one(self, where: str, text: str, shingles: dict[int, str]) -> list[Finding]:
        code = where.endswith("\0code")
        where = where.removesuffix("\0code")
        out: list[Finding] = []
        for variant, is_markup in _variants(text):
            folded = fold(variant)
            ws = words(folded)
            out += self._phrases(where, ws)
            out += self._usernames(where, folded)
            out += self._emails(where, folded, patterns=not code)
            out += self._numbers(where, folded, patterns=not code and not is_markup)
            if code or is_markup:
                continue
            out += self._postcodes(where, folded)
            if _DATE.search(folded):
                out.append(Finding(where, "date (dd/mm/yyyy)", _mask(_DATE.search(folded)[0])))
            for i in range(len(ws) - SHINGLE + 1):
                shingles.setdefault(hash(tuple(ws[i : i + SHINGLE])), where)
        return out

    def _phrases(self, where: str, ws: list[str]) -> list[Finding]:
        phrases, first, longest = self.known.phrases, self.known._first, self.known._longest
        out = []
        surnames = self.known.surnames
        for i, word in enumerate(ws):
            if word in _TITLES and surnames:
                for n in range(1, min(longest, len(ws) - i - 1) + 1):
                    phrase = " ".join(ws[i + 1 : i + 1 + n])
                    kind = surnames.get(phrase)
                    if kind is not None and not self.allowed.has_phrase(phrase):
                        out.append(Finding(where, kind, _mask(f"{word} {phrase}")))
            if word not in first:
                continue
            for n in range(1, min(longest, len(ws) - i) + 1):
                phrase = " ".join(ws[i : i + n])
                kind = phrases.get(phrase)
                if kind is not None and not self.allowed.has_phrase(phrase):
                    out.append(Finding(where, kind, _mask(phrase)))
        return out

    def _usernames(self, where: str, folded: str) -> list[Finding]:
        usernames = self.known.usernames
        if not usernames:
            return []
        return [
            Finding(where, "staff username", _mask(token))
            for token in _TOKEN.findall(folded)
            if token in usernames
        ]

    def _emails(self, where: str, folded: str, patterns: bool = True) -> list[Finding]:
        out = []
        for email in _EMAIL.findall(folded):
            email = email.strip(".")
            if email in self.allowed.emails:
                continue
            if email in self.known.emails:
                out.append(Finding(where, "email", _mask(email)))
            elif patterns:
                out.append(Finding(where, "email address (pattern)", _mask(email)))
        return out

    def _numbers(self, where: str, folded: str, patterns: bool) -> list[Finding]:
        out = []
        known = self.known.digits
        for match in _DIGITS.finditer(folded):
            digits = phone_digits(match.group())
            if digits in self.allowed.digits:
                continue
            hit = digits in known or any(
                digits[i : i + size] in known
                for size in (10, 11)
                for i in range(max(0, len(digits) - size + 1))
                if len(digits) > size
            )
            if hit:
                out.append(Finding(where, "phone or NHS number", _mask(digits)))
            elif patterns and _is_uk_phone(digits):
                out.append(Finding(where, "UK phone number (pattern)", _mask(digits)))
        if patterns:
            for match in _NHS.finditer(folded):
                digits = match.group(1) + match.group(3) + match.group(4)
                if nhs_number_valid(digits) and digits not in self.allowed.digits:
                    out.append(Finding(where, "NHS number (pattern)", _mask(digits)))
        return out

    def _postcodes(self, where: str, folded: str) -> list[Finding]:
        out = []
        for match in _POSTCODE.finditer(folded):
            code = match.group(1) + match.group(2)
            if code in self.allowed.postcodes:
                continue
            kind = "postcode" if code in self.known.postcodes else "postcode (pattern)"
            out.append(Finding(where, kind, _mask(code)))
        return out

    def _narrative_findings(self, shingles: dict[int, str]) -> list[Finding]:
        if not shingles:
            return []
        exempt = set()
        for text in self._approved:
            ws = words(fold(text))
            exempt.update(hash(tuple(ws[i : i + SHINGLE])) for i in range(len(ws) - SHINGLE + 1))
        out = []
        for text in set(self._narratives):
            ws = words(fold(text))
            for i in range(len(ws) - SHINGLE + 1):
                key = hash(tuple(ws[i : i + SHINGLE]))
                where = shingles.get(key)
                if where is not None and key not in exempt:
                    out.append(
                        Finding(
                            where, "words from a narrative", _mask(" ".join(ws[i : i + SHINGLE]))
                        )
                    )
                    break
        return out


def _variants(text: str) -> Iterator[tuple[str, bool]]:
    """The forms of a text to scan: (text, is it markup with tags and attributes still in)."""
    if "\\u" in text or "\\x" in text:  # JSON and script escapes, even outside valid JSON
        text = _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)
    if "%" in text:
        text = urllib.parse.unquote(text)
    for _ in range(3):
        unescaped = html.unescape(text)
        if unescaped == text:
            break
        text = unescaped
    if "<" not in text:
        yield text, False
        return
    yield text, True
    yield _TAG.sub("", text), False
    yield _TAG.sub(" ", text), False
    attributes = "\n".join(_ATTRIBUTE.findall(text))
    if attributes:
        yield attributes, False


def _strings(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


class GateFailed(Exception):
    """The PII gate found something: nothing was published."""

    def __init__(self, findings: list[Finding], stage: str):
        self.findings = findings
        self.stage = stage
        shown = "\n".join(f"  {finding}" for finding in findings[:50])
        more = f"\n  ... and {len(findings) - 50} more" if len(findings) > 50 else ""
        super().__init__(
            f"the PII gate stopped {stage}: {len(findings)} personal detail(s) or look-alikes "
            f"in what would be published:\n{shown}{more}"
        )
