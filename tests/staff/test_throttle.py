"""Staff sign-in is throttled per address (an IPv6 /64 counts as one address) and overall, and
an account's back-off is temporary and does not shut out a place its owner signed in from."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp

from forms_app.accounts import UserBook
from forms_app.accounts.throttle import Limits, SignInThrottle, address_key
from tests.support.staff import PASSWORD, csrf, make_people

OLIVE = {"olive": ("Olive Officer", ["officer"], ["home-care"])}
WRONG = "not the password at all"


def _client(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _try(client, password, username="olive"):
    page = client.get("/staff/sign-in")
    return client.post(
        "/staff/sign-in",
        data={"username": username, "password": password, "csrf_token": csrf(page.text)},
    )


def _sign_in(client, secret, at=None):
    response = _try(client, PASSWORD)
    if response.status_code != 302:
        return response
    page = client.get(response.headers["Location"])
    code = pyotp.TOTP(secret).at(at or datetime.now(UTC))
    return client.post("/staff/sign-in/code", data={"code": code, "csrf_token": csrf(page.text)})


def test_a_serial_burst_from_one_address_gets_429_with_retry_after(app, data_dir):
    make_people(data_dir, OLIVE)
    client = _client(app, "198.51.100.7")
    statuses = [_try(client, WRONG).status_code for _ in range(40)]
    assert statuses[:10] == [200] * 10
    assert set(statuses[10:]) == {429}
    limited = _try(client, PASSWORD)  # even the right password waits
    assert limited.status_code == 429
    wait = int(limited.headers["Retry-After"])
    assert 0 < wait <= 15 * 60
    text = limited.text
    assert "Too many attempts to sign in" in text and "15 minutes" in text
    assert PASSWORD not in text and WRONG not in text
    # Someone at another address is not held up by it.
    other = _client(app, "203.0.113.20")
    assert _try(other, WRONG, username="someone").status_code == 200


def test_addresses_in_one_ipv6_64_count_as_one(app, data_dir):
    make_people(data_dir, OLIVE)
    for number in range(1, 11):
        assert _try(_client(app, f"2001:db8:1:2::{number:x}"), WRONG).status_code == 200
    assert _try(_client(app, "2001:db8:1:2:ffff:ffff:ffff:ffff"), WRONG).status_code == 429
    assert _try(_client(app, "2001:db8:1:3::1"), WRONG, username="nobody").status_code == 200
    assert address_key("2001:db8:1:2::1") == address_key("2001:0db8:0001:0002:abcd::9")
    assert address_key("::ffff:198.51.100.7") == address_key("198.51.100.7")
    assert address_key("198.51.100.7") != address_key("198.51.100.8")


def test_right_passwords_are_not_counted_against_an_address(app, data_dir):
    make_people(data_dir, OLIVE)
    client = _client(app, "198.51.100.7")
    assert [_try(client, PASSWORD).status_code for _ in range(15)] == [302] * 15


def test_the_overall_ceiling_holds_many_addresses_back(data_dir):
    throttle = SignInThrottle(data_dir, Limits(address_limit=10, overall_limit=5))
    now = 1_000_000.0
    assert [throttle.admit(f"198.51.100.{n}", now=now) for n in range(5)] == [0] * 5
    assert throttle.admit("198.51.100.99", now=now) > 0
    # A place where this person signed in before is not held back by other people's guesses.
    throttle.trust("olive", "203.0.113.20", now=now - 3600)
    assert throttle.admit("203.0.113.20", now=now, trusted=True) == 0
    # The ceiling lifts when its window ends.
    assert throttle.admit("198.51.100.99", now=now + 15 * 60 + 1) == 0


def test_an_address_recovers_when_its_window_ends(data_dir):
    throttle = SignInThrottle(data_dir, Limits(address_limit=3))
    now = 1_000_000.0
    assert [throttle.admit("198.51.100.7", now=now) for _ in range(3)] == [0, 0, 0]
    wait = throttle.admit("198.51.100.7", now=now + 60)
    assert wait == 15 * 60 - 60
    assert throttle.admit("198.51.100.7", now=now + 15 * 60 + 1) == 0


def test_a_locked_account_recovers_after_the_back_off(data_dir):
    book = UserBook(data_dir)
    book.add("olive", name="Olive", password=PASSWORD, roles=["officer"])
    now = datetime.now(UTC)
    for _ in range(5):
        assert book.check_password("olive", WRONG, now) is None
    assert book.check_password("olive", PASSWORD, now + timedelta(minutes=14)) is None
    assert book.check_password("olive", PASSWORD, now + timedelta(minutes=16)) is not None
    # The back-off starts afresh: five more wrong guesses are allowed before the next one.
    later = now + timedelta(minutes=16)
    for _ in range(4):
        assert book.check_password("olive", WRONG, later) is None
    assert book.check_password("olive", PASSWORD, later) is not None


def test_a_locked_account_still_signs_in_from_where_its_owner_signed_in_before(app, data_dir):
    secret = make_people(data_dir, OLIVE)["olive"]
    office = _client(app, "198.51.100.7")
    assert _sign_in(office, secret).status_code == 302
    # Someone elsewhere who knows the username locks the account by guessing.
    attacker = _client(app, "203.0.113.20")
    for _ in range(6):
        assert _try(attacker, WRONG).status_code == 200
    assert UserBook(data_dir).get("olive").locked(datetime.now(UTC))
    assert _try(attacker, PASSWORD).status_code == 200  # locked for them, even when right
    # Olive, at the office again the next morning, is not shut out.
    morning = _client(app, "198.51.100.7")
    signed = _sign_in(morning, secret, at=datetime.now(UTC) + timedelta(seconds=30))
    assert signed.status_code == 302 and signed.headers["Location"].endswith("/staff/")
    assert morning.get("/staff/").status_code == 200
