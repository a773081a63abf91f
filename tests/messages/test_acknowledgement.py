"""The acknowledgement on submission: queued durably before the reference is shown, to the
email address or mobile number the person chose, in their language and wording, then sent
through GOV.UK Notify's client to the stand-in."""

from __future__ import annotations

from datetime import datetime

from forms_app.language.welsh import long_date
from forms_app.messages.notify import NotifyProvider
from forms_app.messages.outbox import Outbox
from forms_app.messages.sending import Sender
from tests.support.notify_standin import KEY, FakeClock, notify_config
from tests.support.walker import ANSWERS, walk


def _walk(client, start: str, answers: dict):
    def get(url):
        response = client.get(url, follow_redirects=True)
        return response.request.path, response.status_code, response.get_data(as_text=True)

    def post(url, data):
        response = client.post(url, data=data, follow_redirects=True)
        return response.request.path, response.status_code, response.get_data(as_text=True)

    return walk(get, post, start, answers)


def _queued(app_parts, ref):
    path = app_parts.messenger.path
    if not path.exists():
        return []
    with Outbox(path) as outbox:
        return outbox.for_refs([ref])


def _send_all(app_parts, notify):
    with Outbox(app_parts.messenger.path) as outbox:
        provider = NotifyProvider(notify_config(notify.url), api_key=KEY)
        report = Sender(outbox, provider, clock=FakeClock()).step()
    return report


def test_an_email_complaint_is_acknowledged_with_its_reference_date_copy_and_advocacy(
    client, app_parts, notify
):
    result = _walk(client, "/complaint/", ANSWERS["complaint"])
    (message,) = _queued(app_parts, result.reference)
    assert (message.type, message.channel) == ("acknowledgement", "email")
    assert message.recipient == "dafydd.parry@example.com"
    assert (message.language, message.wording) == ("en", "standard")
    assert _send_all(app_parts, notify).sent == 1
    (kept,) = notify.catcher.standin.by_reference(message.id)
    stored = app_parts.store.find(result.reference)
    due = app_parts.hear_back_by("complaint", datetime.fromisoformat(stored["received"]))
    assert result.reference in kept["subject"] and result.reference in kept["body"]
    assert long_date(due["respond"], "en") in kept["body"]
    assert "Mam missed her tea and medication." in kept["body"]  # a copy of what they wrote
    assert "Example Advocacy Service" in kept["body"]
    assert kept["email_address"] == "dafydd.parry@example.com"


def test_an_enquiry_by_text_is_acknowledged_by_sms_without_a_copy(client, app_parts, notify):
    result = _walk(client, "/pals/", ANSWERS["pals"])
    (message,) = _queued(app_parts, result.reference)
    assert message.channel == "sms" and message.recipient == "07700900456"
    assert _send_all(app_parts, notify).sent == 1
    (kept,) = notify.catcher.standin.by_reference(message.id)
    assert kept["type"] == "sms" and kept["phone_number"] == "07700900456"
    assert result.reference in kept["body"]
    assert ANSWERS["pals"]["details"] not in kept["body"]


def test_a_welsh_easy_read_complaint_is_acknowledged_in_welsh_easy_read(client, app_parts, notify):
    result = _walk(client, "/cy/easy-read/complaint/", ANSWERS["complaint"])
    (message,) = _queued(app_parts, result.reference)
    assert (message.language, message.wording) == ("cy", "easy-read")
    _send_all(app_parts, notify)
    (kept,) = notify.catcher.standin.by_reference(message.id)
    assert "Eich rhif cyfeirnod yw " + result.reference in kept["body"]
    assert "Dyma beth ddywedoch chi wrthym:" in kept["body"]
    assert "Ffoniwch" in kept["body"]  # the advocacy offer, in easy-read Welsh
    stored = app_parts.store.find(result.reference)
    due = app_parts.hear_back_by("complaint", datetime.fromisoformat(stored["received"]))
    assert long_date(due["respond"], "cy") in kept["body"]


def test_no_message_when_anonymous(client, app_parts):
    # Contact by post used to be here too: it is now acknowledged by letter (test_letters.py).
    result = _walk(client, "/concern/", ANSWERS["concern"])
    assert app_parts.store.find(result.reference) is not None
    assert _queued(app_parts, result.reference) == []


def test_queueing_an_acknowledgement_again_keeps_one(client, app_parts):
    result = _walk(client, "/complaint/", ANSWERS["complaint"])
    # A resent form finds its earlier reference and queues again: the message id is the same.
    assert app_parts.messenger.queue_acknowledgement(app_parts.store, result.reference) == 0
    assert len(_queued(app_parts, result.reference)) == 1


def test_the_sweep_queues_an_acknowledgement_the_submission_path_missed(
    client, app_parts, monkeypatch
):
    from forms_app.casework.messaging import Messenger, Sweep

    monkeypatch.setattr(Messenger, "queue_acknowledgement", _fail)
    result = _walk(client, "/complaint/", ANSWERS["complaint"])  # still shown its reference
    assert result.reference and _queued(app_parts, result.reference) == []
    assert Sweep(app_parts.messenger, app_parts.store)() == 1
    (message,) = _queued(app_parts, result.reference)
    assert message.type == "acknowledgement"
    assert Sweep(app_parts.messenger, app_parts.store)() == 0  # idempotent


def _fail(*_args, **_kwargs):
    raise OSError("disk full")


def test_a_submission_caught_by_the_honeypot_is_not_acknowledged_by_either_path(client, app_parts):
    from forms_app.casework.messaging import Sweep
    from tests.support.walker import csrf_token, walk_to_check

    page = walk_to_check(client, "/complaint/", ANSWERS["complaint"])
    sent = client.post(
        "/complaint/check-your-answers",
        data={"csrf_token": csrf_token(page.get_data(as_text=True)), "website": "http://x"},
    )
    assert sent.status_code == 303
    (stored,) = app_parts.store.rows("submissions")
    assert _queued(app_parts, stored["ref"]) == []
    assert Sweep(app_parts.messenger, app_parts.store)() == 0
