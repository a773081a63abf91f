"""The link to the answer page goes to an investigating manager through the message outbox, as
the acknowledgements do: a send that fails is tried again, one that never goes is listed on the
"messages not sent" page and can be sent again, and once sent the outbox no longer holds the
link's secret. The email is not one of the person's messages: their tracking page and subject
access do not show it."""

from __future__ import annotations

import re

from forms_app.messages.config import Retry
from forms_app.messages.outbox import Outbox, outbox_path
from forms_app.messages.providers import TryLater
from forms_app.messages.sending import Sender
from forms_app.records.retention.reach import message_entries
from tests.support.staff import csrf

from .conftest import ask

MANAGER = "idris.manager@trust.example.org"


class Down:
    """A provider whose server cannot be reached."""

    can_find = False

    def send(self, message):
        raise TryLater("the mail server could not be reached (test)")

    def find(self, message):
        return None


def _outbox(world) -> Outbox:
    return Outbox(outbox_path(world.parts.settings.data_dir))


def _links(world) -> list:
    with _outbox(world) as outbox:
        rows = outbox.db.execute(
            "SELECT id, state, payload FROM messages WHERE type = 'request_link'"
        ).fetchall()
    return rows


def _ask(world):
    response = ask(
        world.client("olive"),
        world.ref,
        who="link",
        name="Idris Manager",
        email=MANAGER,
        question="Please send a statement about the visit.",
    )
    assert response.status_code == 303, response.text
    return response


def _secret_in(payload: str) -> str:
    found = re.search(r"/respond/([A-Za-z0-9_-]+)", payload)
    assert found, payload
    return found.group(1)


def test_the_link_is_queued_in_the_outbox_not_sent_straight(world):
    _ask(world)
    assert world.inbox.received == []  # nothing has gone before the worker's step
    ((_id, state, payload),) = _links(world)
    assert state == "queued" and MANAGER not in payload and "/respond/" in payload
    flashed = world.client("olive").get(f"/staff/cases/{world.ref}").text
    assert "waiting to send" in flashed
    (body,) = world.inbox.to(MANAGER)  # the worker's step sends it
    assert "/respond/" in body and world.ref in body


def test_a_failed_send_is_tried_again_then_listed_and_can_be_sent_again(world):
    _ask(world)
    with _outbox(world) as outbox:
        sender = Sender(outbox, Down(), Retry(max_attempts=2, first_delay=0, max_delay=0))
        sender.step()
    ((message_id, state, _payload),) = _links(world)
    assert state == "queued"  # to be tried again
    with _outbox(world) as outbox:
        sender = Sender(outbox, Down(), Retry(max_attempts=2, first_delay=0, max_delay=0))
        sender.step()
        sender.step()
    ((message_id, state, payload),) = _links(world)
    assert state == "failed"
    secret = _secret_in(payload)  # kept while it may be sent again

    mina = world.client("mina")
    page = mina.get("/staff/messages/failed")
    assert page.status_code == 200
    assert "Link to answer a request" in page.text and world.ref in page.text
    again = mina.post(
        "/staff/messages/failed", data={"csrf_token": csrf(page.text), "message": message_id}
    )
    assert again.status_code == 302
    (body,) = world.inbox.to(MANAGER)
    assert f"/respond/{secret}" in body
    assert world.app.test_client().get(f"/respond/{secret}").status_code == 200


def test_the_outbox_keeps_no_secret_once_the_link_is_sent(world):
    _ask(world)
    ((_id, _state, payload),) = _links(world)
    secret = _secret_in(payload)
    (body,) = world.inbox.to(MANAGER)
    assert secret in body
    ((_id, state, payload),) = _links(world)
    assert state == "sent" and secret not in payload
    folder = outbox_path(world.parts.settings.data_dir).parent
    for path in folder.iterdir():
        assert secret.encode() not in path.read_bytes(), path.name


def test_the_person_is_not_shown_the_email_to_the_investigator(world):
    _ask(world)
    world.inbox.to(MANAGER)
    entries = message_entries(world.parts.settings.data_dir, [world.ref])
    assert all(entry["type"] != "request_link" for entry in entries.get(world.ref, []))
    assert MANAGER not in repr(entries)
    with _outbox(world) as outbox:
        assert [m for m in outbox.for_refs([world.ref]) if m.type == "request_link"] == []
