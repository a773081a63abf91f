"""The words of the tracking page (``words.yaml``): every language and wording, a wording
falling back to its language's standard words key by key, and Welsh to English the same way."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

FILE = Path(__file__).resolve().parent / "words.yaml"


@cache
def _all() -> dict:
    return yaml.safe_load(FILE.read_text(encoding="utf-8"))


@cache
def words(language: str, wording: str) -> dict[str, str]:
    """Every key's words in ``language`` and ``wording``."""
    raw = _all()
    merged = dict(raw["en"]["standard"])
    by_language = raw.get(language) or {}
    merged.update(by_language.get("standard") or {})
    if wording != "standard":
        merged.update(by_language.get(wording) or {})
    return merged


def say(language: str, wording: str, key: str, **values) -> str:
    return words(language, wording)[key].format(**values)
