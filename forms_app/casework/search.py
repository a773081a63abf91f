"""Finding cases by what staff remember of them: a reference, the person's name, email, phone
or postcode, or words they wrote. Open and closed cases alike.

The index is kept in memory per process and brought up to date by reading only the submissions
and personal details appended since the last search (``Store.changes_since``, the same cursor
the case index follows); a rewritten table (erasure, retention) makes it start again.

Each case gets a number in the order it was stored, and each word, name, email, phone number or
postcode a list of those numbers (an ``array`` of 4-byte numbers rather than a set of
references: a hundred thousand cases with a few dozen words each would otherwise take hundreds
of megabytes). Lists grow in storing order, so "newest first" is reading one backwards.

A process starting with many cases loads what an earlier one saved beside the data
(``index_snapshot``: used only if the tables still begin with exactly the bytes it was built
from), keeping each list as bytes until a search first needs it, and reads only the rows
appended since.

Who may see a result is not decided here (that rule belongs to the staff pages): ``search``
yields candidates best first, and the caller keeps the ones the person may open.
"""

from __future__ import annotations

import marshal
import re
import threading
import unicodedata
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field

from forms_app.storage.gc_pause import paused_collection
from forms_app.storage.references import normalise_reference
from forms_app.storage.store import PERSONAL, SUBMISSIONS, Store

from .index_snapshot import SavedIndex

#: What a query was taken to be, for the audit log (never the query itself).
KINDS = ("reference", "email", "phone", "postcode", "name", "text", "empty")
#: Where a case's words come from: everything the person wrote in their own words.
TEXT_FIELDS = ("details", "outcome_wanted", "thank_who", "service_detail", "consent_detail")
MAX_QUERY = 200  # characters kept of a query: longer ones are cut, never refused
MAX_WORDS = 8
#: Cases read from the start that make saving the index worth it.
SAVE_AT = 5000

_WORD = re.compile(r"\w+")
_PHONE_QUERY = re.compile(r"[\d\s()+\-.]+")
_POSTCODE = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def words(text: str) -> list[str]:
    """The words of ``text`` as the index keeps them: folded case, accents kept (Welsh ŵ and ŷ
    are letters of their own), one letter words dropped."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return [word for word in _WORD.findall(folded) if len(word) > 1]


def phone_key(text: str) -> str:
    """A UK phone number as its digits in national form, whatever the spacing: ``+44 7700
    900123``, ``+44 (0)7700 900123``, ``0044 7700 900 123`` and ``07700900123`` are one
    number."""
    digits = "".join(ch for ch in text if ch.isdigit())
    if digits.startswith("0044"):
        digits = digits[2:]
    if digits.startswith("440"):  # +44 (0)7700 900123: the national 0 kept in brackets
        return digits[2:]
    if digits.startswith("44") and (text.lstrip().startswith(("+", "00")) or len(digits) == 12):
        return "0" + digits[2:]
    return digits


def postcode_key(text: str) -> str:
    """A postcode with no spaces, in capitals (``ex1 2ab`` and ``EX12AB`` are ``EX12AB``)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).upper()


def email_key(text: str) -> str:
    return text.strip().casefold()


@dataclass(frozen=True)
class Query:
    """A query as understood: its kind and the keys to look up."""

    kind: str
    text: str = ""
    reference: str = ""
    key: str = ""  # the email, phone or postcode key
    terms: tuple[str, ...] = field(default_factory=tuple)


def understand(raw: str) -> Query:
    """What a typed query is: a reference, an email, a phone number, a postcode, or words
    (which are looked for among names and then in what people wrote)."""
    text = _CONTROL.sub(" ", unicodedata.normalize("NFKC", raw or ""))[:MAX_QUERY].strip()
    if not text:
        return Query("empty")
    terms = tuple(dict.fromkeys(words(text)))[:MAX_WORDS]
    reference = normalise_reference(text) or ""
    if reference:
        return Query("reference", text, reference=reference, terms=terms)
    if "@" in text and " " not in text:
        return Query("email", text, key=email_key(text))
    digits = sum(ch.isdigit() for ch in text)
    if _PHONE_QUERY.fullmatch(text) and digits >= 6:
        return Query("phone", text, key=phone_key(text))
    compact = postcode_key(text)
    if _POSTCODE.fullmatch(compact):
        return Query("postcode", text, key=compact, terms=terms)
    return Query("text", text, terms=terms)


@dataclass(frozen=True)
class Hit:
    """One candidate: the case's reference and how it matched (``reference``, ``email``,
    ``phone``, ``postcode``, ``name`` or ``text``)."""

    ref: str
    how: str


