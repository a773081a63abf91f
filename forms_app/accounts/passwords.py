"""Password hashing with argon2id (argon2-cffi's defaults, RFC 9106 low-memory profile).

The test suite alone sets ``FEEDBACK_CHEAP_PASSWORD_HASHES_FOR_TESTS=1`` (tests/conftest.py), so
the hundreds of accounts it makes cost almost nothing; without it, and always in production
(where the switch is ignored), the strong parameters below are used. Production is the default:
the switch counts only where ``FORMS_APP_ENV`` names testing, development or demo.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from argon2 import Parameters, PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from argon2.low_level import Type
from argon2.profiles import RFC_9106_LOW_MEMORY

# argon2-cffi's own defaults: 3 passes over 64 MiB with 4 lanes (RFC 9106, section 4).
PRODUCTION = RFC_9106_LOW_MEMORY
# The least work argon2id allows, with the same salt and hash sizes so the stored strings keep
# their shape. Never for real accounts: a stolen hash would fall to guessing at once.
CHEAP_FOR_TESTS = Parameters(
    type=Type.ID,
    version=PRODUCTION.version,
    salt_len=PRODUCTION.salt_len,
    hash_len=PRODUCTION.hash_len,
    time_cost=1,
    memory_cost=8,
    parallelism=1,
)
TEST_SWITCH = "FEEDBACK_CHEAP_PASSWORD_HASHES_FOR_TESTS"
MIN_LENGTH = 12
# The environments that are not production (forms_app/web/config.py names the same ones).
NOT_PRODUCTION = frozenset({"testing", "development", "demo"})


def parameters(environ: Mapping[str, str] = os.environ) -> Parameters:
    """The argon2 parameters new hashes use: the strong ones unless the test suite asks, and
    always the strong ones in production (``FORMS_APP_ENV`` unset or ``production``)."""
    environment = environ.get("FORMS_APP_ENV", "").strip().lower()
    testing = environ.get(TEST_SWITCH) == "1" and environment in NOT_PRODUCTION
    return CHEAP_FOR_TESTS if testing else PRODUCTION


_hasher = PasswordHasher.from_parameters(parameters())
# A hash to check against when the username is unknown, so a wrong name takes as long as a
# wrong password and the timing does not say which names exist.
_DUMMY = _hasher.hash("not a real password, only for timing")


def hash_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise ValueError(f"a password needs at least {MIN_LENGTH} characters")
    return _hasher.hash(password)


def verify_password(hashed: str | None, password: str) -> bool:
    """True if ``password`` matches ``hashed``; always does the work of one verification."""
    try:
        return _hasher.verify(hashed or _DUMMY, password) and hashed is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(hashed: str) -> bool:
    return _hasher.check_needs_rehash(hashed)
