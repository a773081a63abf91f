"""Staff sessions: idle timeout 30 minutes, 12 hours at most, a new session at every sign-in,
and disabling an account ends its sessions at once."""

from __future__ import annotations

import json
import time

from forms_app.accounts import UserBook
from forms_app.staff.sessions import SessionStore
from tests.support.staff import PASSWORD, csrf, make_people, sign_in


def test_idle_and_absolute_limits(data_dir):
    store = SessionStore(data_dir)
    start = 1_000_000.0
    live = store.start("olive", now=start)
    assert store.load(live.token, now=start + 29 * 60)[0] is not None  # touches "last seen"
    assert store.load(live.token, now=start + 58 * 60)[0] is not None  # 29 min after that
    assert store.load(live.token, now=start + 89 * 60) == (None, "idle")
    assert store.load(live.token, now=start + 90 * 60) == (None, "none")  # gone for good
    busy = store.start("olive", now=start)
    for minutes in range(20, 12 * 60, 20):
        assert store.load(busy.token, now=start + minutes * 60)[0] is not None
    assert store.load(busy.token, now=start + 12 * 3600 + 60) == (None, "expired")
    assert store.load("made-up-token") == (None, "none")


def _session_file(data_dir):
    files = list((data_dir / "staff_sessions").glob("*.json"))
    assert len(files) == 1
    return files[0]


def test_idle_session_sends_staff_back_to_sign_in(signed_in, data_dir):
    client = signed_in("olive")
    assert client.get("/staff/").status_code == 200
    path = _session_file(data_dir)
    record = json.loads(path.read_text())
    record["seen"] = time.time() - 31 * 60
    path.write_text(json.dumps(record))
    response = client.get("/staff/cases")
    assert response.status_code == 302
    assert "reason=idle" in response.headers["Location"]
    assert "30 minutes" in client.get(response.headers["Location"]).text


def test_sign_in_rotates_the_session_and_wrong_codes_count(app, data_dir):
    secrets_by_user = make_people(data_dir, {"olive": ("Olive", ["officer"], ["home-care"])})
    client = app.test_client()
    client.get("/staff/sign-in")
    with client.session_transaction() as session:
        session["staff_token"] = "planted-before-sign-in"
        session["draft"] = "someone-elses-draft"
    sign_in(client, "olive", secrets_by_user["olive"])
    with client.session_transaction() as session:
        assert session["staff_token"] != "planted-before-sign-in"
        assert "draft" not in session  # nothing from before survives
    # A wrong code is refused and counted towards the lockout.
    other = app.test_client()
    page = other.get("/staff/sign-in")
    other.post(
        "/staff/sign-in",
        data={"username": "olive", "password": PASSWORD, "csrf_token": csrf(page.text)},
    )
    page = other.get("/staff/sign-in/code")
    refused = other.post(
        "/staff/sign-in/code", data={"code": "000000", "csrf_token": csrf(page.text)}
    )
    assert refused.status_code == 200 and "Enter the 6-digit code" in refused.text
    assert UserBook(data_dir).get("olive").failures == 1


def test_disabling_an_account_ends_its_session(signed_in, data_dir):
    client = signed_in("olive")
    assert client.get("/staff/").status_code == 200
    UserBook(data_dir).update("olive", disabled=True)
    assert client.get("/staff/").status_code == 302


def test_sign_out_ends_the_session(signed_in, data_dir):
    client = signed_in("olive")
    home = client.get("/staff/")
    response = client.post("/staff/sign-out", data={"csrf_token": csrf(home.text)})
    assert response.headers["Location"].endswith("/staff/signed-out")
    assert not list((data_dir / "staff_sessions").glob("*.json"))
    assert client.get("/staff/").status_code == 302
