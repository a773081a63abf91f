"""Shared fixtures: an app on a fresh data directory on real disk, with the example settings."""

from __future__ import annotations

import pytest

from forms_app import create_app
from forms_app.parts import parts as current_parts
from forms_app.settings import EXAMPLE_SETTINGS


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
    with app.app_context():
        yield current_parts()
