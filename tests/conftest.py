"""Shared fixtures: an app on a fresh data directory on real disk, with the example settings."""

from __future__ import annotations

import os

# Before the app is imported: staff accounts hash their passwords with argon2's least work here
# (forms_app/accounts/passwords.py), in this process and in every server it starts. Production
# never sets this, and tests/accounts/test_passwords.py checks its hashes stay strong.
os.environ["FEEDBACK_CHEAP_PASSWORD_HASHES_FOR_TESTS"] = "1"

import pytest

from forms_app import create_app
from forms_app.organisation.settings import EXAMPLE_SETTINGS
from forms_app.web.parts import EXTENSION


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


@pytest.fixture(autouse=True)
def _push_request_context():
    """Replaces pytest-flask's fixture of the same name, which keeps one request (and so one
    app context and one ``g``) open for the whole test: every test-client request would then
    share ``g``, including Flask-WTF's cached CSRF token, which no real server does."""
    return None
