"""Emails to staff (the safeguarding lead's alert, a request to an investigator, its reminders,
the shared sheet's alerts) go through the durable message outbox, on the data directory's
files and in PostgreSQL alike: written at the moment of the action, so a mail server that is
down then loses nothing; sent by the message worker once it is back, exactly once however
often the worker runs; holding the reference and a link, never the person's details; and the
audit log says it was queued, then sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import yaml

from forms_app import create_app
from forms_app.messages import outbox as outbox_module
from forms_app.messages.config import messages_config
from forms_app.messages.outbox import Message, Outbox, outbox_path
from forms_app.messages.providers import build_provider
from forms_app.messages.sending import Sender
from forms_app.messages.staff_mail import STAFF_MAIL, queue_staff_mail
from forms_app.records import audit
from forms_app.web.parts import EXTENSION
from tests.support.mail_standin import app_mailing_through
from tests.support.message_worker import run_worker
from tests.support.staff import csrf, make_people, sign_in, submit

PERSON = "Gwenllian Example"
CONCERN = "Unexplained bruising on her arm"


def _app(tmp_path, mail_server, provider: str):
    app = app_mailing_through(
        tmp_path, mail_server, provider, safeguarding_to=["safeguarding-team@riverside.example.org"]
    )
    parts = app.extensions[EXTENSION]
    secrets = make_people(parts.settings.data_dir)
    ref = submit(parts, service="home-care", name=PERSON, email="gwenllian@example.com")
    return app, parts, secrets, ref


def _actions(parts, ref: str) -> list[str]:
    return [e["action"] for e in audit.entries_for(parts.settings.data_dir, {ref})]


def test_a_safeguarding_alert_flagged_while_the_mail_server_is_down_goes_once_it_is_back(
    tmp_path, mail_server, engine
):
    # Messages to the public are off: the staff alert still goes through the outbox.
    app, parts, secrets, ref = _app(tmp_path, mail_server, provider="none")
    client = app.test_client()
    sign_in(client, "olive", secrets["olive"])
    page = client.get(f"/staff/cases/{ref}/do/flag")
    response = client.post(
        f"/staff/cases/{ref}/do/flag",
        data={"flag": "safeguarding", "detail": CONCERN, "csrf_token": csrf(page.text)},
    )
    assert response.status_code == 302
    shown = client.get(response.headers["Location"]).text
    assert "the alert is queued to send" in shown
    assert "safeguarding.alert_queued" in _actions(parts, ref)

    run_worker(app)  # the mail server is still down: nothing goes, nothing is lost
    assert mail_server.inbox.messages == []
    mail_server.start()
    with Outbox(outbox_path(parts.settings.data_dir)) as outbox:
        # Due again now rather than after the back-off, so the test need not wait.
        for message in outbox.due(float("inf")):
            outbox.later(message.id, 0.0, message.reason, unsure=False)
    run_worker(app, times=3)

    # One email to the lead and the team, sent once however often the worker ran.
    ((recipients, subject, body),) = mail_server.inbox.messages
    assert set(recipients) == {
        "sam@staff.example.org",
        "safeguarding-team@riverside.example.org",
    }
    assert subject == f"Safeguarding: case {ref} needs your attention"
    assert f"/staff/cases/{ref}" in body
    assert PERSON not in subject + body and "bruising" not in subject + body
    assert "gwenllian" not in (subject + body).lower()
    assert _actions(parts, ref).count("staff_mail.sent") == 1


def test_a_request_email_asked_while_the_mail_server_is_down_goes_once_it_is_back(
    tmp_path, mail_server, engine
):
    app, parts, secrets, ref = _app(tmp_path, mail_server, provider="smtp")
    client = app.test_client()
    sign_in(client, "olive", secrets["olive"])
    page = client.get(f"/staff/cases/{ref}/requests/new")
    assert page.status_code == 200, page.text
    response = client.post(
        f"/staff/cases/{ref}/requests/new",
        data={
            "csrf_token": csrf(page.text),
            "who": "staff",
            "user": "oscar",
            "asks": "statement",
            "question": "What did the rota say?",
            "days": "5",
            "shares": "account",
        },
    )
    assert response.status_code == 303, response.text
    shown = client.get(response.headers["Location"]).text
    assert "The email to them is queued to send" in shown
    assert "request.email_queued" in _actions(parts, ref)

    mail_server.start()
    run_worker(app, times=2)
    to_oscar = [m for m in mail_server.inbox.messages if "oscar@staff.example.org" in m[0]]
    assert len(to_oscar) == 1
    _, subject, body = to_oscar[0]
    assert ref in subject and "/staff/requests" in body
    assert PERSON not in subject + body and "medication" not in body
    assert "staff_mail.sent" in _actions(parts, ref)


@pytest.fixture(params=["files", "postgres"])
def outbox_engine(request, tmp_path):
    """A data directory whose outbox is the file or (``postgres``) in a fresh database."""
    data_dir = tmp_path / "data"
    if request.param == "postgres":
        outbox_module.use_database(data_dir, request.getfixturevalue("postgres_url"))
    yield data_dir
    outbox_module.use_database(data_dir, "")


def _email_config(mail_server) -> dict:
    return {
        "host": "127.0.0.1",
        "port": mail_server.port,
        "tls": "none",
        "timeout": 3,
        "from": "casework@riverside.example.org",
    }


def test_two_workers_send_a_staff_mail_exactly_once(outbox_engine, mail_server):
    config = _email_config(mail_server)
    queued = queue_staff_mail(
        outbox_engine,
        config,
        ["lead@staff.example.org", "lead@staff.example.org", "deputy@staff.example.org"],
        "Safeguarding: case AB12-CD34 needs your attention",
        "Open the case: https://staff.example/staff/cases/AB12-CD34\n",
        ref="AB12-CD34",
        cause="flag-1",
        kind="safeguarding_alert",
    )
    assert queued == 2  # to each address, the repeated one once
    again = queue_staff_mail(
        outbox_engine, config, ["lead@staff.example.org"], "s", "b", ref="AB12-CD34", cause="flag-1"
    )
    assert again, "queued again for the same cause, it is the same message"
    with Outbox(outbox_path(outbox_engine)) as outbox:
        assert outbox.counts()["queued"] == 1
    mail_server.start()
    provider = build_provider(messages_config({"email": config}))
    path = outbox_path(outbox_engine)
    with Outbox(path) as first, Outbox(path) as second:
        one, two = Sender(first, provider), Sender(second, provider)
        for _ in range(3):
            one.step()
            two.step()
        ((recipients, subject, _body),) = mail_server.inbox.messages
        assert recipients == ["lead@staff.example.org", "deputy@staff.example.org"]
        assert subject == "Safeguarding: case AB12-CD34 needs your attention"
        # Settled: nothing waits or failed, and the person's own messages never show them.
        assert first.due(float("inf")) == [] and first.failed() == []
        assert first.counts()["sent"] == 1
        assert first.for_refs(["AB12-CD34"]) == []


def test_the_person_is_never_shown_a_staff_mail_and_its_body_is_emptied_once_sent(
    outbox_engine,
):
    path = outbox_path(outbox_engine)
    staff = Message(
        id="s1",
        ref="AB12-CD34",
        type=STAFF_MAIL,
        channel="email",
        recipient="lead@staff.example.org",
        language="en",
        wording="standard",
        values={"subject": "Case AB12-CD34", "body": "https://staff.example/secret-link"},
    )
    link = Message(
        id="r1",
        ref="AB12-CD34",
        type="request_link",
        channel="email",
        recipient="idris.manager@trust.example.org",
        language="en",
        wording="standard",
        values={"reference": "AB12-CD34", "link": "https://example/respond/secret"},
    )
    with Outbox(path) as outbox:
        outbox.queue([staff, link], at=1.0)
        assert outbox.for_refs(["AB12-CD34"]) == []
        for message_id in ("s1", "r1"):
            assert outbox.mark_sending(message_id)
            outbox.mark_sent(message_id, 2.0, None)
        assert outbox.one("s1").values["body"] == ""
        assert outbox.one("r1").values["link"] == ""


def test_a_staff_email_the_mail_server_refuses_is_listed_under_messages_not_sent(
    tmp_path, mail_server, data_dir
):
    app, parts, secrets, ref = _app(tmp_path, mail_server, provider="none")
    mail_server.inbox.refuse = True
    mail_server.start()
    client = app.test_client()
    sign_in(client, "olive", secrets["olive"])
    page = client.get(f"/staff/cases/{ref}/do/flag")
    client.post(
        f"/staff/cases/{ref}/do/flag",
        data={"flag": "safeguarding", "detail": CONCERN, "csrf_token": csrf(page.text)},
    )
    run_worker(app)  # refused for good: failed at once, not tried for ever
    assert mail_server.inbox.messages == []
    mina = app.test_client()
    sign_in(mina, "mina", secrets["mina"])
    failed = mina.get("/staff/messages/failed").text
    assert "Email to staff (an alert, a request or a reminder)" in failed
    assert "the mail server refused the address" in failed
    assert "staff_mail.sent" not in _actions(parts, ref)


def test_feedback_from_before_public_messages_is_not_acknowledged_if_staff_mail_made_the_outbox(
    tmp_path, mail_server, engine
):
    from forms_app.casework.messaging import Sweep

    # Messages to the public are off and email to staff is set up: a staff alert makes the
    # outbox. Feedback comes in and nobody is told anything, as the settings say.
    app, parts, _secrets, ref = _app(tmp_path, mail_server, provider="none")
    config = {"host": "127.0.0.1", "port": mail_server.port, "tls": "none"}
    to = ["lead@riverside.example.org"]
    assert (
        queue_staff_mail(
            parts.settings.data_dir, config, to, "Alert", "Open it.", ref=ref, cause="flag-1"
        )
        == 1
    )
    with Outbox(outbox_path(parts.settings.data_dir)) as outbox:
        # The alert was yesterday: the outbox was made then.
        outbox.set(created_at=(datetime.now(UTC) - timedelta(days=1)).timestamp())
    earlier = datetime.now(UTC) - timedelta(hours=3)
    before = submit(
        parts,
        name=PERSON,
        email="gwenllian@example.com",
        received=earlier,
        preferred_contact="email",
    )
    # Three hours later the organisation turns messages to the public on.
    path = tmp_path / "settings.yaml"
    settings = yaml.safe_load(path.read_text())
    settings["messages"]["provider"] = "smtp"
    path.write_text(yaml.safe_dump(settings))
    turned_on = create_app(str(path)).extensions[EXTENSION]
    after = submit(turned_on, name=PERSON, email="gwenllian@example.com", preferred_contact="email")
    # The sweep catches what the normal path missed: the feedback sent since messages were
    # turned on, never the feedback from before, which would be acknowledged out of the blue.
    Sweep(turned_on.messenger, turned_on.store)()
    with Outbox(outbox_path(parts.settings.data_dir)) as outbox:
        acknowledged = {m.ref for m in outbox.due(float("inf")) if m.type != STAFF_MAIL}
    assert after in acknowledged
    assert before not in acknowledged
