"""An app with a shared sheet configured (its outbox is what readiness and the metrics read)."""

from __future__ import annotations

import dataclasses

import pytest

from forms_app import create_app
from forms_app.observing.observed import EXTENSION
from tests.support.sheets import settings_file

SHEET = {"spreadsheet_key": "sheet-for-tests", "api_base_url": "http://127.0.0.1:9"}


@pytest.fixture
def sheet_app(data_dir, tmp_path):
    app = create_app(str(settings_file(tmp_path, SHEET)))
    app.config.update(TESTING=True)
    return app


@pytest.fixture
def tune():
    """``tune(app, lock_seconds=0.1)``: change what the app's health checks and metrics page
    were told at start, as the settings file or the environment would have."""

    def change(app, **values):
        watched = app.extensions[EXTENSION]
        watched.monitoring = dataclasses.replace(watched.monitoring, **values)

    return change
