"""A Notify stand-in on a free port for the message tests."""

from __future__ import annotations

import pytest

from tests.support import notify_standin
from tests.support.mail_standin import MailServer


@pytest.fixture
def faults():
    return notify_standin.Faults()


@pytest.fixture
def notify(faults):
    served = notify_standin.serve(faults=faults)
    yield served
    served.stop()


@pytest.fixture
def mail_server():
    """An SMTP stand-in on a free port, down until the test starts it."""
    server = MailServer()
    yield server
    server.stop()


@pytest.fixture(params=["files", "postgres"])
def engine(request, monkeypatch, data_dir):
    """Which engine the app keeps its cases, audit log and outboxes in."""
    if request.param == "postgres":
        monkeypatch.setenv("FORMS_APP_STORE_URL", request.getfixturevalue("postgres_url"))
    return request.param
