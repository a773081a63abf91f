"""People who chose to be contacted by post: the acknowledgement and the updates go as letters,
through GOV.UK Notify's own client to the stand-in over real HTTP (which checks the address as
Notify does), or, with SMTP, onto the staff's list of letters to print and post. The
acknowledgement letter carries the case's tracking secret, kept only until it is sent."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import time
from datetime import datetime

import jwt
import pytest
import requests

from forms_app.casework.messaging import Sweep, postal_address
from forms_app.demo.catcher import Catcher, Served
from forms_app.demo.notify_standin import NotifyStandIn
from forms_app.language.welsh import long_date
from forms_app.messages.config import default_template_id, messages_config
from forms_app.messages.notify import NotifyProvider
from forms_app.messages.outbox import FAILED, SENT, TO_POST, Message, Outbox
from forms_app.messages.providers import SmtpProvider
from forms_app.messages.sending import Sender
from tests.support.notify_standin import KEY, FakeClock, notify_config
from tests.support.served import free_port
from tests.support.walker import ANSWERS
from tests.tracking.conftest import SECRET, ask, enter

from .test_acknowledgement import _walk

SERVICE, KEY_SECRET = KEY[-73:-37], KEY[-36:]
BY_POST = {
    **ANSWERS["complaint"],
    "preferred_contact": "post",
    "address": "1 Heol y Felin\nTrefenghraifft",
    "postcode": "cf10 1aa",
}
#: A tracking secret as the letter prints it: four groups of five.
LETTER_SECRET = re.compile(r"\b([A-Z0-9]{5}(?:-[A-Z0-9]{5}){3})\b")


def _queued(app_parts, ref):
    with Outbox(app_parts.messenger.path) as outbox:
        return outbox.for_refs([ref])


def _notify_sender(outbox, url, clock=None):
    return Sender(
        outbox, NotifyProvider(notify_config(url), api_key=KEY), clock=clock or FakeClock()
    )


def _send_by_notify(app_parts, url):
    with Outbox(app_parts.messenger.path) as outbox:
        return _notify_sender(outbox, url).step()


def _outbox_bytes(app_parts) -> bytes:
    path = app_parts.messenger.path
    found = b""
    for name in (path, path.with_name(path.name + "-wal")):
        if name.exists():
            found += name.read_bytes()
    return found


def test_a_postal_acknowledgement_goes_as_a_letter_through_notifys_client(
    client, app_parts, notify
):
    result = _walk(client, "/complaint/", BY_POST)
    (message,) = _queued(app_parts, result.reference)
    assert (message.type, message.channel) == ("acknowledgement", "letter")
    assert message.recipient.splitlines() == [
        "Dafydd Parry",
        "1 Heol y Felin",
        "Trefenghraifft",
        "CF10 1AA",
    ]
    assert _send_by_notify(app_parts, notify.url).sent == 1
    (kept,) = notify.catcher.standin.by_reference(message.id)
    assert kept["type"] == "letter" and kept["postage"] == "second"
    assert [kept[f"line_{n}"] for n in range(1, 5)] == message.recipient.splitlines()
    assert result.reference in kept["subject"] and result.reference in kept["body"]
    stored = app_parts.store.find(result.reference)
    due = app_parts.hear_back_by("complaint", datetime.fromisoformat(stored["received"]))
    assert long_date(due["respond"], "en") in kept["body"]
    assert "Mam missed her tea" not in kept["body"]  # no copy of what they wrote by post
    assert "http://127.0.0.1:5000/track" in kept["body"]
    secret = LETTER_SECRET.search(kept["body"]).group(1)
    # Sent: the outbox keeps the letter, but no longer its secret (nor does its file).
    (sent,) = _queued(app_parts, result.reference)
    assert sent.state == SENT and sent.values["tracking"] == ""
    assert secret.encode() not in _outbox_bytes(app_parts)


def test_the_letter_carries_the_secret_the_confirmation_page_showed_and_it_opens_the_case(
    client, app_parts, notify
):
    result = _walk(client, "/complaint/", BY_POST)
    shown = SECRET.search(result.final_html).group(1)
    _send_by_notify(app_parts, notify.url)
    (message,) = _queued(app_parts, result.reference)
    (kept,) = notify.catcher.standin.by_reference(message.id)
    posted = LETTER_SECRET.search(kept["body"]).group(1)
    assert posted == shown  # one secret per case: on the screen once, and on paper
    ask(client, result.reference)
    page = enter(client, posted)
    assert page.status_code == 200 and page.request.path == "/track/case"
    assert result.reference in page.get_data(as_text=True)


def test_a_welsh_easy_read_person_gets_a_welsh_easy_read_letter(client, app_parts, notify):
    result = _walk(client, "/cy/easy-read/complaint/", BY_POST)
    (message,) = _queued(app_parts, result.reference)
    assert (message.channel, message.language, message.wording) == ("letter", "cy", "easy-read")
    _send_by_notify(app_parts, notify.url)
    (kept,) = notify.catcher.standin.by_reference(message.id)
    assert "Eich rhif cyfeirnod yw " + result.reference in kept["body"]
    assert "Cadwch y llythyr hwn yn ddiogel" in kept["body"]
    assert "http://127.0.0.1:5000/cy/easy-read/track" in kept["body"]
    assert "cod cyfrinachol hwn:" in kept["body"] and LETTER_SECRET.search(kept["body"])
    stored = app_parts.store.find(result.reference)
    due = app_parts.hear_back_by("complaint", datetime.fromisoformat(stored["received"]))
    assert long_date(due["respond"], "cy") in kept["body"]
    assert "We have received" not in kept["body"]


def test_updates_go_by_letter_in_the_persons_language_and_wording(client, app_parts, notify):
    result = _walk(client, "/cy/young-people/complaint/", BY_POST)
    submission = app_parts.store.find(result.reference)
    personal = app_parts.store.find_personal(result.reference)
    row = {
        "ref": result.reference,
        "type": "paused",
        "event_id": "e-1",
        "note": "Aros am adroddiad",
    }
    (update,) = app_parts.messenger.update(submission, personal, row)
    assert (update.channel, update.language, update.wording) == ("letter", "cy", "young-people")
    app_parts.messenger.queue([update])
    _send_by_notify(app_parts, notify.url)
    (kept,) = notify.catcher.standin.by_reference(update.id)
    assert kept["type"] == "letter" and kept["line_1"] == "Dafydd Parry"
    assert "Aros am adroddiad" in kept["body"] and result.reference in kept["body"]


def test_email_and_text_acknowledgements_say_how_to_track_without_a_secret(
    client, app_parts, notify
):
    emailed = _walk(client, "/complaint/", ANSWERS["complaint"])
    texted = _walk(client, "/pals/", ANSWERS["pals"])
    _send_by_notify(app_parts, notify.url)
    for reference, words in (
        (emailed.reference, "We will send a code to this email address."),
        (texted.reference, "Track it at http://127.0.0.1:5000/track"),
    ):
        (message,) = _queued(app_parts, reference)
        (kept,) = notify.catcher.standin.by_reference(message.id)
        assert words in kept["body"] and "http://127.0.0.1:5000/track" in kept["body"]
        assert not LETTER_SECRET.search(kept["body"])


def test_a_tracking_code_is_never_posted(client, app_parts):
    result = _walk(client, "/complaint/", BY_POST)
    submission = app_parts.store.find(result.reference)
    personal = app_parts.store.find_personal(result.reference)
    assert personal["preferred_contact"] == "post" and not personal["email"]
    assert app_parts.messenger.tracking_code(submission, personal, "123456", 10) == []
    # Chose post but gave an email address too (as staff may record): the code is emailed.
    with_email = {**personal, "email": "dafydd.parry@example.com"}
    (code,) = app_parts.messenger.tracking_code(submission, with_email, "123456", 10)
    assert code.channel == "email" and code.recipient == "dafydd.parry@example.com"


def test_a_letter_is_queued_once_and_sent_once(client, app_parts, notify, faults):
    result = _walk(client, "/complaint/", BY_POST)
    store, messenger = app_parts.store, app_parts.messenger
    assert messenger.queue_acknowledgement(store, result.reference, "ABCDE-FGHJK-MNPQR-STVWX") == 0
    assert Sweep(messenger, store)() == 0
    (queued,) = _queued(app_parts, result.reference)
    assert "ABCDE-FGHJK" not in queued.values["tracking"]  # the first, with its secret, stays
    clock = FakeClock()
    with Outbox(messenger.path) as outbox:
        sender = _notify_sender(outbox, notify.url, clock)
        faults.script = ["500-after"]  # Notify kept the letter but answered with an error
        assert sender.step().retrying == 1
        clock.sleep(3600)
        assert sender.step().found_sent == 1
        assert sender.step().handled == 0
    assert notify.catcher.standin.counts_by_reference() == {queued.id: 1}
    (sent,) = _queued(app_parts, result.reference)
    assert sent.state == SENT and sent.values["tracking"] == ""


def test_the_sweep_makes_a_letter_without_a_secret_that_says_to_contact_us(
    client, app_parts, monkeypatch
):
    from forms_app.casework.messaging import Messenger

    monkeypatch.setattr(Messenger, "queue_acknowledgement", _fail)
    result = _walk(client, "/complaint/", BY_POST)
    assert Sweep(app_parts.messenger, app_parts.store)() == 1
    (message,) = _queued(app_parts, result.reference)
    assert message.channel == "letter"
    assert message.values["tracking"] == (
        "To find out where your feedback is, contact us and quote your reference."
    )


def _fail(*_args, **_kwargs):
    raise OSError("disk full")


# -- the stand-in is as strict as Notify about letters ---------------------------------------


def _token():
    claims = {"iss": SERVICE, "iat": int(time.time())}
    return jwt.encode(claims, KEY_SECRET, algorithm="HS256", headers={"typ": "JWT"})


def _letter_template_id() -> str:
    return default_template_id("withdrawn.en.standard.letter")


def _post_letter(url, personalisation):
    return requests.post(
        f"{url}/v2/notifications/letter",
        json={"template_id": _letter_template_id(), "personalisation": personalisation},
        headers={"Authorization": f"Bearer {_token()}"},
        timeout=5,
    )


VALUES = {"org_name": "Riverside", "reference": "ABCD-1234"}
GOOD = ["Rhian Evans", "2 Ffordd y Parc", "Caerdydd", "CF10 1AA"]


def _lines(lines):
    return {f"address_line_{n}": line for n, line in enumerate(lines, start=1)}


@pytest.mark.parametrize(
    "lines, message",
    [
        (["Rhian Evans", "CF10 1AA"], "Address must be at least 3 lines"),
        (["Rhian Evans", "", "  ", "CF10 1AA"], "Address must be at least 3 lines"),
        ([*GOOD[:-1], "a\nb", "c\nd", "CF10 1AA"], "Address must be no more than 7 lines"),
        (["Rhian Evans", "2 Ffordd y Parc", "Caerdydd"], "real UK postcode or another country"),
        (["Rhian Evans", "2 Ffordd y Parc", "Caerdydd", "CF10 1CA"], "real UK postcode"),
        (["Rhian Evans", "2 Ffordd y Parc", "United Kingdom"], "real UK postcode or another"),
        (["Rhian Evans", "--", "Caerdydd", "CF10 1AA"], "must include alphanumeric characters"),
        (["Rhian Evans", "@2 Ffordd y Parc", "Caerdydd", "CF10 1AA"], "must not start with"),
        (["Rhian Evans", "No fixed abode", "Caerdydd", "CF10 1AA"], "Must be a real address"),
    ],
)
def test_the_stand_in_refuses_a_bad_address_as_notify_does(notify, lines, message):
    reply = _post_letter(notify.url, {**VALUES, **_lines(lines)})
    assert reply.status_code == 400
    body = reply.json()
    assert body["status_code"] == 400
    assert body["errors"][0]["error"] == "ValidationError"
    assert message in body["errors"][0]["message"]
    assert notify.catcher.standin.notifications == []


def test_the_stand_in_wants_the_first_address_line_and_the_templates_values(notify):
    reply = _post_letter(notify.url, {**VALUES, "address_line_2": "x"})
    assert reply.status_code == 400
    assert reply.json()["errors"] == [
        {
            "error": "ValidationError",
            "message": "personalisation address_line_1 is a required property",
        }
    ]
    reply = _post_letter(notify.url, {"reference": "ABCD-1234", **_lines(GOOD)})
    assert reply.json()["errors"][0] == {
        "error": "BadRequestError",
        "message": "Missing personalisation: org_name",
    }


@pytest.mark.parametrize("last", ["CF10 1AA", "cf101aa", "Ireland", "France"])
def test_the_stand_in_takes_a_uk_postcode_or_another_country_last(notify, last):
    reply = _post_letter(notify.url, {**VALUES, **_lines([*GOOD[:-1], last])})
    assert reply.status_code == 201, reply.text
    assert reply.json()["postage"] == "second"


@pytest.mark.parametrize(
    "standin, status, words",
    [
        (dict(key_type="team"), 403, "Cannot send letters with a team api key"),
        (dict(trial_mode=True), 400, "Cannot send letters when service is in trial mode"),
    ],
)
def test_a_team_key_or_a_service_in_trial_mode_cannot_send_letters(
    tmp_path, standin, status, words
):
    served = Served(Catcher(NotifyStandIn(api_key=KEY, **standin)), free_port()).start()
    try:
        reply = _post_letter(served.url, {**VALUES, **_lines(GOOD)})
        assert reply.status_code == status
        (error,) = reply.json()["errors"]
        assert error["error"] == "BadRequestError" and words in error["message"]
        with Outbox(tmp_path / "o.sqlite3") as outbox:
            outbox.queue([_letter_message()])
            report = _notify_sender(outbox, served.url).step()
            assert report.failed == 1
            (failed,) = outbox.failed()
            assert failed.state == FAILED and words in failed.reason
            assert "Rhian" not in failed.reason
        # The same key and service still send an email.
        email = requests.post(
            f"{served.url}/v2/notifications/email",
            json={
                "template_id": default_template_id("withdrawn.en.standard.email"),
                "email_address": "rhian.evans@example.com",
                "personalisation": VALUES,
            },
            headers={"Authorization": f"Bearer {_token()}"},
            timeout=5,
        )
        assert email.status_code == 201, email.text
    finally:
        served.stop()


def _letter_message(**changes) -> Message:
    fields = dict(
        id="letter-1",
        ref="ABCD-1234",
        type="closed",
        channel="letter",
        recipient="\n".join(GOOD),
        language="en",
        wording="standard",
        values=dict(VALUES),
    )
    fields.update(changes)
    return Message(**fields)


def test_a_letter_notify_refuses_for_its_address_fails_with_notifys_reason(tmp_path, notify):
    with Outbox(tmp_path / "o.sqlite3") as outbox:
        outbox.queue([_letter_message(recipient="Rhian Evans\nCF10 1AA")])
        assert _notify_sender(outbox, notify.url).step().failed == 1
        (failed,) = outbox.failed()
        assert "400" in failed.reason and "Address must be at least 3 lines" in failed.reason


def test_the_catcher_lists_a_letter_with_its_address_as_recipient(tmp_path, notify):
    with Outbox(tmp_path / "o.sqlite3") as outbox:
        outbox.queue([_letter_message()])
        assert _notify_sender(outbox, notify.url).step().sent == 1
    listed = requests.get(f"{notify.url}/messages.json", timeout=5).json()["messages"]
    (letter,) = listed
    assert letter["channel"] == "letter" and letter["via"] == "notify"
    assert letter["recipient"] == "Rhian Evans, 2 Ffordd y Parc, Caerdydd, CF10 1AA"
    assert letter["subject"] == "Your case is closed: ABCD-1234"
    page = requests.get(f"{notify.url}/", timeout=5).text
    assert "Rhian Evans, 2 Ffordd y Parc" in page and "(letter)" in page


# -- SMTP: letters to print and post by hand ---------------------------------------------------


def _smtp_step(app_parts):
    config = messages_config(
        {
            # Nothing listens here: a letter never reaches the mail server.
            "email": {"host": "127.0.0.1", "port": free_port(), "tls": "none"},
            "messages": {"provider": "smtp"},
        }
    )
    with Outbox(app_parts.messenger.path) as outbox:
        return Sender(outbox, SmtpProvider(config), clock=FakeClock()).step()


def _pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    # Lines wrap where the page is full: compare words, not where the lines break.
    return " ".join(text.split())


def test_with_smtp_a_letter_waits_for_staff_to_print_and_mark_as_posted(
    app, app_parts, signed_in, tmp_path
):
    result = _walk(app.test_client(), "/complaint/", BY_POST)
    shown = SECRET.search(result.final_html).group(1)
    assert _smtp_step(app_parts).to_post == 1
    (waiting,) = _queued(app_parts, result.reference)
    assert waiting.state == TO_POST
    assert _smtp_step(app_parts).handled == 0  # no longer due: it waits for staff
    olive = signed_in("olive")
    listed = olive.get("/staff/messages/to-post").get_data(as_text=True)
    assert result.reference in listed and "Acknowledgement of their feedback" in listed
    assert "Letters to post" in listed and "Mark as posted" in listed
    pdf = olive.get(f"/staff/messages/to-post/{waiting.id}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Cache-Control"] == "no-store"
    text = _pdf_text(pdf.data, tmp_path)
    assert result.reference in text and "CF10 1AA" in text and "Dafydd Parry" in text
    assert shown in text  # the tracking secret, printed for the person
    assert shown.encode() in _outbox_bytes(app_parts)  # kept until posted
    token = re.search(r'name="csrf_token" value="([^"]+)"', listed).group(1)
    posted = olive.post(
        "/staff/messages/to-post",
        data={"csrf_token": token, "message": waiting.id},
        follow_redirects=True,
    )
    assert "is marked as posted" in posted.get_data(as_text=True)
    (sent,) = _queued(app_parts, result.reference)
    assert sent.state == SENT and sent.provider_id == "posted by olive"
    assert sent.values["tracking"] == "" and shown.encode() not in _outbox_bytes(app_parts)
    assert result.reference not in olive.get("/staff/messages/to-post").get_data(as_text=True)
    assert olive.get(f"/staff/messages/to-post/{waiting.id}.pdf").status_code == 404
    again = olive.post(
        "/staff/messages/to-post",
        data={"csrf_token": token, "message": waiting.id},
        follow_redirects=True,
    )
    assert "had already been marked as posted" in again.get_data(as_text=True)
    (still,) = _queued(app_parts, result.reference)
    assert still.sent_at == sent.sent_at
    case = olive.get(f"/staff/cases/{result.reference}").get_data(as_text=True)
    assert "Letter" in case and "Sent" in case


def test_a_welsh_letter_to_post_prints_in_welsh(app, app_parts, signed_in, tmp_path):
    result = _walk(app.test_client(), "/cy/complaint/", BY_POST)
    _smtp_step(app_parts)
    (waiting,) = _queued(app_parts, result.reference)
    pdf = signed_in("olive").get(f"/staff/messages/to-post/{waiting.id}.pdf")
    assert (pdf.status_code, pdf.mimetype) == (200, "application/pdf"), pdf.data[:400]
    text = _pdf_text(pdf.data, tmp_path)
    assert "Eich cyfeirnod yw" in text and "Yn gywir" in text
    assert "/cy/track" in text.replace("/ track", "/track")


def test_letters_to_post_are_for_staff_only(app, app_parts, client):
    assert client.get("/staff/messages/to-post").status_code in (302, 303, 401, 403, 404)


# -- the address and the outbox --------------------------------------------------------------


@pytest.mark.parametrize(
    "personal, lines",
    [
        (
            {"name": "Rhian Evans", "address": "2 Ffordd y Parc, Caerdydd", "postcode": ""},
            ["Rhian Evans", "2 Ffordd y Parc", "Caerdydd"],
        ),
        (
            {
                "name": "",
                "address": "Flat 3\n2 Ffordd y Parc\nCaerdydd\nCF10 1AA",
                "postcode": "CF10 1AA",
            },
            ["Flat 3", "2 Ffordd y Parc", "Caerdydd", "CF10 1AA"],
        ),
        (
            {"name": "Rhian Evans", "address": "a\nb\nc\nd\ne\nf\ng", "postcode": "CF10 1AA"},
            ["Rhian Evans", "a", "b", "c", "d", "e, f, g", "CF10 1AA"],
        ),
        ({"name": "Rhian Evans", "address": "", "postcode": "CF10 1AA"}, None),
    ],
)
def test_the_address_a_letter_goes_to(personal, lines):
    made = postal_address(personal)
    assert (made.splitlines() if made else None) == lines


def test_an_outbox_made_before_letters_takes_letters_and_keeps_its_messages(tmp_path):
    path = tmp_path / "o.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE TABLE messages (
            id TEXT PRIMARY KEY, ref TEXT NOT NULL, type TEXT NOT NULL,
            channel TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
            recipient TEXT NOT NULL, language TEXT NOT NULL, wording TEXT NOT NULL,
            payload TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0, next_try REAL NOT NULL, queued_at REAL NOT NULL,
            sent_at REAL, provider_id TEXT, reason TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX messages_due ON messages (state, next_try);
        INSERT INTO messages VALUES ('old-1', 'ABCD-1234', 'closed', 'email', 'a@example.com',
            'en', 'standard', '{}', 'sent', 1, 0, 0, 1, 'n-1', '');
        """
    )
    db.close()
    with Outbox(path) as outbox:
        assert outbox.queue([_letter_message()]) == 1
        outbox.mark_to_post("letter-1", "to post")
        assert [m.id for m in outbox.to_post()] == ["letter-1"]
        assert {m.id for m in outbox.for_refs(["ABCD-1234"])} == {"old-1", "letter-1"}
        assert outbox.counts()["sent"] == 1


