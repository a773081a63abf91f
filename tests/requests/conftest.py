"""The requests tests' world: an app scanning files with a real clamd, email pointed at a
loopback SMTP server (aiosmtpd) that keeps what it is sent, staff accounts, and one complaint
owned by Olive with a file on it."""

from __future__ import annotations

import email
import email.policy
import io
import json
import re
import socket
import threading
from dataclasses import dataclass, field

import pytest
import yaml
from aiosmtpd.controller import Controller

from forms_app import create_app
from forms_app.organisation.settings import EXAMPLE_SETTINGS
from forms_app.records import audit
from forms_app.web.parts import EXTENSION
from tests.support.clamd import running_clamd
from tests.support.message_worker import deliver
from tests.support.staff import PEOPLE, add_events, csrf, make_people, sign_in, submit

PERSON_NAME = "Gwenllian Example"
PERSON_EMAIL = "gwenllian@example.com"
PERSON_PHONE = "07700 900123"
DETAILS = "The evening visit was four hours late and my father missed his medication."
SHARED_FILE = b"Visit log: carer arrived 22:10, medication round missed.\n"


class Inbox:
    """What the loopback SMTP server was sent. ``deliver`` (set by the world) runs the message
    worker's step first, as the worker beside ``make run`` would within seconds: the request
    link goes through the message outbox."""

    def __init__(self):
        self.received: list[tuple[list[str], str]] = []
        self.deliver = None

    @property
    def messages(self) -> list[tuple[list[str], str]]:
        # Only the test itself delivers: the SMTP server's own thread looks at its handler's
        # attributes too, and must not wait for a connection to itself.
        if self.deliver is not None and threading.current_thread() is threading.main_thread():
            self.deliver()
        return self.received

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        text = f"Subject: {message['Subject']}\n\n{message.get_content()}"
        self.received.append((envelope.rcpt_tos, text))
        return "250 OK"

    def to(self, address: str) -> list[str]:
        return [body for rcpts, body in self.messages if address in rcpts]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def clamd_socket(tmp_path_factory):
    # A short folder name: a unix socket's path must fit in 108 bytes.
    with running_clamd(tmp_path_factory.mktemp("clamd")) as socket_path:
        yield socket_path


@pytest.fixture
def inbox():
    caught = Inbox()
    controller = Controller(caught, hostname="127.0.0.1", port=_free_port())
    controller.start()
    caught.port = controller.port
    try:
        yield caught
    finally:
        controller.stop()


@dataclass
class World:
    app: object
    parts: object
    inbox: Inbox
    secrets: dict
    ref: str

    clients: dict = field(default_factory=dict)

    def client(self, username: str):
        """A client signed in as ``username`` (once: a one-time code works once)."""
        if username not in self.clients:
            client = self.app.test_client()
            sign_in(client, username, self.secrets[username])
            self.clients[username] = client
        return self.clients[username]

    def case(self):
        with self.app.app_context():
            from forms_app.web.parts import case_index

            found = case_index()
            found.refresh()
            return found.get(self.ref)


@pytest.fixture
def world(tmp_path, data_dir, inbox, clamd_socket):
    settings = yaml.safe_load(EXAMPLE_SETTINGS.read_text())
    settings["email"] = {
        "host": "127.0.0.1",
        "port": inbox.port,
        "tls": "none",
        "from": "casework@riverside.example.org",
    }
    settings["messages"] = {**settings.get("messages", {}), "provider": "smtp"}
    path = tmp_path / "settings.yaml"
    path.write_text(yaml.safe_dump(settings))
    app = create_app(str(path), EVIDENCE_SCANNER=f"unix:{clamd_socket}")
    app.config.update(TESTING=True)
    parts = app.extensions[EXTENSION]
    secrets = make_people(parts.settings.data_dir, PEOPLE)
    ref = submit(
        parts,
        service="home-care",
        name=PERSON_NAME,
        email=PERSON_EMAIL,
        details=DETAILS,
        outcome_wanted="An apology and a reliable visit time.",
    )
    add_events(parts, ref, "olive", ("assigned", {"value": "olive"}))
    world = World(app, parts, inbox, secrets, ref)
    inbox.deliver = lambda: deliver(parts)
    olive = world.client("olive")
    page = olive.get(f"/staff/cases/{ref}")
    response = olive.post(
        f"/staff/cases/{ref}/files",
        data={"csrf_token": csrf(page.text), "files": [(io.BytesIO(SHARED_FILE), "visit-log.txt")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    return world


def file_id(world, name: str) -> str:
    return next(
        r["id"] for r in world.parts.store.evidence.files_of(world.ref) if r["name"] == name
    )


def ask(client, ref: str, **fields):
    """Post the request form as a browser without JavaScript does."""
    page = client.get(f"/staff/cases/{ref}/requests/new")
    assert page.status_code == 200, page.text
    data = {"csrf_token": csrf(page.text), "asks": "statement", "days": "5", "shares": "account"}
    data.update(fields)
    return client.post(f"/staff/cases/{ref}/requests/new", data=data)


def link_in(body: str) -> str:
    found = re.search(r"https?://[^\s/]+(/respond/[A-Za-z0-9_-]+)", body)
    assert found, body
    return found.group(1)


def audit_actions(world) -> list[str]:
    path = world.parts.settings.data_dir / audit.LOG_NAME
    return [json.loads(line)["action"] for line in path.read_text().splitlines() if line]
