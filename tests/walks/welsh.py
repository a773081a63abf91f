"""Is a page the person sees in Welsh free of English sentences?

The English the service can show comes from three places: the gettext catalogue (every public
and shared word, with its Welsh beside it), the tracking page's own words
(``forms_app/tracking/words.yaml``) and the published report's word tables
(``forms_app/reports/page_words.py`` and ``words.py``, each with an ``en`` and a ``cy`` side).
Each English text is cut at its placeholders into pieces; a piece of three words or more that
is not also in the Welsh (a name such as "Riverside Health and Care" stays the same in both)
must not be on a Welsh page. The settings' texts with a Welsh twin are checked by
``tests/language/test_welsh_setting_texts.py``'s ``english_found``.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml
from babel.messages.pofile import read_po

from forms_app.organisation.settings import EXAMPLE_SETTINGS, load_settings
from forms_app.reports import page_words
from forms_app.reports import words as report_words
from tests.language.test_welsh_setting_texts import english_found, english_with_welsh_twin

FORMS_APP = Path(__file__).resolve().parents[2] / "forms_app"
CATALOGUE = FORMS_APP / "translations" / "cy" / "LC_MESSAGES" / "messages.po"
TRACKING_WORDS = FORMS_APP / "tracking" / "words.yaml"
PLACEHOLDER = re.compile(r"\{[^}]*\}|%\([^)]*\)[sd]|%[sd]|\(\([^)]*\)\)|<[^>]+>")
WORD = re.compile(r"[A-Za-z']+")


def _pieces(english: str) -> list[str]:
    return [" ".join(piece.split()) for piece in PLACEHOLDER.split(english) if piece.strip()]


def _flat(value) -> list[str]:
    if isinstance(value, dict):
        return [text for item in value.values() for text in _flat(item)]
    if isinstance(value, list | tuple):
        return [text for item in value for text in _flat(item)]
    return [value] if isinstance(value, str) else []


def _report_pairs() -> list[tuple[str, str]]:
    """Each English text of the report's word tables, with all the Welsh of its table."""
    pairs = []
    for module in (page_words, report_words):
        for table in vars(module).values():
            if isinstance(table, dict) and "en" in table and "cy" in table:
                welsh = " ".join(_flat(table["cy"]))
                pairs += [(text, welsh) for text in _flat(table["en"])]
    return pairs


@cache
def english_pieces() -> tuple[str, ...]:
    """Pieces of English of three words or more that the Welsh never shows."""
    pairs: list[tuple[str, str]] = []
    with CATALOGUE.open("rb") as file:
        for message in read_po(file):
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strs = message.string if isinstance(message.string, tuple) else (message.string,)
            if ids[0] and any(strs):
                pairs += [(one, " ".join(strs)) for one in ids]
    words = yaml.safe_load(TRACKING_WORDS.read_text("utf-8"))
    welsh_words = " ".join(_flat(words["cy"]))
    pairs += [(text, welsh_words) for text in _flat(words["en"])]
    pairs += _report_pairs()
    welsh_all = " ".join(" ".join(welsh.split()) for _, welsh in pairs)
    pieces = {
        piece
        for english, _ in pairs
        for piece in _pieces(english)
        if len(WORD.findall(piece)) >= 3 and piece not in welsh_all
    }
    return tuple(sorted(pieces, key=len, reverse=True))


def english_on(text: str, html: str = "") -> list[str]:
    """The English pieces (and English setting texts with a Welsh twin) on a page: ``text`` is
    what it shows (its visible text), ``html`` its markup (for the settings' check)."""
    shown = " ".join(text.split())
    found = [piece for piece in english_pieces() if piece in shown]
    pairs = english_with_welsh_twin(load_settings(EXAMPLE_SETTINGS).raw)
    return found + (english_found(html, pairs) if html else [])