def test_an_acknowledgement_queued_before_tracking_was_added_is_still_sent(tmp_path, notify):
    values = {"org_name": "Riverside", "reference": "ABCD-1234", "next_steps": "", "advocacy": ""}
    before = _letter_message(
        id="old-ack", type="acknowledgement", values={**values, "copy": ""}, channel="email"
    )
    before.recipient = "rhian.evans@example.com"
    with Outbox(tmp_path / "o.sqlite3") as outbox:
        outbox.queue([before])
        assert _notify_sender(outbox, notify.url).step().sent == 1
    (kept,) = notify.catcher.standin.by_reference("old-ack")
    assert "ABCD-1234" in kept["body"]


def test_an_officer_sees_and_posts_only_the_letters_of_cases_they_may_open(
    app, app_parts, signed_in
):
    result = _walk(app.test_client(), "/complaint/", BY_POST)  # a home-care complaint
    _smtp_step(app_parts)
    (waiting,) = _queued(app_parts, result.reference)
    oscar = signed_in("oscar")  # an officer for mental health only
    listed = oscar.get("/staff/messages/to-post").get_data(as_text=True)
    assert result.reference not in listed and "Dafydd" not in listed
    assert oscar.get(f"/staff/messages/to-post/{waiting.id}.pdf").status_code == 404
    token = re.search(r'name="csrf_token" value="([^"]+)"', listed).group(1)
    refused = oscar.post(
        "/staff/messages/to-post", data={"csrf_token": token, "message": waiting.id}
    )
    assert refused.status_code == 404
    (still,) = _queued(app_parts, result.reference)
    assert still.state == TO_POST
