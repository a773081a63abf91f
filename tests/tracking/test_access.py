"""Who may see a case on the tracking page: the one-time code sent through GOV.UK Notify (here
its stand-in), or the tracking secret shown once; codes that are wrong, used up or out of
time; and a page that never says whether a reference is ours."""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime

from forms_app.language.welsh import long_date
from forms_app.public import tracking_pages
from forms_app.public.ratelimit import Rule
from forms_app.tracking.access import access_path
from tests.support.walker import ANSWERS

from .conftest import SECRET, ask, code_from_standin, enter, messages, submit, tracked


def test_the_code_sent_through_notify_opens_the_case_with_its_stage_and_promised_date(
    client, app_parts, notify
):
    sent, page = tracked(client, app_parts, notify)
    html = page.get_data(as_text=True)
    assert page.request.path == "/track/case"
    assert sent.reference in html and "Stage 1" in html
    stored = app_parts.store.find(sent.reference)
    due = app_parts.hear_back_by("complaint", datetime.fromisoformat(stored["received"]))
    assert long_date(due["respond"], "en") in html  # the promised (working) day
    assert "We got your feedback" in html  # the acknowledgement, by title and date
    assert "Mam missed her tea" not in html  # titles only: never a message's contents
    (code,) = [m for m in messages(app_parts, sent.reference) if m.type == "tracking_code"]
    assert code.recipient == "dafydd.parry@example.com" and code.channel == "email"


def test_a_code_works_once(client, app_parts, notify):
    sent = submit(client)
    ask(client, sent.reference)
    code = code_from_standin(app_parts, notify, sent.reference)
    assert enter(client, code, follow=False).status_code == 303
    ask(client, sent.reference)  # a new code is asked for; the old one is spent
    again = enter(client, code)
    assert again.status_code == 400
    assert "That code is not right" in again.get_data(as_text=True)


def test_someone_who_gave_no_contact_uses_the_secret_shown_once(client, app_parts):
    sent = submit(client, "/concern/", ANSWERS["concern"])  # anonymous: no contact at all
    secret = SECRET.search(sent.html).group(1)
    again = client.get("/concern/confirmation").get_data(as_text=True)
    assert sent.reference in again and secret not in again  # shown once
    ask(client, sent.reference)
    assert [m for m in messages(app_parts, sent.reference) if m.type == "tracking_code"] == []
    page = enter(client, secret.lower().replace("-", " "))
    assert page.status_code == 200 and page.request.path == "/track/case"
    assert sent.reference in page.get_data(as_text=True)
    stored = sqlite3.connect(access_path(app_parts.settings.data_dir)).execute(
        "SELECT hash FROM secrets"
    )
    assert secret not in str(list(stored))  # only its hash is kept


def test_five_wrong_codes_lock_the_code_until_a_new_one_is_asked_for(client, app_parts, notify):
    sent = submit(client)
    ask(client, sent.reference)
    code = code_from_standin(app_parts, notify, sent.reference)
    wrong = "000000" if code != "000000" else "111111"
    said = [enter(client, wrong).get_data(as_text=True) for _ in range(5)]
    assert "You can try 4 more times" in said[0]
    assert "tried too many times" in said[4]
    locked = enter(client, code)
    assert locked.status_code == 400 and "tried too many times" in locked.get_data(as_text=True)
    ask(client, sent.reference)
    fresh = code_from_standin(app_parts, notify, sent.reference)
    assert enter(client, fresh).request.path == "/track/case"


def test_an_expired_code_is_refused(client, app_parts, notify):
    sent = submit(client)
    ask(client, sent.reference)
    code = code_from_standin(app_parts, notify, sent.reference)
    db = sqlite3.connect(access_path(app_parts.settings.data_dir))
    with db:
        db.execute("UPDATE codes SET expires = expires - 601")  # ten minutes and a second on
    page = enter(client, code)
    assert page.status_code == 400
    assert "has run out or has been used" in page.get_data(as_text=True)


def _normal(html: str) -> str:
    html = re.sub(r'name="csrf_token" value="[^"]+"', "", html)
    return re.sub(r'nonce="[^"]+"', "", html)


def test_the_pages_are_the_same_whether_or_not_the_reference_is_ours(app, app_parts):
    owner = app.test_client()
    sent = submit(owner)
    ours, not_ours = app.test_client(), app.test_client()
    first = ask(ours, sent.reference)
    second = ask(not_ours, "TTTT-TTTT" if sent.reference != "TTTT-TTTT" else "KKKK-KKKK")
    assert first.status_code == second.status_code == 200
    assert _normal(first.get_data(as_text=True)) == _normal(second.get_data(as_text=True))
    assert "If this reference is ours, we have sent a code" in first.get_data(as_text=True)
    for _ in range(5):
        tried = [enter(who, "123456") for who in (ours, not_ours)]
        assert tried[0].status_code == tried[1].status_code
        assert _normal(tried[0].get_data(as_text=True)) == _normal(tried[1].get_data(as_text=True))


def test_asking_and_trying_are_rate_limited_per_network_and_per_reference(
    client, app_parts, monkeypatch
):
    monkeypatch.setitem(tracking_pages.RULES, "track_address", Rule("track_address", 6, 900))
    sent = submit(client)
    for _ in range(4):
        assert ask(client, sent.reference).status_code == 200
    codes = [m for m in messages(app_parts, sent.reference) if m.type == "tracking_code"]
    assert len(codes) == tracking_pages.RULES["track_reference"].limit  # 3 codes, not 4
    assert enter(client, "000000").status_code == 400
    assert enter(client, "000000").status_code == 400
    # A reference that could be one is counted (one that cannot be is refused for its form
    # first, and costs nothing).
    refused = ask(client, "kdfh 3wxy", "")
    assert refused.status_code == 429
    assert 'value="kdfh 3wxy"' in refused.get_data(as_text=True)  # kept as typed


def test_the_page_speaks_welsh_easy_read_to_someone_who_wrote_in_it(client, app_parts, notify):
    sent, page = tracked(client, app_parts, notify, start="/cy/easy-read/complaint/")
    html = page.get_data(as_text=True)
    assert page.request.path == "/cy/easy-read/track/case"
    assert 'lang="cy"' in html
    assert "Eich neges atom" in html and "Beth sy&#39;n digwydd nesaf" in html
    stored = app_parts.store.find(sent.reference)
    due = app_parts.hear_back_by("complaint", datetime.fromisoformat(stored["received"]))
    assert f"Byddwn yn ysgrifennu atoch erbyn {long_date(due['respond'], 'cy')}" in html
    assert "Cam 1" in html  # the stage's Welsh name
    (code,) = [m for m in messages(app_parts, sent.reference) if m.type == "tracking_code"]
    assert (code.language, code.wording) == ("cy", "easy-read")
    kept = notify.catcher.standin.by_reference(code.id)[0]
    assert kept["body"].startswith("Eich cod yw ")
