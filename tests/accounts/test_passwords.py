"""The argon2 parameters: strong in production, cheap only when the test suite switches them."""

from __future__ import annotations

import os
import subprocess
import sys

from argon2 import extract_parameters

from forms_app.accounts import passwords
from tests.support.staff import PASSWORD


def test_production_hashes_use_the_strong_parameters():
    # A fresh interpreter without the test suite's switch, as the app runs for real.
    env = {key: value for key, value in os.environ.items() if key != passwords.TEST_SWITCH}
    made = subprocess.run(
        [
            sys.executable,
            "-c",
            "from forms_app.accounts.passwords import hash_password; "
            f"print(hash_password({PASSWORD!r}))",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()
    used = extract_parameters(made)
    assert used.type.name == "ID"
    assert (used.time_cost, used.memory_cost, used.parallelism) == (3, 65536, 4)
    assert (used.salt_len, used.hash_len) == (16, 32)
    assert passwords.parameters({}) == used
    assert passwords.parameters({passwords.TEST_SWITCH: "yes"}) == used
    # A switch left set on a live server changes nothing there.
    production = {passwords.TEST_SWITCH: "1", "FORMS_APP_ENV": "production"}
    assert passwords.parameters(production) == used


def test_the_suite_hashes_cheaply_and_cheap_hashes_still_verify():
    assert os.environ.get(passwords.TEST_SWITCH) == "1", "tests/conftest.py sets the switch"
    hashed = passwords.hash_password(PASSWORD)
    used = extract_parameters(hashed)
    assert (used.time_cost, used.memory_cost, used.parallelism) == (1, 8, 1)
    assert passwords.verify_password(hashed, PASSWORD)
    assert not passwords.verify_password(hashed, PASSWORD + "!")
    assert not passwords.verify_password(None, PASSWORD)


def test_the_cheap_switch_needs_an_explicit_test_or_development_environment():
    strong = passwords.PRODUCTION
    # Unset means production: a switch left set on a server started without FORMS_APP_ENV
    # must not weaken its hashes.
    assert passwords.parameters({passwords.TEST_SWITCH: "1"}) == strong
    assert passwords.parameters({passwords.TEST_SWITCH: "1", "FORMS_APP_ENV": "prod"}) == strong
    for name in ("testing", "development", "demo"):
        cheap = passwords.parameters({passwords.TEST_SWITCH: "1", "FORMS_APP_ENV": name})
        assert cheap == passwords.CHEAP_FOR_TESTS
