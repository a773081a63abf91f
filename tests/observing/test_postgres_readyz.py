"""``/readyz`` on an app whose case tables are in PostgreSQL: it answers 503 with a plain reason
(and no address or password) while the database does not answer, within a few seconds so the
proxy is not held, and 200 again once the database is back.

The database server here is one of this module's own, so stopping it (SIGSTOP: it accepts
connections into the kernel's queue and never answers them) troubles no other test."""

from __future__ import annotations

import os
import signal
import time

import pytest

from forms_app import create_app
from forms_app.observing import health
from forms_app.organisation.settings import EXAMPLE_SETTINGS
from forms_app.storage.shared_database import use_database
from tests.support.postgres import start_server
from tests.support.served import free_port

pytestmark = pytest.mark.slow
PASSWORD = "s3cret-horse-battery"


@pytest.fixture(scope="module")
def own_server():
    server = start_server()
    yield server
    server.stop()


@pytest.fixture
def database_app(own_server, data_dir, monkeypatch):
    name = own_server.new_database()
    # Trust authentication ignores the password: it is here to be looked for in the answers.
    url = own_server.url(name).replace(
        "postgresql://postgres@", f"postgresql://postgres:{PASSWORD}@"
    )
    monkeypatch.setenv("FORMS_APP_STORE_URL", url)
    app = create_app(str(EXAMPLE_SETTINGS))
    app.config.update(TESTING=True)
    yield app
    use_database(data_dir, "")
    own_server.drop_database(name)


def _postmaster(server) -> int:
    return int((server.folder / "data" / "postmaster.pid").read_text().split()[0])


def test_postgres_readyz_checks_the_database_and_fails_while_it_does_not_answer(
    database_app, own_server
):
    client = database_app.test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.get_json()["checks"]["database"] == "ok"

    os.kill(_postmaster(own_server), signal.SIGSTOP)
    try:
        started = time.monotonic()
        stalled = client.get("/readyz")
        waited = time.monotonic() - started
    finally:
        os.kill(_postmaster(own_server), signal.SIGCONT)
        # runuser, the server's parent, stops itself when its child stops (as su does), and
        # would otherwise stay stopped, never reaping the server at the end.
        os.kill(own_server.process.pid, signal.SIGCONT)
    assert stalled.status_code == 503
    body = stalled.get_json()
    assert body["checks"]["database"] == "failed"
    assert body["reason"] == health.DATABASE_REASON
    assert waited < health.DATABASE_SECONDS + 1, "the proxy is not held"
    for secret in (PASSWORD, str(own_server.port), "127.0.0.1", "postgres"):
        assert secret not in stalled.text

    deadline = time.monotonic() + 15
    while (back := client.get("/readyz")).status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert back.status_code == 200, back.text


def test_postgres_readyz_database_check_fails_fast_on_a_closed_port():
    url = f"postgresql://postgres:{PASSWORD}@127.0.0.1:{free_port()}/nothing"
    started = time.monotonic()
    assert health.database_answers(url) == health.FAILED
    assert time.monotonic() - started < health.DATABASE_SECONDS + 1


def test_postgres_readyz_has_no_database_check_on_the_data_directory(app):
    assert "database" not in app.test_client().get("/readyz").get_json()["checks"]
