"""Case references: what a person is given when their feedback is stored, and reads back to us.

A reference is 8 symbols from ``ALPHABET`` grouped 4-4 with a hyphen, e.g. ``K7RM-3QXH``.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

# Chosen for people reading a reference off a letter or a screen, or saying it on the phone.
# Out: both of 0/O, 1/I/L, 2/Z, 5/S and 8/B, and G (for 6), so a misread symbol gives an
# invalid reference rather than someone else's case (Q stays: with O and 0 gone, a Q misread as
# O is simply invalid). Also out: U and V, which handwriting and some fonts confuse; dropping U
# (as Crockford's base 32 does) also keeps the commonest offensive words out of letters.
# 22 symbols, 8 of them: 22**8 = 5.5e10 (35.7 bits), about GOV.UK Forms' 35.4 bits. Birthday
# collisions are still ~9 % by 100,000 references, so the store checks uniqueness under its lock.
ALPHABET = "ACDEFHJKMNPQRTWXY34679"
LENGTH = 8

# Hyphens people paste from letters and word processors, and the spaces they type between groups.
_SEPARATORS = re.compile(r"[\s\-\u2010\u2011\u2012\u2013\u2014\u2212_.]+")
_VALID = re.compile(f"[{ALPHABET}]{{{LENGTH}}}")


def new_reference() -> str:
    """Return a new random reference such as ``K7RM-3QXH`` (``secrets``, never ``random``)."""
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{symbols[:4]}-{symbols[4:]}"


def normalise_reference(text: str) -> str | None:
    """Return the canonical form of a reference a person typed, or None if it cannot be one.

    Forgiving of case, spaces, a missing or odd hyphen and full-width characters. It does not
    guess at look-alikes (an ``O`` could be a ``Q`` or a ``D``): a wrong guess would open someone
    else's case, so an unreadable reference is simply not valid.
    """
    if not isinstance(text, str):
        return None
    # NFKC folds full-width letters (from some phone keyboards) to plain ASCII.
    compact = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()
    if not _VALID.fullmatch(compact):
        return None
    return f"{compact[:4]}-{compact[4:]}"
