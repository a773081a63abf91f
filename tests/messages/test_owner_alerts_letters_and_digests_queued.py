"""The last emails that went straight to the mail server now wait in the message outbox too, on
the data directory's files and in PostgreSQL alike: the owner's alert when the person writes on
the tracking page, a letter emailed to the person, and the owners' morning list from
``feedback due --email``. Each is written at the moment of the action, so a mail server that
is down then loses nothing; the message worker sends it once the server is back, exactly once
however often it runs; what staff are told says it is queued. A letter goes to the person only
when they chose email, in the letter's language, and is one of their own messages; the emails
to staff carry no personal details and are never the person's."""

from __future__ import annotations

import html
import re
import time
from datetime import UTC, datetime, timedelta

from forms_app.cli.staff import due_command
from forms_app.messages.outbox import Outbox, outbox_path
from forms_app.records import audit
from forms_app.web.parts import EXTENSION
from tests.support.mail_standin import app_mailing_through
from tests.support.message_worker import run_worker
from tests.support.staff import add_events, csrf, make_people, sign_in, submit

PERSON = "Gwenllian Example"
PERSON_EMAIL = "gwenllian@example.com"
REPLY = "The carer came at ten again last night and my father's tablets were missed."


def _app(tmp_path, mail_server, *, provider="smtp", language="en", contact="email", received=None):
    """The app with email through the stand-in, staff accounts, and one case owned by Olive."""
    app = app_mailing_through(tmp_path, mail_server, provider)
    parts = app.extensions[EXTENSION]
    secrets = make_people(parts.settings.data_dir)
    ref = submit(
        parts,
        service="home-care",
        name=PERSON,
        email=PERSON_EMAIL,
        language=language,
        preferred_contact=contact,
        received=received,
    )
    add_events(parts, ref, "mina", ("assigned", {"value": "olive"}))
    return app, parts, secrets, ref


def _delivered_after_an_outage(app, parts, mail_server) -> list:
    """Run the worker while the mail server is down (nothing goes, nothing is lost), then
    bring it back and run it again: what reached the case owner."""
    run_worker(app)
    assert mail_server.inbox.messages == []
    mail_server.start()
    _due_now(parts)
    run_worker(app, times=3)
    return _to(mail_server, "olive@staff.example.org")


def _due_now(parts) -> None:
    """Make every waiting message due now rather than after its back-off, so the test need not
    wait."""
    with Outbox(outbox_path(parts.settings.data_dir)) as outbox:
        for message in outbox.due(float("inf")):
            outbox.later(message.id, 0.0, message.reason, unsure=False)


def _actions(parts, ref: str) -> list[str]:
    return [e["action"] for e in audit.entries_for(parts.settings.data_dir, {ref})]


def _to(mail_server, address: str) -> list[tuple[str, str]]:
    return [(s, b) for rcpts, s, b in mail_server.inbox.messages if address in rcpts]


def test_the_owners_alert_of_a_reply_sent_while_the_mail_server_is_down_goes_once_it_is_back(
    tmp_path, mail_server, engine
):
    app, parts, _secrets, ref = _app(tmp_path, mail_server)
    person = app.test_client()
    with person.session_transaction() as held:
        held["track"] = {"ref": ref, "until": time.time() + 600}
    page = person.get("/track/case")
    assert page.status_code == 200, page.text
    response = person.post("/track/reply", data={"message": REPLY, "csrf_token": csrf(page.text)})
    assert response.status_code == 303, response.text

    ((subject, body),) = _delivered_after_an_outage(app, parts, mail_server)
    assert subject == f"Case {ref}: the person has sent a message"
    assert f"/staff/cases/{ref}" in body
    assert PERSON not in subject + body and "tablets" not in body
    assert "staff_mail.sent" in _actions(parts, ref)
    with Outbox(outbox_path(parts.settings.data_dir)) as outbox:
        # Not the person's message: their tracking page and subject access never show it.
        assert all(m.type != "staff_mail" for m in outbox.for_refs([ref]))


