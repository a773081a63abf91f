"""Characters that cannot be seen but change what text says or how it reads: bidirectional
controls (the "Trojan Source" trick, U+202E makes "yliad" read "daily"), zero-width characters
and the soft hyphen. People cannot type them on our public forms (checking.py refuses them),
but an import or a copied-and-pasted phone note can carry them in.

On staff pages every one is shown as a visible code, for example ``[U+202E]``, so a name or a
complaint cannot look like something it is not. The codes are plain text, safe in any place a
value can go (text, attributes, a letter's text box). Public pages are left as they are.
"""

from __future__ import annotations

import re

from flask import has_request_context, request

INVISIBLE = re.compile(
    "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


def shown(text: str) -> str:
    """``text`` with each invisible character written as its code point, like ``[U+202E]``."""
    return INVISIBLE.sub(lambda match: f"[U+{ord(match.group()):04X}]", text)


def finalize(value):
    """Jinja's ``finalize``: on staff pages, text with invisible characters is shown with their
    codes. The search comes first because it is cheap and almost never finds anything."""
    if isinstance(value, str) and INVISIBLE.search(value) and _on_staff_page():
        return type(value)(shown(value))  # Markup stays Markup: the codes need no escaping
    return value


def _on_staff_page() -> bool:
    return has_request_context() and request.blueprint == "staff"
