"""Demo data: synthetic, valid, and with demo staff accounts a new user can sign in with."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pyotp
import pytest

from forms_app.accounts.users import UserBook
from forms_app.demo.data import make_demo_data
from forms_app.demo.staff import DEMO_PASSWORD, demo_code, make_demo_staff
from forms_app.storage.package_check import validate_package


def test_demo_data_is_valid_and_synthetic(app_parts):
    made = make_demo_data(app_parts, count=60, seed=7)
    assert made.submissions == 60
    assert validate_package(app_parts.settings.data_dir).valid
    for person in app_parts.store.rows("personal"):
        if person["phone"]:
            assert re.fullmatch(r"07700 900\d{3}", person["phone"])
        if person["email"]:
            assert person["email"].endswith("@example.com")


def test_demo_staff_can_sign_in_with_the_printed_details(app_parts):
    data_dir = app_parts.settings.data_dir
    made = make_demo_staff(data_dir, app_parts.service_codes)
    assert "demo.officer" in made
    book = UserBook(data_dir)
    officer = book.get("demo.officer")
    assert set(officer.services) == set(app_parts.service_codes)
    code = demo_code(data_dir, "demo.officer")
    assert pyotp.TOTP(officer.totp_secret).verify(code)
    assert book.check_password("demo.officer", DEMO_PASSWORD, datetime.now(UTC)) is not None
    # A second run leaves existing accounts alone.
    assert make_demo_staff(data_dir, app_parts.service_codes) == []


def test_demo_codes_refused_outside_demo_data(app_parts):
    data_dir = app_parts.settings.data_dir
    book = UserBook(data_dir)
    book.add(
        "real.person", name="Real Person", password="a long real password 123", roles=["officer"]
    )
    with pytest.raises(PermissionError):
        demo_code(data_dir, "real.person")
    with pytest.raises(PermissionError):
        demo_code(data_dir, "demo.officer")