class _Postings:
    """Key -> the numbers of the cases that have it, in storing order. Loaded from a saved
    index, the keys stay one ``marshal`` blob until one is first looked up (a search by name
    never unpacks the hundred thousand emails), and each list stays bytes (``frozen``) until
    it is used."""

    def __init__(self, blob: bytes = b""):
        self.lists: dict[str, array] = {}
        self.frozen: dict[str, bytes] = {}
        self._blob = blob

    def _thawed(self, key: str) -> array | None:
        if self._blob:
            with paused_collection():
                self.frozen = dict(marshal.loads(self._blob))
            self._blob = b""
        found = self.lists.get(key)
        if found is None and self.frozen:
            raw = self.frozen.pop(key, None)
            if raw is not None:
                found = self.lists[key] = array("I")
                found.frombytes(raw)
        return found

    def add(self, key: str, number: int) -> None:
        found = self._thawed(key)
        if found is None:
            self.lists[key] = array("I", (number,))
        elif found[-1] != number:
            found.append(number)

    def get(self, key: str) -> array:
        found = self._thawed(key)
        return _EMPTY if found is None else found

    def saved(self) -> bytes:
        if self._blob:
            return self._blob
        lists = {key: found.tobytes() for key, found in self.lists.items()}
        return marshal.dumps({**self.frozen, **lists})

    def all_of(self, keys) -> list[int]:
        """The numbers found under every key, newest first."""
        lists = sorted((self.get(key) for key in keys), key=len)
        if not lists or not lists[0]:
            return []
        if len(lists) == 1:
            return list(reversed(lists[0]))
        common = set(lists[0])
        for other in lists[1:]:
            common.intersection_update(other)
            if not common:
                return []
        return sorted(common, reverse=True)


_EMPTY = array("I")


@dataclass
class _Contact:
    """A case's current contact keys. A later personal row for a case replaces the earlier
    one, so a match found under a key the case no longer has is dropped."""

    names: frozenset = frozenset()
    email: str = ""
    phone: str = ""
    postcode: str = ""


