"""Directory accounts (made by single sign-on) in the accounts file: made only for a person
with a role, refreshed from the claims at each sign-in, never a way in with a password."""

from __future__ import annotations

from datetime import UTC, datetime

import pyotp
import pytest

from forms_app.accounts import UserBook, UserError

SUBJECT = "https://login.example.org/tenant/v2.0 0001-olwen"


def _sign_in(book, roles, services=(), subject=SUBJECT, username="olwen"):
    return book.from_directory(
        subject=subject,
        username=username,
        name="Olwen Officer",
        email="olwen.officer@riverside.example.org",
        roles=list(roles),
        services=list(services),
    )


def test_sso_account_is_made_only_for_a_person_with_a_role(tmp_path):
    book = UserBook(tmp_path)
    assert _sign_in(book, []) is None
    assert book.all() == []
    user = _sign_in(book, ["officer"], ["home-care"])
    assert (user.source, user.subject, user.roles) == ("directory", SUBJECT, ["officer"])
    assert (user.password_hash, user.totp_secret) == ("", "")


def test_sso_account_roles_are_refreshed_and_removed_at_each_sign_in(tmp_path):
    book = UserBook(tmp_path)
    _sign_in(book, ["officer", "manager"], ["home-care"])
    assert _sign_in(book, ["officer"], []).roles == ["officer"]
    assert _sign_in(book, [], []).roles == []
    assert book.get("olwen").roles == []


def test_sso_never_takes_over_a_local_account_of_the_same_name(tmp_path):
    book = UserBook(tmp_path)
    book.add("olwen", name="Olwen Local", password="correct horse battery staple", roles=["admin"])
    with pytest.raises(UserError):
        _sign_in(book, ["officer"], username="olwen")
    assert book.get("olwen").roles == ["admin"]


@pytest.mark.parametrize(
    "password", ["", "not a real password, only for timing", "correct horse battery staple"]
)
def test_sso_account_cannot_sign_in_with_a_password_or_a_code(tmp_path, password):
    # A directory account has no password hash and no TOTP secret. Before the fix, the empty
    # hash was checked against the module's timing hash, whose password is in the source, and
    # an empty TOTP secret gives codes anyone can compute.
    book = UserBook(tmp_path)
    _sign_in(book, ["officer"])
    now = datetime.now(UTC)
    user, refusal = book.attempt_password("olwen", "not a real password, only for timing", now)
    assert user is None and refusal == "directory"
    assert book.attempt_password("olwen", password, now)[0] is None
    code = pyotp.TOTP("A" * 32).now()
    assert book.check_code("olwen", code, now) is None


def test_sso_sign_in_is_the_last_sign_in_the_admin_pages_show(tmp_path):
    book = UserBook(tmp_path)
    assert _sign_in(book, []) is None
    user = _sign_in(book, ["officer"])
    assert datetime.fromisoformat(user.last_sign_in) <= datetime.now(UTC)
    assert book.get("olwen").last_sign_in == user.last_sign_in
