"""Case references: what a person is given when their feedback is stored, and reads back to us.

A reference is 8 symbols from ``ALPHABET`` grouped 4-4 with a hyphen, e.g. ``K7RM-3QXH``.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

# The alphabet is chosen for people reading a reference off a letter, a screen or down the phone:
# - no look-alike pairs at all: 0/O/D-ish Q stays because O and 0 are both out, so a misread Q
#   becomes an invalid reference rather than someone else's; 1/I/L, 2/Z, 5/S, 8/B, 6/G are out;
# - no U or V: U/V are confused in handwriting and by some fonts, and dropping U (as Crockford's
#   base 32 does) keeps the commonest offensive words out of references sent to the public;
# - W stays (V is gone, so nothing to confuse it with).
# 22 symbols ** 8 = 5.5e10 (35.7 bits), about the same as GOV.UK Forms' references; uniqueness is
# still checked under the store lock, because birthday collisions are ~10 % at 100,000 references.
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
