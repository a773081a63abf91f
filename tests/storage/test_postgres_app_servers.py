"""Two app servers' apps on one PostgreSQL database, each with a data directory of its own: a
member of staff signed in on one is signed in on the other (accounts and sessions shared), signing
out on either ends it on both, and what both wrote to the audit log verifies as one chain.

In-process (two ``create_app`` with the same ``FORMS_APP_STORE_URL`` and secret key), so the
callers are the real pages, unchanged: the same routes as with the files."""

from __future__ import annotations

from forms_app.records import audit
from tests.support.staff import make_people, sign_in


def test_postgres_staff_signed_in_on_one_server_are_signed_in_on_the_other(two_apps):
    (one, one_dir), (other, other_dir) = two_apps
    secret = make_people(one_dir, {"olive": ("Olive Officer", ["officer"], ["home-care"])})
    first = one.test_client()
    assert sign_in(first, "olive", secret["olive"]).status_code == 302
    assert first.get("/staff/").status_code == 200

    second = other.test_client()
    assert second.get("/staff/").status_code == 302, "a new browser is not signed in"
    second.set_cookie("session", first.get_cookie("session").value)
    assert second.get("/staff/").status_code == 200, "the session is the database's"

    page = second.get("/staff/")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    second.post("/staff/sign-out", data={"csrf_token": token})
    assert first.get("/staff/").status_code == 302, "signed out on one is signed out on both"

    report = audit.verify(other_dir)
    assert report.ok and report.entries >= 2, report
    assert not (one_dir / "audit.jsonl").exists() and not (other_dir / "audit.jsonl").exists()
    assert not (one_dir / "users.json").exists()
