"""Email through a real SMTP server (aiosmtpd), and the demo catcher's page and
``/messages.json`` showing what would have been sent, by SMTP and Notify alike."""

from __future__ import annotations

import json
import urllib.request

import pytest
from aiosmtpd.controller import Controller

from forms_app.messages.config import messages_config
from forms_app.messages.outbox import Message, Outbox
from forms_app.messages.providers import Refused, SmtpProvider, TryLater
from forms_app.messages.sending import Sender
from tests.support import notify_standin
from tests.support.notify_standin import FakeClock
from tests.support.served import free_port


def _smtp_config(port: int):
    return messages_config(
        {
            "email": {"host": "127.0.0.1", "port": port, "tls": "none", "from": "f@example.org"},
            "messages": {"provider": "smtp"},
        }
    )


def _message(channel="email", recipient="nia.hughes@example.com") -> Message:
    return Message(
        id="m-1",
        ref="WXYZ-0001",
        type="extended",
        channel=channel,
        recipient=recipient,
        language="cy",
        wording="young-people",
        values={
            "org_name": "Iechyd a Gofal Glan yr Afon",
            "reference": "WXYZ-0001",
            "new_date": "8 Ionawr 2027",
            "reason": "Rydym yn aros am adroddiad.",
        },
    )


@pytest.fixture
def catcher():
    served = notify_standin.serve(smtp=True)
    yield served
    served.stop()


def _caught(url):
    with urllib.request.urlopen(f"{url}/messages.json", timeout=5) as reply:
        return json.load(reply)["messages"]


def test_an_email_through_smtp_reaches_the_catcher_in_welsh(tmp_path, catcher):
    config = _smtp_config(catcher.smtp.port)
    with Outbox(tmp_path / "o.sqlite3") as outbox:
        outbox.queue([_message()])
        assert Sender(outbox, SmtpProvider(config), clock=FakeClock()).step().sent == 1
    (caught,) = _caught(catcher.url)
    assert caught["via"] == "smtp" and caught["recipient"] == "nia.hughes@example.com"
    assert caught["subject"] == "Mae angen ychydig mwy o amser arnom: WXYZ-0001"
    assert "8 Ionawr 2027" in caught["body"] and "Rydym yn aros am adroddiad." in caught["body"]
    page = urllib.request.urlopen(f"{catcher.url}/", timeout=5).read().decode("utf-8")
    assert "Mae angen ychydig mwy o amser arnom: WXYZ-0001" in page


def test_a_text_message_needs_notify_and_fails_with_that_reason(tmp_path, catcher):
    config = _smtp_config(catcher.smtp.port)
    with Outbox(tmp_path / "o.sqlite3") as outbox:
        outbox.queue([_message(channel="sms", recipient="07700900123")])
        Sender(outbox, SmtpProvider(config), clock=FakeClock()).step()
        assert "need GOV.UK Notify" in outbox.failed()[0].reason
    assert _caught(catcher.url) == []


def test_an_address_the_server_refuses_is_a_permanent_failure():
    class Refusing:
        async def handle_RCPT(self, _server, _session, _envelope, _address, _options):
            return "550 5.1.1 No such mailbox"

    port = free_port()
    controller = Controller(Refusing(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with pytest.raises(Refused):
            SmtpProvider(_smtp_config(port)).send(_message())
    finally:
        controller.stop()


def test_a_mail_server_that_cannot_be_reached_means_try_later():
    with pytest.raises(TryLater):
        SmtpProvider(_smtp_config(free_port())).send(_message())


def test_the_catcher_lists_notify_messages_with_recipient_subject_body_and_time(catcher):
    from forms_app.messages.notify import NotifyProvider

    provider = NotifyProvider(notify_standin.notify_config(catcher.url), api_key=notify_standin.KEY)
    provider.send(_message())
    (caught,) = _caught(catcher.url)
    assert caught["via"] == "notify" and caught["channel"] == "email"
    assert set(caught) >= {"recipient", "subject", "body", "time"}
    assert caught["subject"].endswith("WXYZ-0001")
