"""Shared fixtures: an app on a fresh data directory on real disk, with the example settings."""

from __future__ import annotations

import os

# Before the app is imported: staff accounts hash their passwords with argon2's least work here
# (forms_app/accounts/passwords.py), in this process and in every server it starts. Production
# never sets this, and tests/accounts/test_passwords.py checks its hashes stay strong.
os.environ["FEEDBACK_CHEAP_PASSWORD_HASHES_FOR_TESTS"] = "1"
# Production is the default (forms_app/web/config.py): the suite says it is testing, here and so
# in every server and `feedback` command it starts; the HTTPS tests set production themselves.
os.environ["FORMS_APP_ENV"] = "testing"

import pytest

from forms_app import create_app
from forms_app.organisation.settings import EXAMPLE_SETTINGS
from forms_app.web.parts import EXTENSION
from tests.support.postgres import postgres_server, postgres_url, two_apps
from tests.support.staff import PEOPLE, make_people, sign_in

# A real PostgreSQL server for the session (``postgres_server``, started on first use, one per
# test process), a fresh database per test (``postgres_url``) and two apps on it (``two_apps``).
__all__ = ["postgres_server", "postgres_url", "two_apps"]


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    path = tmp_path / "data"
    monkeypatch.setenv("FORMS_APP_DATA_DIR", str(path))
    monkeypatch.delenv("FORMS_APP_SETTINGS", raising=False)
    return path


@pytest.fixture
def app(data_dir):
    app = create_app(str(EXAMPLE_SETTINGS))
    app.config.update(TESTING=True)
    return app


@pytest.fixture
def app_parts(app):
    # Not through an app context: one held open across requests would share ``g`` (and so
    # Flask-WTF's cached CSRF token) between them, which real requests never do.
    return app.extensions[EXTENSION]


@pytest.fixture
def signed_in(app, data_dir):
    """``signed_in("olive")``: makes Olive's account (as ``PEOPLE`` in tests/support/staff.py
    describes her, with ``others=("mina",)`` making more accounts alongside) and returns a test
    client she has signed in on through the real pages, password then one-time code."""

    def sign(username: str, *, others: tuple[str, ...] = ()):
        people = {name: PEOPLE[name] for name in (username, *others)}
        secrets_by_user = make_people(data_dir, people)
        client = app.test_client()
        sign_in(client, username, secrets_by_user[username])
        return client

    return sign


@pytest.fixture
def fast_disk(monkeypatch):
    """No fsync from Python code: for tests that count rows in the Google Sheet, not the
    store's durability (the durability tests keep fsync; the sheet outbox's SQLite still
    syncs)."""
    monkeypatch.setattr(os, "fsync", lambda fd: None)


@pytest.fixture(autouse=True)
def _push_request_context():
    """Replaces pytest-flask's fixture of the same name, which keeps one request (and so one
    app context and one ``g``) open for the whole test: every test-client request would then
    share ``g``, including Flask-WTF's cached CSRF token, which no real server does."""
    return None


HEAVY_MARKERS = ("slow", "browser")


def pytest_collection_modifyitems(config, items):
    """Files with slow or browser tests first, each file's tests kept in their order.

    ``make test`` hands whole files to its parallel workers in this order (pytest-xdist's
    ``--dist loadfile --no-loadscope-reorder``): a long file started last would leave one
    worker idle while the other finishes it.
    """

    def heavy(item) -> bool:
        return any(item.get_closest_marker(name) for name in HEAVY_MARKERS)

    heavy_files = {item.path for item in items if heavy(item)}
    items.sort(key=lambda item: item.path not in heavy_files)
