"""The step between the password and the one-time code is kept on the server: the cookie holds
only a random id, which is used once, ends after a few wrong codes, after a few minutes, or when
the password is typed again, so no cookie (forged with the secret key, or replayed) can stand in
for the password."""

from __future__ import annotations

import time

import pyotp

from forms_app.staff.auth import PENDING, TOKEN
from forms_app.staff.sessions import MAX_CODE_TRIES, PENDING_SECONDS, PendingStore
from tests.support.staff import PASSWORD, csrf, make_people, sign_in

OLIVE = {"olive": ("Olive Officer", ["officer"], ["home-care"])}


def _code_page(client):
    """The code page's CSRF token, read from the sign-in page when the code page sends the
    browser back (both carry the same token for this session)."""
    page = client.get("/staff/sign-in/code")
    if page.status_code == 302:
        page = client.get("/staff/sign-in")
    return csrf(page.text)


def _post_code(client, code):
    return client.post("/staff/sign-in/code", data={"code": code, "csrf_token": _code_page(client)})


def _password(client):
    page = client.get("/staff/sign-in")
    return client.post(
        "/staff/sign-in",
        data={"username": "olive", "password": PASSWORD, "csrf_token": csrf(page.text)},
    )


def _signed_in(client) -> bool:
    return client.get("/staff/").status_code == 200


def test_a_forged_pending_cookie_and_a_code_never_sign_in(app, data_dir):
    secret = make_people(data_dir, OLIVE)["olive"]
    client = app.test_client()
    client.get("/staff/sign-in")
    # What anyone holding the secret key can write into the signed cookie: who, and when.
    with client.session_transaction() as session:
        session[PENDING] = {"user": "olive", "at": time.time()}
    response = _post_code(client, pyotp.TOTP(secret).now())
    assert "/staff/sign-in" in response.headers.get("Location", "")
    assert "/sign-in/code" not in response.headers.get("Location", "")
    assert not _signed_in(client)
    # A made-up id in the cookie is no better.
    with client.session_transaction() as session:
        session[PENDING] = "made-up-pending-id"
    _post_code(client, pyotp.TOTP(secret).now())
    assert not _signed_in(client)


def test_a_code_without_the_password_step_never_works(app, data_dir):
    secret = make_people(data_dir, OLIVE)["olive"]
    client = app.test_client()
    response = _post_code(client, pyotp.TOTP(secret).now())
    assert response.status_code == 302 and not _signed_in(client)


def test_the_pending_cookie_is_worth_nothing_after_sign_in(app, data_dir):
    secret = make_people(data_dir, OLIVE)["olive"]
    client = app.test_client()
    assert _password(client).status_code == 302
    with client.session_transaction() as session:
        kept = dict(session)  # the cookie as it was between the two steps
    now = time.time()
    first = _post_code(client, pyotp.TOTP(secret).at(now))
    assert first.status_code == 302 and _signed_in(client)
    # Someone who copied the cookie between the steps replays it with the next valid code.
    thief = app.test_client()
    thief.get("/staff/sign-in")
    with thief.session_transaction() as session:
        session.clear()
        session.update(kept)
        session.pop(TOKEN, None)
    _post_code(thief, pyotp.TOTP(secret).at(now + 30))
    assert not _signed_in(thief)


def test_the_pending_state_cannot_be_used_twice(data_dir):
    store = PendingStore(data_dir)
    pending = store.start("olive")
    taken = store.take(pending.token)
    assert taken is not None and taken.username == "olive"
    assert store.take(pending.token) is None
    assert store.peek(pending.token) is None


def test_the_pending_state_ends_after_a_few_minutes(data_dir):
    store = PendingStore(data_dir)
    start = time.time()
    pending = store.start("olive", now=start)
    assert store.peek(pending.token, now=start + PENDING_SECONDS - 5) is not None
    assert store.take(pending.token, now=start + PENDING_SECONDS + 1) is None
    assert not list((data_dir / "staff_pending").iterdir())


def test_wrong_codes_end_the_pending_state(app, data_dir):
    secret = make_people(data_dir, OLIVE)["olive"]
    client = app.test_client()
    _password(client)
    for _ in range(MAX_CODE_TRIES - 1):
        refused = _post_code(client, "000000")
        assert refused.status_code == 200 and "Enter the 6-digit code" in refused.text
    last = _post_code(client, "000000")
    assert last.status_code == 302 and "reason=tries" in last.headers["Location"]
    _post_code(client, pyotp.TOTP(secret).now())
    assert not _signed_in(client)
    assert not list((data_dir / "staff_pending").glob("*"))


def test_typing_the_password_again_ends_the_earlier_pending_state(app, data_dir):
    make_people(data_dir, OLIVE)
    client = app.test_client()
    _password(client)
    with client.session_transaction() as session:
        first = session[PENDING]
    _password(client)
    with client.session_transaction() as session:
        second = session[PENDING]
    assert first != second
    store = PendingStore(data_dir)
    assert store.peek(first) is None and store.peek(second) is not None


def test_signing_in_still_works_through_both_pages(app, data_dir):
    secret = make_people(data_dir, OLIVE)["olive"]
    client = app.test_client()
    response = sign_in(client, "olive", secret)
    assert response.status_code == 302 and _signed_in(client)
    assert not list((data_dir / "staff_pending").glob("*"))
