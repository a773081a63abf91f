"""The case tables moved between engines, on the command line.

- ``feedback migrate-store`` moves the demo data into PostgreSQL and back, byte for byte;
- ``feedback export-package`` writes a data package frictionless accepts, from either engine.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from forms_app.cli import main
from forms_app.demo.data import make_demo_data
from forms_app.organisation.settings import EXAMPLE_SETTINGS
from forms_app.storage import Store
from forms_app.storage.contract import Contract
from forms_app.storage.postgres import PostgresStore

CONTRACT = Contract()
TABLES = {name: CONTRACT.columns(name) for name in CONTRACT.resource_names}
FILES = [f"{name}.csv" for name in TABLES]


def feedback(data_dir: Path, *args: str, store_url: str = ""):
    """Run the ``feedback`` command as a person would, with the example settings."""
    env = {
        "FORMS_APP_DATA_DIR": str(data_dir),
        "FORMS_APP_SETTINGS": str(EXAMPLE_SETTINGS),
        "FORMS_APP_STORE_URL": store_url,
    }
    return CliRunner().invoke(main, list(map(str, args)), env=env, catch_exceptions=False)


@pytest.fixture
def demo_dir(app_parts) -> Path:
    """A data directory with demo cases, people and events, in the data package."""
    made = make_demo_data(app_parts, count=150, seed=21)
    assert made.events > 150
    return app_parts.settings.data_dir


def test_migrate_store_moves_the_demo_data_into_postgres_and_back_byte_for_byte(
    demo_dir, postgres_url, tmp_path
):
    moved_in = feedback(demo_dir, "migrate-store", "--to", postgres_url)
    assert moved_in.exit_code == 0, moved_in.output
    assert "submissions: 150 rows" in moved_in.output

    database = PostgresStore(postgres_url, demo_dir, TABLES)
    original = Store(demo_dir, TABLES)
    for name in TABLES:
        assert list(database.rows(name)) == list(original.rows(name)), name

    back = tmp_path / "back"
    moved_out = feedback(back, "migrate-store", "--from", postgres_url, "--data-dir", back)
    assert moved_out.exit_code == 0, moved_out.output
    for name in FILES:
        assert (back / name).read_bytes() == (demo_dir / name).read_bytes(), name


def test_migrate_store_moves_nothing_into_a_postgres_database_that_holds_rows(
    demo_dir, postgres_url
):
    assert feedback(demo_dir, "migrate-store", "--to", postgres_url).exit_code == 0
    again = feedback(demo_dir, "migrate-store", "--to", postgres_url)
    assert again.exit_code == 1
    assert "nothing moved" in again.output and "already holds rows" in again.output
    assert len(list(PostgresStore(postgres_url, demo_dir, TABLES).rows("submissions"))) == 150


def test_migrate_store_to_an_unreachable_postgres_says_so_and_moves_nothing(demo_dir):
    refused = feedback(demo_dir, "migrate-store", "--to", "postgresql://nobody@127.0.0.1:1/x")
    assert refused.exit_code == 1 and "nothing moved" in refused.output
    assert feedback(demo_dir, "migrate-store").exit_code == 2  # neither --to nor --from


def test_export_package_from_postgres_is_a_valid_data_package(demo_dir, postgres_url, tmp_path):
    assert feedback(demo_dir, "migrate-store", "--to", postgres_url).exit_code == 0
    target = tmp_path / "exported"
    exported = feedback(demo_dir, "export-package", target, store_url=postgres_url)
    assert exported.exit_code == 0, exported.output
    assert exported.output.startswith("valid: submissions: 150 rows")
    assert (target / "datapackage.json").exists()
    for name in FILES:
        assert (target / name).read_bytes() == (demo_dir / name).read_bytes(), name


def test_export_package_from_the_data_directory_is_valid_too(demo_dir, tmp_path):
    exported = feedback(demo_dir, "export-package", tmp_path / "out")
    assert exported.exit_code == 0, exported.output
    assert "valid: submissions: 150 rows" in exported.output
    refused = feedback(demo_dir, "export-package", tmp_path / "out")
    assert refused.exit_code == 1 and "not empty" in refused.output


def test_export_package_from_postgres_reports_a_row_the_package_refuses(
    demo_dir, postgres_url, tmp_path
):
    """The database does not hold the package's foreign keys (a rewrite works on one table
    at a time), so the export validates what it wrote: an event naming no case is reported."""
    assert feedback(demo_dir, "migrate-store", "--to", postgres_url).exit_code == 0
    with psycopg.connect(postgres_url) as connection:
        # A reference no submission has: the package's foreign key catches it.
        first = "(SELECT min(row_position) FROM events)"
        connection.execute(f"UPDATE events SET ref = 'ACDE-FHJK' WHERE row_position = {first}")
    exported = feedback(demo_dir, "export-package", tmp_path / "out", "--from", postgres_url)
    assert exported.exit_code == 1
    assert "invalid:" in exported.output
