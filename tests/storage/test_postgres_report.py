"""The report reads its tables from the engine the settings choose.

The same cases are written into a data directory and moved into PostgreSQL (the way
``feedback migrate-store`` moves them); the report's figures, and what the PII gate learns of
people and of what was written on cases, are then the same from both, and so is the data
package ``feedback report`` writes. The PostgreSQL side is given a data directory of its own
holding no case table and no staff directory, so nothing can come from the files.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict
from datetime import date
from pathlib import Path

import pytest
import yaml

from forms_app.demo.data import make_demo_data
from forms_app.organisation.settings import EXAMPLE_SETTINGS, PROJECT_DIR, load_settings
from forms_app.reports.figures import compute
from forms_app.reports.freetext import load_users, people_names
from forms_app.reports.loading import DataError, load
from forms_app.reports.periods import latest_complete_year
from forms_app.reports.pii_gate import Gate
from forms_app.reports.pii_sources import case_writing, known_people
from forms_app.reports.sources import DatabaseTables, open_tables
from forms_app.storage import Store
from forms_app.storage.contract import Contract
from forms_app.storage.postgres import PostgresStore
from forms_app.storage.postgres.accounts import DocumentTable
from forms_app.storage.postgres.moving import copy_rows
from forms_app.storage.reading import open_for_reading

TODAY = date.today()
YEAR = latest_complete_year(TODAY)
CONTRACT = Contract()
TABLES = {name: CONTRACT.columns(name) for name in CONTRACT.resource_names}


def settings_for(directory: Path, data_dir: Path, store_url: str = ""):
    """The example settings on ``data_dir``, with the case tables in ``store_url`` when given."""
    directory.mkdir(parents=True, exist_ok=True)
    raw = yaml.safe_load(EXAMPLE_SETTINGS.read_text("utf-8"))
    raw["data_dir"] = str(data_dir)
    if store_url:
        raw["store_url"] = store_url
    path = directory / "settings.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    return load_settings(path)


@pytest.fixture
def both(app_parts, tmp_path, postgres_url, monkeypatch):
    """(settings reading the data directory, settings reading PostgreSQL) over the same demo
    cases, people and events."""
    made = make_demo_data(app_parts, count=150, seed=21)
    assert made.events > 150
    files_dir = app_parts.settings.data_dir
    monkeypatch.delenv("FORMS_APP_DATA_DIR")  # each settings file names its own
    source = Store(files_dir, TABLES)
    source.recover()
    database_dir = tmp_path / "database"
    database_dir.mkdir()
    database = PostgresStore(postgres_url, database_dir, TABLES)
    database.recover()
    moved = copy_rows(source, database)
    assert moved["submissions"] == 150 and moved["events"] > 150 and moved["personal"] > 0
    # The staff directory: users.json beside the files, its document in the database (as the
    # app keeps it there under store_url). The database's data directory holds neither.
    staff = _staff_directory(files_dir)
    with DocumentTable(postgres_url, "users").editing() as body:
        body.update(staff)
    assert not any(database_dir.iterdir())
    files = settings_for(tmp_path / "files-settings", files_dir)
    on_postgres = settings_for(tmp_path / "pg-settings", database_dir, postgres_url)
    return files, on_postgres


#: An invented member of staff, a publisher, on both sides.
STAFF_NAME = "Rhydian Gwenllwyd"


def _staff_directory(files_dir: Path) -> dict:
    """``users.json`` of the demo data directory with one more publisher; the document."""
    path = files_dir / "users.json"
    document = json.loads(path.read_text("utf-8")) if path.exists() else {"version": 1}
    document.setdefault("users", {})["rhydian.g"] = {
        "username": "rhydian.g",
        "name": STAFF_NAME,
        "email": "rhydian.g@staff.example.org",
        "roles": ["publisher"],
        "services": [],
        "disabled": False,
    }
    path.write_text(json.dumps(document), "utf-8")
    return document


def figures(settings):
    return compute(load(settings.data_dir, settings), settings, YEAR, as_at=TODAY)


def test_the_report_on_postgres_has_the_same_figures_as_on_the_data_package(both):
    files, on_postgres = both
    from_files, from_postgres = figures(files), figures(on_postgres)
    assert from_files.tables and set(from_postgres.tables) == set(from_files.tables)
    for key, table in from_files.tables.items():
        assert asdict(from_postgres.tables[key]) == asdict(table), key
    assert any(row.values for table in from_files.tables.values() for row in table.rows)
    assert from_files.returns and set(from_postgres.returns) == set(from_files.returns)
    for key, table in from_files.returns.items():
        assert asdict(from_postgres.returns[key]) == asdict(table), key
    assert from_postgres.headline == from_files.headline
    assert from_postgres.behind == from_files.behind
    assert from_postgres.few == from_files.few


def test_the_report_on_postgres_folds_the_same_cases_and_writing(both):
    files, on_postgres = both
    from_files = load(files.data_dir, files)
    from_postgres = load(on_postgres.data_dir, on_postgres)
    assert len(from_files.cases) > 5
    assert [c.ref for c in from_postgres.cases] == [c.ref for c in from_files.cases]
    assert [c.status for c in from_postgres.cases] == [c.status for c in from_files.cases]
    assert from_postgres.on_behalf == from_files.on_behalf
    assert from_postgres.writing == from_files.writing
    assert case_writing(on_postgres.data_dir, on_postgres) == from_files.writing


def test_the_postgres_reader_gives_the_cells_the_data_package_reader_gives(both):
    files, on_postgres = both
    package = open_for_reading(files.data_dir)
    database = open_tables(on_postgres.data_dir, on_postgres)
    assert isinstance(database, DatabaseTables)
    for name in ("submissions", "personal", "events"):
        assert database.has(name)
        rows = list(package.scan(name))
        assert rows and list(database.scan(name)) == rows, name
        columns = ("ref", "no_such_column", *list(rows[0])[-2:])
        assert list(database.scan(name, columns)) == list(package.scan(name, columns)), name
        assert list(database.scan(name, ("ref",))) == list(package.scan(name, ("ref",))), name


def test_the_pii_gate_on_postgres_knows_the_same_people(both):
    files, on_postgres = both
    from_files = known_people(files.data_dir, {"officer"}, files)
    from_postgres = known_people(on_postgres.data_dir, {"officer"}, on_postgres)
    assert from_files.phrases and from_postgres.phrases == from_files.phrases
    assert from_postgres.digits == from_files.digits
    assert from_postgres.emails == from_files.emails
    assert from_postgres.postcodes == from_files.postcodes
    assert people_names(on_postgres.data_dir, on_postgres) == people_names(files.data_dir)
    assert from_postgres.phrases.get("rhydian gwenllwyd") == "staff name"
    assert (
        "rhydian.g" in from_postgres.usernames and from_postgres.usernames == from_files.usernames
    )
    assert load_users(on_postgres.data_dir, on_postgres) == load_users(files.data_dir)


def test_a_name_in_the_postgres_personal_table_stops_publishing(both):
    _, on_postgres = both
    database = PostgresStore(on_postgres.raw["store_url"], on_postgres.data_dir, TABLES)
    name = next(name for (name,) in database.scan("personal", ("name",)) if " " in name)
    page = [("outcomes/2025-26.md", f"Thanks to {name} for telling us about the buses.")]
    staff_page = [("outcomes/2025-26.md", f"{STAFF_NAME} answered every letter.")]
    gate = Gate.for_data(on_postgres, on_postgres.data_dir)
    findings = gate.scan(page)
    assert findings and all(f.where == "outcomes/2025-26.md" for f in findings)
    assert gate.scan(staff_page)  # the staff directory's document in the database
    # The same page passes a gate that reads only the (case-table-free) data directory: the
    # name was learnt from the database.
    files_only = settings_for(on_postgres.data_dir.parent / "files-only", on_postgres.data_dir)
    files_gate = Gate.for_data(files_only, files_only.data_dir)
    assert files_gate.scan(page) == [] and files_gate.scan(staff_page) == []


def test_a_report_on_an_empty_postgres_database_says_there_is_nothing_yet(tmp_path, postgres_url):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    settings = settings_for(tmp_path, data_dir, postgres_url)
    with pytest.raises(DataError, match="nothing to report on"):
        load(data_dir, settings)


def feedback_report(
    settings_file: Path, tmp: Path, name: str
) -> tuple[subprocess.CompletedProcess, Path]:
    """``feedback report`` for ``YEAR`` as a person runs it, into a site and data folder of its
    own; the finished process and the folder of the period's data package."""
    site = tmp / f"{name}-site"
    shutil.copytree(PROJECT_DIR / "site", site)
    env = {**os.environ, "FORMS_APP_SETTINGS": str(settings_file), "NO_MKDOCS_2_WARNING": "1"}
    env.pop("FORMS_APP_DATA_DIR", None)
    env.pop("FORMS_APP_STORE_URL", None)
    code = "import sys; from forms_app.cli.group import main; sys.exit(main())"
    done = subprocess.run(
        [sys.executable, "-c", code, "report", "--year", str(YEAR.start.year)]
        + ["--as-at", TODAY.isoformat(), "--site-dir", str(site)]
        + ["--data-out", str(tmp / f"{name}-data")],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return done, tmp / f"{name}-data" / YEAR.slug


def test_feedback_report_on_postgres_writes_the_same_data_package(both, tmp_path):
    files_settings = tmp_path / "files-settings" / "settings.yaml"
    postgres_settings = tmp_path / "pg-settings" / "settings.yaml"
    assert "store_url" in postgres_settings.read_text("utf-8")
    done_files, package_files = feedback_report(files_settings, tmp_path, "files")
    assert done_files.returncode == 0, done_files.stdout + done_files.stderr
    done_postgres, package_postgres = feedback_report(postgres_settings, tmp_path, "postgres")
    assert done_postgres.returncode == 0, done_postgres.stdout + done_postgres.stderr
    tables = sorted(p.name for p in package_files.glob("*.csv"))
    assert tables and sorted(p.name for p in package_postgres.glob("*.csv")) == tables
    for name in tables:
        written = (package_files / name).read_text("utf-8")
        assert written.count("\n") > 1, name  # a header and at least one row
        assert (package_postgres / name).read_text("utf-8") == written, name
