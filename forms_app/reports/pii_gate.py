"""The PII gate: nothing is published that holds a personal detail from the data, or anything
shaped like one.

What it looks for, in every file it is given (pages, charts, CSV, ``datapackage.json``, the
built site's search index, sitemap and ``sitemap.xml.gz``, 404 page, everything):

- **known details** from the data: full names (and "Mr/Mrs/Ms/Dr + surname", and surnames of
  four or more letters that are not everyday words) of the people in the personal-details
  table and of the people they wrote about, their emails, phone numbers, addresses and
  postcodes; staff names, emails and usernames from the staff directory (``users.json``) and
  from the events (who did what, who owns a case);

How known people are matched, so that a person is found and a word is not:

- full names (people's and staff's) are matched as phrases, whole words in order, whatever
  the words are ("Will Bishop" is found; "we will" is not);
- a surname is matched after a title ("Mr Bishop"), and on its own only if it is not an
  everyday word (``COMMON_WORDS``) or a word of the organisation's own pages;
- a username is matched only as a whole token, and only where it could identify someone: one
  that looks like an identifier (a digit, dot, underscore, hyphen or @: ``will.bishop``,
  ``mark2``) always; a plain word only if it is not an ordinary word (``ORDINARY_WORDS``,
  ``COMMON_WORDS``, the organisation's own words) and not the system itself (``import``).
  An organisation whose staff log in as ``will``, ``mark``, ``grant`` or ``rose`` can still
  publish a page saying "we will", "a grant" or "a rose garden"; the name behind each account
  is still looked for in full.
- **narratives**: any 8 words in a row from what people wrote (``details``, ``outcome_wanted``)
  or staff noted on a case, unless they are in a public summary approved for publication;
- **patterns**: any email address, UK phone number, NHS number (10 digits passing the
  modulus 11 check), full UK postcode, or date written ``dd/mm/yyyy``.

The organisation's own contact details (every value in the settings' ``contact``, ``pals``,
``safeguarding`` and ``advocacy`` sections), the ombudsmen's numbers from the procedure profiles,
a few national helplines and anything listed under ``reports: allow:`` in the settings are
allowed.

Before matching, gzip files are opened and text is brought to one form, so that disguises do not
hide a detail (``pii_patterns``); what is known and what is allowed come from the data and the
settings (``pii_sources``).

A finding names the file, the kind of detail and a masked hint (first letter and length), never
the detail itself, so the gate's own output is safe to show.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .pii_patterns import (
    BINARY,
    CODE,
    DATE,
    DIGITS,
    EMAIL,
    NHS,
    POSTCODE,
    SHINGLE,
    TITLE_WORDS,
    TOKEN,
    fold,
    is_uk_phone,
    json_strings,
    mask,
    narrative_keys,
    nhs_number_valid,
    phone_digits,
    shingle_key,
    variants,
    words,
)
from .pii_sources import Allowed, CaseWriting, Known, case_writing, known_people

__all__ = [
    "Allowed",
    "CaseWriting",
    "Finding",
    "Gate",
    "GateFailed",
    "Known",
    "case_writing",
    "known_people",
]


@dataclass(frozen=True)
class Finding:
    where: str
    kind: str
    hint: str

    def __str__(self) -> str:
        return f"{self.where}: {self.kind} {self.hint}"


class Gate:
    """Scans texts and files for personal details; see the module docstring."""

    def __init__(
        self,
        known: Known,
        allowed: Allowed,
        narratives: Iterable[str] = (),
        approved: Iterable[str] = (),
        narrative_keys=None,
    ):
        self.known = known.finish()
        self.allowed = allowed
        self._narratives = narratives
        self._approved = list(approved)
        # The keys of what people wrote, worked out before (``shingle_key``), sorted: a report
        # starting from its saved cases has them for every text but the newest, which come as
        # ``narratives``.
        self._narrative_keys = narrative_keys

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
        allowed: Allowed | None = None,
    ) -> Gate:
        """A gate knowing every personal detail in ``data_dir``: the personal-details table and
        the staff directory ``users.json`` (``known``, read here if not given), who acted on and
        owns cases and the narratives of the submissions and events (``writing``, read here if
        not given). ``approved``: the public summaries approved for publication (their
        words may appear; their details may not). ``allowed``: the organisation's own
        published details (``Allowed.from_settings``, worked out here if not given)."""
        data_dir = Path(data_dir)
        if known is None:
            known = known_people(data_dir, vocabulary, settings)
        if writing is None:
            writing = case_writing(data_dir, settings)
        keys = writing.narrative_keys
        if keys is not None:
            # The keys of what people wrote, saved by an earlier report (``saved_words``); if
            # they are no longer the ones saved, every text is read from the tables instead.
            keys = keys.load()
            if keys is None:
                writing = case_writing(data_dir, settings)
        for actor in writing.actors:
            known.add_username(actor)
        # Approved summaries are published on purpose: their words are not a narrative leak.
        if allowed is None:
            allowed = Allowed.from_settings(settings)
        return cls(known, allowed, writing.narratives, approved, keys)

    # -- scanning ----------------------------------------------------------------------------

    def scan(self, items: Iterable[tuple[str, str]]) -> list[Finding]:
        """Scan ``(where, text)`` pairs; the findings, each once."""
        findings: list[Finding] = []
        # Each run of published words, by its key in this process (``hash``: quick, for the
        # texts given as texts) and by its key in any process (``shingle_key``: for the keys
        # an earlier report saved): ``{hash: where}``, ``{key: (where, words)}``.
        shingles: tuple[dict, dict] = ({}, {})
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
            if hashlib.sha256(data).digest() in _theme_files():
                # Copied byte for byte from the theme: nothing of ours is in it, and its word
                # lists (the search engine's, for many languages) hold words that are also
                # staff usernames somewhere ("mina" is Swedish and Finnish).
                continue
            name = path.name.lower()
            if name.endswith(".gz"):
                with contextlib.suppress(OSError, EOFError):
                    data = gzip.decompress(data)
                name = name[:-3]
            if name.endswith(BINARY):
                continue
            text = data.decode("utf-8", errors="replace")
            if name.endswith(".json"):
                with contextlib.suppress(ValueError):
                    text += "\n" + "\n".join(json_strings(json.loads(text)))
            kind = "code" if name.endswith(CODE) else "text"
            yield (where if kind == "text" else f"{where}\0code"), text

    def _scan_one(self, where: str, text: str, shingles: tuple[dict, dict]) -> list[Finding]:
        code = where.endswith("\0code")
        where = where.removesuffix("\0code")
        out: list[Finding] = []
        for variant, is_markup in variants(text):
            folded = fold(variant)
            ws = words(folded)
            out += self._phrases(where, ws)
            out += self._usernames(where, folded)
            out += self._emails(where, folded, patterns=not code)
            out += self._numbers(where, folded, patterns=not code and not is_markup)
            if code or is_markup:
                continue
            out += self._postcodes(where, folded)
            if DATE.search(folded):
                out.append(Finding(where, "date (dd/mm/yyyy)", mask(DATE.search(folded)[0])))
            by_hash, by_key = shingles
            for i in range(len(ws) - SHINGLE + 1):
                piece = ws[i : i + SHINGLE]
                by_hash.setdefault(hash(tuple(piece)), where)
                if self._narrative_keys is not None:
                    by_key.setdefault(shingle_key(piece), (where, piece))
        return out

    def _phrases(self, where: str, ws: list[str]) -> list[Finding]:
        phrases, first, longest = self.known.phrases, self.known._first, self.known._longest
        out = []
        surnames = self.known.surnames
        for i, word in enumerate(ws):
            if word in TITLE_WORDS and surnames:
                for n in range(1, min(longest, len(ws) - i - 1) + 1):
                    phrase = " ".join(ws[i + 1 : i + 1 + n])
                    kind = surnames.get(phrase)
                    if kind is not None and not self.allowed.has_phrase(phrase):
                        out.append(Finding(where, kind, mask(f"{word} {phrase}")))
            if word not in first:
                continue
            for n in range(1, min(longest, len(ws) - i) + 1):
                phrase = " ".join(ws[i : i + n])
                kind = phrases.get(phrase)
                if kind is not None and not self.allowed.has_phrase(phrase):
                    out.append(Finding(where, kind, mask(phrase)))
        return out

    def _usernames(self, where: str, folded: str) -> list[Finding]:
        usernames = self.known.usernames
        if not usernames:
            return []
        return [
            Finding(where, "staff username", mask(token))
            for token in TOKEN.findall(folded)
            if token in usernames
        ]

    def _emails(self, where: str, folded: str, patterns: bool = True) -> list[Finding]:
        out = []
        for email in EMAIL.findall(folded):
            email = email.strip(".")
            if email in self.allowed.emails:
                continue
            if email in self.known.emails:
                out.append(Finding(where, "email", mask(email)))
            elif patterns:
                out.append(Finding(where, "email address (pattern)", mask(email)))
        return out

    def _numbers(self, where: str, folded: str, patterns: bool) -> list[Finding]:
        out = []
        known = self.known.digits
        for match in DIGITS.finditer(folded):
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
                out.append(Finding(where, "phone or NHS number", mask(digits)))
            elif patterns and is_uk_phone(digits):
                out.append(Finding(where, "UK phone number (pattern)", mask(digits)))
        if patterns:
            for match in NHS.finditer(folded):
                digits = match.group(1) + match.group(3) + match.group(4)
                if nhs_number_valid(digits) and digits not in self.allowed.digits:
                    out.append(Finding(where, "NHS number (pattern)", mask(digits)))
        return out

    def _postcodes(self, where: str, folded: str) -> list[Finding]:
        out = []
        for match in POSTCODE.finditer(folded):
            code = match.group(1) + match.group(2)
            if code in self.allowed.postcodes:
                continue
            kind = "postcode" if code in self.known.postcodes else "postcode (pattern)"
            out.append(Finding(where, kind, mask(code)))
        return out

    def _narrative_findings(self, shingles: tuple[dict, dict]) -> list[Finding]:
        """Runs of ``SHINGLE`` words published that people wrote: each newer text's runs looked
        up in the published ones, and each published run in the keys worked out before;
        approved summaries' runs are published on purpose."""
        by_hash, by_key = shingles
        if not by_hash:
            return []
        out = []
        exempt = set()
        for text in self._approved:
            ws = words(fold(text))
            exempt.update(hash(tuple(ws[i : i + SHINGLE])) for i in range(len(ws) - SHINGLE + 1))
        for text in set(self._narratives):
            ws = words(fold(text))
            for i in range(len(ws) - SHINGLE + 1):
                key = hash(tuple(ws[i : i + SHINGLE]))
                where = by_hash.get(key)
                if where is not None and key not in exempt:
                    out.append(
                        Finding(
                            where, "words from a narrative", mask(" ".join(ws[i : i + SHINGLE]))
                        )
                    )
                    break
        saved = self._narrative_keys
        if saved is not None and len(saved):
            exempt_keys = set(narrative_keys(self._approved))
            for key, (where, piece) in by_key.items():
                if key not in exempt_keys and _sorted_has(saved, key):
                    out.append(Finding(where, "words from a narrative", mask(" ".join(piece))))
        return out


def _sorted_has(keys, key: int) -> bool:
    at = bisect_left(keys, key)
    return at < len(keys) and keys[at] == key


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


@cache
def _theme_files() -> frozenset[bytes]:
    """The SHA-256 of every asset the site's theme (mkdocs-material) ships, as installed."""
    try:
        import material
    except ImportError:  # the site is not built where the theme is not installed
        return frozenset()
    assets = Path(material.__file__).parent / "templates" / "assets"
    return frozenset(
        hashlib.sha256(path.read_bytes()).digest() for path in assets.rglob("*") if path.is_file()
    )
