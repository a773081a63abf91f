"""Words that change with the wording variant (standard, easy read, young people).

One question, three wordings: the journey holds all three side by side, so the variants are
values, never copies of views. A wording a variant does not give falls back to the standard one.
Each string is marked for translation (gettext), and may hold ``{placeholders}`` filled from the
organisation's settings when the page is drawn.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Text:
    standard: object
    easy_read: object | None = None
    young_people: object | None = None

    def get(self, variant: str, context: Mapping[str, object] | None = None) -> str:
        """The wording for a variant, translated into the current language and filled in."""
        chosen = {"easy-read": self.easy_read, "young-people": self.young_people}.get(variant)
        text = str(chosen if chosen is not None else self.standard)
        if context and "{" in text:
            return text.format_map(_Missing(context))
        return text


class _Missing(dict):
    """Leaves an unknown placeholder visible rather than failing the page."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def say(variant: str, text: Text | None, context: Mapping[str, object] | None = None):
    """``text.get`` that tolerates no text at all."""
    return text.get(variant, context) if text is not None else None