def _produce(client, ref: str, name: str = "acknowledgement", language: str = "en") -> str:
    """Produce a letter from its template, as the officer would; returns its id."""
    draft = client.get(f"/staff/cases/{ref}/letters/new/{name}?language={language}")
    assert draft.status_code == 200, draft.text
    text = re.search(r"<textarea[^>]*>(.*?)</textarea>", draft.text, re.S).group(1)
    produced = client.post(
        f"/staff/cases/{ref}/letters/new/{name}",
        data={"text": html.unescape(text), "language": language, "csrf_token": csrf(draft.text)},
    )
    assert produced.status_code == 302, produced.text
    return produced.headers["Location"].rsplit("/", 1)[1]


def test_a_letter_emailed_while_the_mail_server_is_down_goes_to_the_person_once_it_is_back(
    tmp_path, mail_server, engine
):
    app, parts, secrets, ref = _app(tmp_path, mail_server, language="cy")
    olive = app.test_client()
    sign_in(olive, "olive", secrets["olive"])
    letter_id = _produce(olive, ref, language="cy")
    page = olive.get(f"/staff/cases/{ref}/letters/{letter_id}")
    assert f"Email this letter to {PERSON_EMAIL}" in page.text
    response = olive.post(
        f"/staff/cases/{ref}/letters/{letter_id}/email", data={"csrf_token": csrf(page.text)}
    )
    assert response.status_code == 302
    shown = olive.get(response.headers["Location"]).text
    assert "The letter is queued to send by email" in shown
    assert "waiting to send" in shown
    # Recorded when queued, as an acknowledgement a member of staff records is.
    events = [e for e in parts.store.rows("events") if e["ref"] == ref]
    assert [e["value"] for e in events if e["type"] == "contact_logged"] == ["email"]
    assert any(e["type"] == "acknowledged" for e in events)
    assert "letter.email_queued" in _actions(parts, ref)

    run_worker(app)  # the mail server is still down: nothing goes, nothing is lost
    assert mail_server.inbox.messages == []
    mail_server.start()
    _due_now(parts)
    run_worker(app, times=3)

    letters = [(s, b) for s, b in _to(mail_server, PERSON_EMAIL) if "Cydnabod" in s]
    assert len(letters) == 1, mail_server.inbox.messages
    subject, body = letters[0]
    assert ref in subject
    assert "Annwyl Gwenllian Example" in body  # the letter itself, in its own language
    assert "letter.emailed" in _actions(parts, ref)
    # The letter is the acknowledgement: no "we have started" message goes with it.
    assert not any("Rydym wedi dechrau" in s for s, _ in _to(mail_server, PERSON_EMAIL))
    shown = olive.get(f"/staff/cases/{ref}/letters/{letter_id}").text
    assert "Emailed" in shown and "waiting to send" not in shown
    with Outbox(outbox_path(parts.settings.data_dir)) as outbox:
        # The person's own message: their subject access holds it.
        assert "emailed_letter" in {m.type for m in outbox.for_refs([ref])}


def test_a_letter_is_not_emailed_to_someone_who_chose_post(tmp_path, mail_server, data_dir):
    app, parts, secrets, ref = _app(tmp_path, mail_server, contact="post")
    olive = app.test_client()
    sign_in(olive, "olive", secrets["olive"])
    letter_id = _produce(olive, ref)
    page = olive.get(f"/staff/cases/{ref}/letters/{letter_id}")
    assert "Email this letter" not in page.text
    response = olive.post(
        f"/staff/cases/{ref}/letters/{letter_id}/email", data={"csrf_token": csrf(page.text)}
    )
    assert response.status_code == 404
    events = [e for e in parts.store.rows("events") if e["ref"] == ref]
    assert not any(e["type"] == "contact_logged" for e in events)


def test_the_owners_morning_list_asked_while_the_mail_server_is_down_goes_once_it_is_back(
    tmp_path, mail_server, engine
):
    received = datetime.now(UTC) - timedelta(days=30)
    app, parts, _secrets, ref = _app(tmp_path, mail_server, provider="none", received=received)
    runner = app.test_cli_runner()
    result = runner.invoke(due_command, ["--email"])
    assert result.exit_code == 0, result.output
    assert "queued the list to 1 owner" in result.output
    again = runner.invoke(due_command, ["--email"])  # run twice the same day: one email
    assert again.exit_code == 0, again.output

    ((subject, body),) = _delivered_after_an_outage(app, parts, mail_server)
    assert subject == "Casework due today"
    assert ref in body and "/staff/" in body
    assert PERSON not in body and "medication" not in body
