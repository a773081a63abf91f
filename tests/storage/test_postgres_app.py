"""The service with its case tables in PostgreSQL: the app built with a database URL keeps its
cases there, and the staff pages and the case list work on them as on the data package."""

from __future__ import annotations

import re
from types import SimpleNamespace

import psycopg
import pytest
from click.testing import CliRunner

from forms_app import create_app
from forms_app.cli import main
from forms_app.organisation.settings import EXAMPLE_SETTINGS
from forms_app.storage.contract import Contract
from forms_app.storage.postgres import PostgresStore
from forms_app.web.parts import EXTENSION
from tests.support.staff import add_events, submit

CONTRACT = Contract()
TABLES = {name: CONTRACT.columns(name) for name in CONTRACT.resource_names}


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


def test_store_roles_on_postgres_lets_the_app_read_personal_details_and_the_reader_not(
    postgres_server, postgres_url, tmp_path
):
    granted = CliRunner().invoke(
        main,
        ["store-roles", postgres_url, "--reader-role", "feedback_reports"],
        env={"FORMS_APP_DATA_DIR": str(tmp_path), "FORMS_APP_SETTINGS": str(EXAMPLE_SETTINGS)},
        catch_exceptions=False,
    )
    assert granted.exit_code == 0, granted.output
    database = postgres_url.rsplit("/", 1)[1]
    as_app = PostgresStore(postgres_server.url(database, "feedback_app"), tmp_path, TABLES)
    as_app.recover()
    parts = SimpleNamespace(
        store=as_app, contract=CONTRACT, procedure=SimpleNamespace(code="nhs-england")
    )
    ref = submit(parts)
    assert as_app.find_personal(ref)["name"] == "Alys Example"
    with psycopg.connect(postgres_server.url(database, "feedback_reports")) as reports:
        assert reports.execute("SELECT count(*) FROM submissions").fetchone() == (1,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            reports.execute("SELECT email FROM personal")