class SearchIndex:
    """Every case's reference, contact keys and words, for ``search``."""

    def __init__(self, store: Store):
        self.store = store
        self._lock = threading.RLock()
        self.saved = SavedIndex(store, "search", (SUBMISSIONS, PERSONAL), ("search",))
        self.save_at = SAVE_AT
        self._looked_for_saved = False
        self._unsaved = 0
        self.rows_read = 0  # rows read from the tables by this index (tests prove a load)
        self._reset()

    def _reset(self) -> None:
        self._cursor: object = None
        self._refs: list[str] = []
        self._number: dict[str, int] = {}
        self._contacts: dict[int, _Contact] = {}
        # Contacts loaded from a saved index, by case number: a ``marshal`` blob of (names,
        # email, phone, postcode), or None. One in ``_contacts`` is newer and wins.
        self._frozen_contacts: list[bytes | None] = []
        self._waiting: dict[str, dict] = {}  # personal rows read before their submission
        self._names = _Postings()
        self._emails = _Postings()
        self._phones = _Postings()
        self._postcodes = _Postings()
        self._text = _Postings()

    def __len__(self) -> int:
        return len(self._refs)

    # -- keeping up to date -----------------------------------------------------------------

    def refresh(self) -> None:
        """Take in what was appended since the last call (from any process)."""
        with self._lock:
            if self._cursor is None and not self._looked_for_saved:
                self._looked_for_saved = True
                self._load_saved()
            from_start = self._cursor is None
            changes = self.store.changes_since(self._cursor, (SUBMISSIONS, PERSONAL))
            if changes.restart:
                self._reset()
                self.saved.discard()  # it holds rows the rewrite removed
                from_start = True
            self._cursor = changes.cursor
            submissions = changes.rows.get(SUBMISSIONS, ())
            for row in submissions:
                self._add_submission(row)
            for row in changes.rows.get(PERSONAL, ()):
                self._add_personal(row)
            self.rows_read += len(submissions)
            self._unsaved = len(submissions) + (0 if from_start else self._unsaved)
            if self._unsaved >= max(self.save_at, len(self._refs) // 10):
                self._unsaved = 0
                self.saved.save_later(self._save)

    # -- the index saved beside the data ----------------------------------------------------

    def _save(self) -> None:
        """Save a copy of the index as it is now (copied under the lock, written outside)."""
        with self._lock:
            contacts = self._frozen_contacts + [None] * (
                len(self._refs) - len(self._frozen_contacts)
            )
            for number, c in self._contacts.items():
                contacts[number] = marshal.dumps((tuple(c.names), c.email, c.phone, c.postcode))
            cursor = self._cursor
            payload = {
                "refs": list(self._refs),
                "contacts": contacts,
                "waiting": dict(self._waiting),
                "names": self._names.saved(),
                "emails": self._emails.saved(),
                "phones": self._phones.saved(),
                "postcodes": self._postcodes.saved(),
                "text": self._text.saved(),
            }
        self.saved.save(cursor, payload)

    def _load_saved(self) -> None:
        loaded = self.saved.load()
        if loaded is None:
            return
        cursor, payload = loaded
        try:
            refs = list(payload["refs"])
            number = {ref: at for at, ref in enumerate(refs)}
            postings = [_Postings(bytes(payload[key])) for key in _SAVED_POSTINGS]
            contacts, waiting = list(payload["contacts"]), dict(payload["waiting"])
        except (TypeError, ValueError, KeyError):
            return
        if len(number) != len(refs) or len(contacts) != len(refs):
            return
        self._refs, self._number = refs, number
        self._names, self._emails, self._phones, self._postcodes, self._text = postings
        self._frozen_contacts, self._waiting = contacts, waiting
        self._cursor = cursor

    def _contact(self, number: int) -> _Contact:
        found = self._contacts.get(number)
        if found is None:
            frozen = self._frozen_contacts[number] if number < len(self._frozen_contacts) else None
            if frozen is None:
                return _NO_CONTACT
            names, email, phone, postcode = marshal.loads(frozen)
            found = self._contacts[number] = _Contact(frozenset(names), email, phone, postcode)
        return found

    def _add_submission(self, row: dict) -> None:
        ref = row.get("ref") or ""
        if not ref or ref in self._number:
            return
        number = len(self._refs)
        self._refs.append(ref)
        self._number[ref] = number
        seen = set()
        for name in TEXT_FIELDS:
            for word in words(row.get(name) or ""):
                if word not in seen:
                    seen.add(word)
                    self._text.add(word, number)
        waiting = self._waiting.pop(ref, None)
        if waiting is not None:
            self._add_personal(waiting)

    def _add_personal(self, row: dict) -> None:
        ref = row.get("ref") or ""
        number = self._number.get(ref)
        if number is None:
            self._waiting[ref] = row
            return
        names = frozenset(words(row.get("name") or "") + words(row.get("subject_name") or ""))
        contact = _Contact(
            names=names,
            email=email_key(row.get("email") or ""),
            phone=phone_key(row.get("phone") or ""),
            postcode=postcode_key(row.get("postcode") or ""),
        )
        self._contacts[number] = contact
        for name in names:
            self._names.add(name, number)
        if contact.email:
            self._emails.add(contact.email, number)
        if contact.phone:
            self._phones.add(contact.phone, number)
        if contact.postcode:
            self._postcodes.add(contact.postcode, number)

    # -- searching --------------------------------------------------------------------------

    def search(self, query: Query) -> Iterator[Hit]:
        """Candidates best first: the exact reference, then contact matches (newest first),
        then cases whose words contain every word of the query (newest first). Each case once.
        The caller may stop reading at any point (it pays only for what it reads)."""
        self.refresh()
        with self._lock:
            groups = self._groups(query)
        seen: set[int] = set()
        for how, numbers in groups:
            for number in numbers:
                if number not in seen:
                    seen.add(number)
                    yield Hit(self._refs[number], how)

    def _groups(self, query: Query) -> list[tuple[str, list[int]]]:
        groups: list[tuple[str, list[int]]] = []
        if query.kind == "empty":
            return groups
        if query.kind == "reference":
            number = self._number.get(query.reference)
            if number is not None:
                groups.append(("reference", [number]))
        # An imported reference, kept as the earlier system wrote it (letters in capitals).
        exact = self._number.get(query.text, self._number.get(query.text.upper()))
        if exact is not None:
            groups.append(("reference", [exact]))
        if query.kind in ("email", "phone", "postcode"):
            postings, attribute = {
                "email": (self._emails, "email"),
                "phone": (self._phones, "phone"),
                "postcode": (self._postcodes, "postcode"),
            }[query.kind]
            numbers = [
                n
                for n in reversed(postings.get(query.key))
                if getattr(self._contact(n), attribute) == query.key
            ]
            groups.append((query.kind, numbers))
        if query.terms:
            terms = set(query.terms)
            names = [n for n in self._names.all_of(query.terms) if terms <= self._contact(n).names]
            groups.append(("name", names))
            groups.append(("text", self._text.all_of(query.terms)))
        return groups


_NO_CONTACT = _Contact()
_SAVED_POSTINGS = ("names", "emails", "phones", "postcodes", "text")


def snippet(text: str, terms, width: int = 160) -> str:
    """A short piece of ``text`` around the first word of the query it contains (or its start),
    on one line, with an ellipsis where it was cut. Plain text: the page escapes it."""
    flat = " ".join(_CONTROL.sub(" ", text or "").split())
    if len(flat) <= width:
        return flat
    start = 0
    folded = flat.casefold()
    for term in terms:
        found = re.search(rf"\b{re.escape(term)}\b", folded)
        if found:
            start = max(0, found.start() - width // 3)
            break
    if start:
        space = flat.find(" ", start)
        start = space + 1 if 0 <= space < start + 20 else start
    piece = flat[start : start + width]
    if start + width < len(flat):
        cut = piece.rfind(" ")
        piece = (piece[:cut] if cut > width // 2 else piece) + "…"
    return ("…" if start else "") + piece
