"""The text side of the PII gate: bringing text to one form for comparing, and the shapes of
personal details (email addresses, UK phone numbers, NHS numbers, postcodes, dates).

Before matching, text is brought to one form so that disguises do not hide a detail: URL
decoding, HTML entities (repeatedly), tags removed (a name split by ``<b>`` tags) and tags as
spaces, attribute values kept (``alt=``, ``title=``), JSON strings decoded (``\\u00e9``), then
Unicode NFKC (non-breaking spaces), zero-width and bidi characters and soft hyphens removed,
accents stripped, case folded and white space collapsed.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
import urllib.parse
from collections.abc import Iterator

from forms_app.language import invisible as invisible_characters

SHINGLE = 8
TITLES = ("mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "nurse")
TITLE_WORDS = frozenset(TITLES)

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

#: Everyday words that are also first names or account names ("will", "mark", "grant", or a
#: shared account such as "complaints team"): a username that is one of these is not looked
#: for on its own, because published text uses the word as a word. The person's full name is
#: still looked for as a phrase.
ORDINARY_WORDS = frozenset(
    """
    admin amber angel april art august autumn bill bliss bob brook carol cash chance chase
    cherry chip cliff colt crystal daisy dawn drew duke earl echo faith fern frank gene ginger
    glen grant guy hazel heather herb holly honey hunter iris ivy jack jade jay joy june kit
    lily mark mat max may miles mo nick norm office officer olive patience pearl penny pierce
    pip rob robin rod royal ruby rusty sage sandy skip sky star sterling sue summer support
    team victor violet wade warren will
    complaints desk duty feedback manager pals reception service services staff
    """.split()  # noqa: SIM905 - a list of words, easier to read and edit as text
)

#: Actors that are the system itself, not a person: the importer, the spam filter, and the
#: answer an investigating manager without an account sent through a request link (the
#: actor ``forms_app.public.respond_pages.LINK_ACTOR``, which names no one; looked for as a
#: name, its last word "link" would stop every page from being published).
SYSTEM_ACTORS = frozenset({"import", "system", "investigator (by link)"})

# Characters that cannot be seen are dropped before matching, so a name with a zero-width
# space or a direction mark inside it is still found.
ZERO_WIDTH = dict.fromkeys(map(ord, invisible_characters.CHARACTERS), None)
WORD = re.compile(r"[^\W_]+")
TOKEN = re.compile(r"[^\W_](?:[\w.@+-]*[^\W_])?")
SPACE = re.compile(r"\s+")
NOT_DIGIT = re.compile(r"\D")
TAG = re.compile(r"<[^>]*>")
ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\x([0-9a-fA-F]{2})")
ATTRIBUTE = re.compile(r"""\b(?:alt|title|aria-label|content|value|label)\s*=\s*["']([^"']*)""")
EMAIL = re.compile(r"[a-z0-9._%+'-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+")
DIGITS = re.compile(r"(?<![\w.,])\+?\d(?:[\d \t().-]{5,22})\d(?![\w])")
NHS = re.compile(r"(?<!\d)(?<!\d[,.])(\d{3})([ -]?)(\d{3})\2(\d{4})(?!\d|[,.-]\d)")
POSTCODE = re.compile(r"(?<![a-z0-9])([a-z]{1,2}\d[a-z\d]?) ?(\d[a-z]{2})(?![a-z0-9])")
DATE = re.compile(r"(?<![\d/])(0?[1-9]|[12]\d|3[01])/(0?[1-9]|1[0-2])/(19|20)\d\d(?![\d/])")
BINARY = (
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
CODE = (".js", ".css", ".map")


def fold(text: str) -> str:
    """One form for comparing: NFKC, no zero-width or bidi characters, no accents, case
    folded, single spaces."""
    if text.isascii():
        return SPACE.sub(" ", text.lower()).strip()
    text = unicodedata.normalize("NFKC", text).translate(ZERO_WIDTH)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return SPACE.sub(" ", text.casefold()).strip()


def words(text: str) -> list[str]:
    """The words of folded text (letters and digits; punctuation and hyphens split words)."""
    return WORD.findall(text)


def shingle_key(piece) -> int:
    """A key of ``SHINGLE`` folded words in a row, the same in every process (Python's
    ``hash`` is not, so keys saved by one report could not be compared by the next): 64 bits of
    BLAKE2b. Equal words give equal keys; different ones the same key about once in 2^64, which
    could only ever stop a report, never let words through."""
    digest = hashlib.blake2b(" ".join(piece).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def narrative_keys(texts) -> list[int]:
    """The key of every run of ``SHINGLE`` words in each of ``texts`` (what people wrote)."""
    keys = []
    for text in texts:
        ws = words(fold(text))
        keys.extend(shingle_key(ws[i : i + SHINGLE]) for i in range(len(ws) - SHINGLE + 1))
    return keys


def phone_digits(text: str) -> str:
    """A phone number as its digits, +44 written as 0."""
    digits = NOT_DIGIT.sub("", text)
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


def is_uk_phone(digits: str) -> bool:
    return digits.startswith("0") and len(digits) in (10, 11) and digits[1] in "123578"


def mask(value: str) -> str:
    value = value.strip()
    return f"{value[:1]}{'*' * max(0, len(value) - 1)} ({len(value)} characters)"


def variants(text: str) -> Iterator[tuple[str, bool]]:
    """The forms of a text to scan: (text, is it markup with tags and attributes still in)."""
    if "\\u" in text or "\\x" in text:  # JSON and script escapes, even outside valid JSON
        text = ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)
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
    yield TAG.sub("", text), False
    yield TAG.sub(" ", text), False
    attributes = "\n".join(ATTRIBUTE.findall(text))
    if attributes:
        yield attributes, False


def json_strings(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_strings(item)
