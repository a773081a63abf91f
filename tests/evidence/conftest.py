"""A real clamd for the evidence tests (tests/support/clamd.py), started once per file, and an
app that scans with it."""

from __future__ import annotations

import pytest

from forms_app import create_app
from forms_app.organisation.settings import EXAMPLE_SETTINGS
from tests.support.clamd import running_clamd


@pytest.fixture(scope="module")
def clamd_socket(tmp_path_factory):
    # A short folder name: a unix socket's path must fit in 108 bytes.
    with running_clamd(tmp_path_factory.mktemp("clamd")) as socket_path:
        yield socket_path


@pytest.fixture
def app(data_dir, clamd_socket):
    """The app with the real clamd as its scanner (the settings' socket); the shared
    ``signed_in`` fixture signs staff in on this one."""
    app = create_app(str(EXAMPLE_SETTINGS), EVIDENCE_SCANNER=f"unix:{clamd_socket}")
    app.config.update(TESTING=True)
    return app


@pytest.fixture
def client(app):
    return app.test_client()
