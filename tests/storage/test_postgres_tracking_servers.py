"""Two app servers' apps on one PostgreSQL database, each with a data directory of its own: the
tracking page's code asked for through one works through the other, the secret shown by one
opens the case on the other, and wrong tries through both count against one limit.

In-process (two ``create_app`` with the same ``FORMS_APP_STORE_URL`` and secret key), so the
callers are the real pages, unchanged: the same routes as with the files."""

from __future__ import annotations

from forms_app.messages.outbox import Outbox, outbox_path
from forms_app.tracking.access import MAX_TRIES, access_path
from tests.support.walker import ANSWERS
from tests.tracking.conftest import SECRET, ask, enter, submit


def _code_sent(data_dir, ref: str) -> str:
    """The newest code queued for ``ref`` in the shared message outbox."""
    with Outbox(outbox_path(data_dir)) as outbox:
        codes = [m for m in outbox.for_refs([ref]) if m.type == "tracking_code"]
    assert codes, "no code was queued"
    return codes[-1].values["code"]


def _moved(client, other_app):
    """A client of ``other_app`` holding ``client``'s session cookie: the same browser, sent
    to the other server by the proxy."""
    moved = other_app.test_client()
    moved.set_cookie("session", client.get_cookie("session").value)
    return moved


def test_postgres_a_tracking_code_asked_for_through_one_server_works_through_the_other(
    two_apps,
):
    (one, one_dir), (other, other_dir) = two_apps
    browser = one.test_client()
    sent = submit(browser)
    assert ask(browser, sent.reference).status_code == 200
    code = _code_sent(one_dir, sent.reference)

    page = enter(_moved(browser, other), code)
    assert page.status_code == 200 and page.request.path == "/track/case"
    assert sent.reference in page.get_data(as_text=True)
    again = enter(_moved(browser, one), code)
    assert again.status_code == 400, "the code was spent on the other server"
    assert not access_path(one_dir).exists() and not access_path(other_dir).exists()


def test_postgres_the_secret_shown_by_one_server_opens_the_case_on_the_other(two_apps):
    (one, _), (other, _) = two_apps
    sent = submit(one.test_client(), "/concern/", ANSWERS["concern"])
    secret = SECRET.search(sent.html).group(1)
    browser = other.test_client()
    ask(browser, sent.reference)
    page = enter(browser, secret)
    assert page.status_code == 200 and page.request.path == "/track/case"
    assert sent.reference in page.get_data(as_text=True)


def test_postgres_wrong_codes_through_both_servers_count_against_one_limit(two_apps):
    (one, one_dir), (other, _) = two_apps
    browser = one.test_client()
    sent = submit(browser)
    ask(browser, sent.reference)
    code = _code_sent(one_dir, sent.reference)
    wrong = "000000" if code != "000000" else "111111"
    said = [
        enter(_moved(browser, (one, other)[n % 2]), wrong).get_data(as_text=True)
        for n in range(MAX_TRIES)
    ]
    assert "You can try 4 more times" in said[0] and "You can try 1 more time" in said[3]
    assert "tried too many times" in said[MAX_TRIES - 1]
    locked = enter(_moved(browser, one), code)
    assert locked.status_code == 400 and "tried too many times" in locked.get_data(as_text=True)
