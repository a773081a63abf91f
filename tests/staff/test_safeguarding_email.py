"""A real SMTP server on loopback (aiosmtpd): the safeguarding lead is alerted when a case is
flagged (queued in the message outbox at that moment and sent by the message worker's next
step; no personal details in the email; the flag is on the lead's home page too), and a
produced letter can be emailed to the person who chose email (queued in the same outbox)."""

from __future__ import annotations

import re
import socket
import threading

import pytest
import yaml
from aiosmtpd.controller import Controller

from forms_app import create_app
from forms_app.organisation.settings import EXAMPLE_SETTINGS
from tests.support.message_worker import deliver
from tests.support.staff import csrf, make_people, sign_in, submit


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """What the SMTP server was sent. Reading ``messages`` first runs a step of the message
    worker (``deliver``, set by the fixture), as the worker beside ``make run`` would within
    seconds: the safeguarding alert goes through the message outbox."""

    def __init__(self):
        self.received = []
        self.deliver = None

    @property
    def messages(self):
        # Only the test itself delivers: the SMTP server's own thread must not send to itself.
        if self.deliver is not None and threading.current_thread() is threading.main_thread():
            self.deliver()
        return self.received

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.received.append((envelope.rcpt_tos, envelope.content.decode("utf-8")))
        return "250 OK"


@pytest.fixture
def mailed(tmp_path, data_dir):
    """(app, inbox, {user: TOTP secret}, ref) with email pointed at a loopback SMTP server."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        settings = yaml.safe_load(EXAMPLE_SETTINGS.read_text())
        settings["email"] = {
            "host": "127.0.0.1",
            "port": controller.port,
            "tls": "none",
            "from": "casework@riverside.example.org",
            "safeguarding_to": ["safeguarding-team@riverside.example.org"],
        }
        # A letter emailed is one of the person's messages: it goes through the provider.
        settings["messages"] = {**settings.get("messages", {}), "provider": "smtp"}
        path = tmp_path / "settings.yaml"
        path.write_text(yaml.safe_dump(settings))
        app = create_app(str(path))
        app.config.update(TESTING=True)
        with app.app_context():
            from forms_app.web.parts import parts

            secrets_by_user = make_people(parts().settings.data_dir)
            ref = submit(
                parts(), service="home-care", name="Gwenllian Example", preferred_contact="email"
            )
            app_parts = parts()
        inbox.deliver = lambda: deliver(app_parts)
        yield app, inbox, secrets_by_user, ref
    finally:
        controller.stop()


def test_safeguarding_flag_emails_the_lead(mailed):
    app, inbox, secrets_by_user, ref = mailed
    client = app.test_client()
    sign_in(client, "olive", secrets_by_user["olive"])
    page = client.get(f"/staff/cases/{ref}/do/flag")
    response = client.post(
        f"/staff/cases/{ref}/do/flag",
        data={
            "flag": "safeguarding",
            "detail": "Unexplained bruising on her arm",
            "csrf_token": csrf(page.text),
        },
    )
    assert response.status_code == 302
    assert "alerted by email" in client.get(response.headers["Location"]).text
    assert len(inbox.messages) == 1
    recipients, content = inbox.messages[0]
    assert set(recipients) == {"sam@staff.example.org", "safeguarding-team@riverside.example.org"}
    assert f"Safeguarding: case {ref}" in content
    assert "Gwenllian" not in content and "bruising" not in content  # nothing personal by email
    lead = app.test_client()
    sign_in(lead, "sam", secrets_by_user["sam"])
    home = lead.get("/staff/").text
    assert ref in home and "Unexplained bruising" in home


def test_a_letter_is_emailed_to_the_person(mailed):
    app, inbox, secrets_by_user, ref = mailed
    client = app.test_client()
    sign_in(client, "olive", secrets_by_user["olive"])
    draft = client.get(f"/staff/cases/{ref}/letters/new/acknowledgement")
    text = re.search(r"<textarea[^>]*>(.*?)</textarea>", draft.text, re.S).group(1)
    import html

    produced = client.post(
        f"/staff/cases/{ref}/letters/new/acknowledgement",
        data={"text": html.unescape(text), "csrf_token": csrf(draft.text)},
    )
    letter = client.get(produced.headers["Location"])
    assert "Email this letter to alys@example.com" in letter.text
    sent = client.post(
        f"{produced.headers['Location']}/email", data={"csrf_token": csrf(letter.text)}
    )
    assert "The letter is queued to send by email." in client.get(sent.headers["Location"]).text
    recipients, content = inbox.messages[-1]
    assert recipients == ["alys@example.com"]
    assert "Dear Gwenllian Example," in content and ref in content
    assert "Emailed the letter" in client.get(f"/staff/cases/{ref}").text


def test_emailing_the_acknowledgement_letter_records_the_acknowledgement(mailed):
    app, inbox, secrets_by_user, ref = mailed
    client = app.test_client()
    sign_in(client, "olive", secrets_by_user["olive"])
    draft = client.get(f"/staff/cases/{ref}/letters/new/acknowledgement")
    text = re.search(r"<textarea[^>]*>(.*?)</textarea>", draft.text, re.S).group(1)
    import html

    produced = client.post(
        f"/staff/cases/{ref}/letters/new/acknowledgement",
        data={
            "text": html.unescape(text) + "\nSee you_soon *Gwen*\n",
            "csrf_token": csrf(draft.text),
        },
    )
    letter = client.get(produced.headers["Location"])
    assert "Sending it records the acknowledgement" in letter.text
    sent = client.post(
        f"{produced.headers['Location']}/email", data={"csrf_token": csrf(letter.text)}
    )
    shown = client.get(sent.headers["Location"]).text
    assert (
        "The letter is queued to send by email. The acknowledgement is recorded as sent today."
        in shown
    )
    inbox.deliver()  # the message worker's step sends it
    shown = client.get(sent.headers["Location"]).text
    assert re.search(r"Emailed \d{1,2} [A-Z][a-z]+ \d{4} by Olive Officer", shown)
    with app.app_context():
        from forms_app.web.parts import parts

        types = [e["type"] for e in parts().store.rows("events") if e["ref"] == ref]
    assert types[-2:] == ["contact_logged", "acknowledged"]
    _recipients, content = inbox.messages[-1]
    assert "See you_soon *Gwen*" in content
