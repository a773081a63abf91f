"""Characters that cannot be seen but change what text says or how it reads: bidirectional
controls (the "Trojan Source" trick, U+202E makes "yliad" read "daily"), zero-width characters
and the soft hyphen. People cannot type them on our public forms (journeys/answers.py refuses them),
but an import or a copied-and-pasted phone note can carry them in.

On staff pages every one is shown as a visible code, for example ``[U+202E]``, so a name or a
complaint cannot look like something it is not. The codes are plain text, safe in any place a
value can go (text, attributes, a letter's text box). Public pages are left as they are.
"""

from __future__ import annotations

import re

from flask import has_request_context, request

#: Every one of them: the soft hyphen, the Arabic letter mark, the Mongolian vowel separator,
#: zero-width spaces and joiners, direction marks, embeddings and overrides, word joiner and
#: invisible operators, isolates, and the byte-order mark.
CHARACTERS = "".join(
    map(chr, [0xAD, 0x61C, 0x180E, *range(0x200B, 0x2010), *range(0x202A, 0x202F)])
) + "".join(map(chr, [*range(0x2060, 0x2065), *range(0x2066, 0x206A), 0xFEFF]))
INVISIBLE = re.compile(f"[{re.escape(CHARACTERS)}]")


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
