"""Fixtures shared by this folder's tests of the PostgreSQL engine."""

from __future__ import annotations

import pytest

from forms_app import create_app
from forms_app.organisation.settings import EXAMPLE_SETTINGS
from forms_app.storage.shared_database import use_database
from forms_app.web.parts import EXTENSION


@pytest.fixture
def parts(postgres_url, tmp_path, monkeypatch):
    """The app's parts on the database, with a data directory of its own."""
    data_dir = tmp_path / "data"
    monkeypatch.setenv("FORMS_APP_STORE_URL", postgres_url)
    monkeypatch.setenv("FORMS_APP_DATA_DIR", str(data_dir))
    monkeypatch.delenv("FORMS_APP_SETTINGS", raising=False)
    app = create_app(str(EXAMPLE_SETTINGS))
    app.config.update(TESTING=True)
    yield app.extensions[EXTENSION]
    use_database(data_dir, "")
