"""The service with its case tables in PostgreSQL: the app built with a database URL keeps its
cases there, and the staff pages and the case list work on them as on the data package."""

from __future__ import annotations

import re

import pytest

from forms_app import create_app
from forms_app.organisation.settings import EXAMPLE_SETTINGS
from forms_app.storage.postgres import PostgresStore
from forms_app.web.parts import EXTENSION
from tests.support.staff import add_events, submit


@pytest.fixture
def app(data_dir, postgres_url, monkeypatch):
    """The app with its case tables in PostgreSQL (the rest of tests/conftest.py's fixtures,
    ``app_parts`` and ``signed_in``, build on this one)."""
    monkeypatch.setenv("FORMS_APP_STORE_URL", postgres_url)
    app = create_app(str(EXAMPLE_SETTINGS))
    app.config.update(TESTING=True)
    return app


def _refs(html: str) -> set[str]:
    return set(re.findall(r'href="/staff/cases/([A-Z0-9-]+)"', html))


def test_the_app_on_postgres_keeps_its_cases_in_the_database(app, data_dir):
    parts = app.extensions[EXTENSION]
    assert isinstance(parts.store, PostgresStore)
    ref = submit(parts, service="home-care")
    assert parts.store.find(ref)["service"] == "home-care"
    # Nothing went to the data directory's tables.
    assert not (data_dir / "submissions.csv").exists()


def test_staff_on_postgres_log_feedback_once_and_see_the_case_list_follow(signed_in, app):
    parts = app.extensions[EXTENSION]
    mina = signed_in("mina")
    opened = submit(parts, service="home-care")
    closed = submit(parts, service="home-care", kind="compliment")
    assert _refs(mina.get("/staff/cases").text) == {opened, closed}
    add_events(parts, closed, "mina", ("closed", {}))
    assert _refs(mina.get("/staff/cases").text) == {opened}
    assert _refs(mina.get("/staff/cases?status=closed").text) == {closed}
    case = mina.get(f"/staff/cases/{opened}")
    assert case.status_code == 200 and "Alys Example" in case.text
