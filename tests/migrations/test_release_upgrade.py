"""Upgrading a data directory made by release 0.1.0: validated, started, idempotent, refused
when it is from a later release, and the app refusing to start until it is upgraded."""

from __future__ import annotations

import json
import re

import pytest

from forms_app import create_app
from forms_app.migrations import MIGRATIONS, MigrationRefused, migrate
from forms_app.migrations.plan import Migration
from forms_app.organisation.settings import EXAMPLE_SETTINGS
from forms_app.storage.backup import MANIFEST
from forms_app.storage.contract import Contract
from forms_app.storage.package_check import validate_package
from forms_app.storage.reading import read_rows
from forms_app.storage.schema_version import NewerDataError, OlderDataError, data_version

from .conftest import RELEASE_0_1, TABLE_FILES, snapshot

CODE_VERSION = Contract().version


def _actions(data_dir):
    return [row for row in read_rows(data_dir / "events.csv") if row["type"] == "action_added"]


def test_the_fixture_is_what_release_0_1_wrote():
    # The upgrade test means something only if the fixture is older than the code, and holds
    # the rows the first step changes.
    assert data_version(RELEASE_0_1) == "1.0.0" != CODE_VERSION
    assert validate_package(RELEASE_0_1).valid
    assert [row["value"] for row in _actions(RELEASE_0_1)] == ["Review visit scheduling"] * 4


def test_a_release_0_1_data_directory_is_upgraded_and_validates(old_data, tmp_path):
    before = snapshot(old_data)
    report = migrate(old_data, backup_to=tmp_path / "backups")

    assert data_version(old_data) == CODE_VERSION
    checked = validate_package(old_data)
    assert checked.valid, checked.errors
    assert checked.rows == {"submissions": 14, "personal": 13, "events": 61, "evidence": 0}
    actions = _actions(old_data)
    assert len(actions) == 4
    for row in actions:
        assert re.fullmatch(r"A-[0-9A-F]{6}", row["value"])
        assert row["note"] == "Review visit scheduling (Owner: service manager)"
    # Only what the step changes changed: the other tables are the same bytes.
    for name in ("submissions.csv", "personal.csv"):
        assert (old_data / name).read_bytes() == before[name]
    assert [table.describe() for table in report.tables if table.differs] == [
        "events: 4 of 61 rows changed",
        "evidence: 0 of 0 rows changed; columns added ['id', 'ref', 'name', 'kind', 'size', "
        "'sha256', 'scan', 'finding', 'added_by', 'at', 'crc'], removed none",
    ]
    # The backup holds the tables as they were before, with its manifest.
    assert report.backup is not None and report.backup.parent == tmp_path / "backups"
    for name in TABLE_FILES:
        assert (report.backup / name).read_bytes() == before[name]
    assert json.loads((report.backup / MANIFEST).read_text())["files"]["events.csv"]["rows"] == 61
    # No staging directory is left behind (it held copies of personal details).
    assert not list(old_data.glob(".upgrading-*"))


def test_the_app_refuses_to_start_on_release_0_1_data_until_it_is_migrated(old_data, tmp_path):
    with pytest.raises(OlderDataError, match=r"run `feedback migrate`"):
        create_app(str(EXAMPLE_SETTINGS))
    # Refusing must not stamp the directory as upgraded, or the upgrade would be skipped.
    assert data_version(old_data) == "1.0.0"
    migrate(old_data, backup_to=tmp_path / "backups")
    create_app(str(EXAMPLE_SETTINGS))


def test_migrating_twice_changes_nothing(old_data, tmp_path):
    migrate(old_data, backup_to=tmp_path / "backups")
    after_once = snapshot(old_data)
    again = migrate(old_data, backup_to=tmp_path / "backups")
    assert not again.changed and again.backup is None
    assert again.lines == [f"{old_data} is at schema version {CODE_VERSION}: nothing to do"]
    assert snapshot(old_data) == after_once
    assert len(list((tmp_path / "backups").iterdir())) == 1


def test_the_steps_themselves_change_nothing_the_second_time(old_data, tmp_path):
    # Run every step again over upgraded data, as an upgrade interrupted between two tables
    # would: the rows must come out the same.
    migrate(old_data, backup_to=tmp_path / "backups")
    for step in MIGRATIONS:
        rows = list(read_rows(old_data / f"{step.table}.csv"))
        assert list(step.change(rows)) == rows


def test_a_dry_run_says_what_would_change_and_changes_nothing(old_data, tmp_path):
    before = snapshot(old_data)
    report = migrate(old_data, backup_to=tmp_path / "backups", dry_run=True)
    assert (
        report.lines[0] == f"would migrate {old_data} from schema version 1.0.0 to {CODE_VERSION}"
    )
    assert "  events: 4 of 61 rows changed" in report.lines
    assert report.lines[-1] == "dry run: the upgraded tables validate; nothing was changed"
    assert snapshot(old_data) == before
    assert not (tmp_path / "backups").exists()
    assert sorted(p.name for p in old_data.iterdir()) == sorted(before)


def test_a_data_directory_from_a_later_release_is_refused(old_data, tmp_path):
    descriptor = json.loads((old_data / "datapackage.json").read_text())
    descriptor["version"] = "99.0.0"
    (old_data / "datapackage.json").write_text(json.dumps(descriptor))
    before = snapshot(old_data)
    with pytest.raises(NewerDataError, match="later release"):
        migrate(old_data, backup_to=tmp_path / "backups")
    with pytest.raises(NewerDataError, match="later release"):
        create_app(str(EXAMPLE_SETTINGS))
    assert snapshot(old_data) == before


def test_an_upgrade_whose_result_would_not_validate_changes_nothing(old_data, tmp_path):
    def break_every_type(rows):
        """Every event's type becomes one the schema does not know."""
        for row in rows:
            yield {**row, "type": "not_a_type"}

    before = snapshot(old_data)
    steps = [Migration(CODE_VERSION, "events", break_every_type)]
    with pytest.raises(MigrationRefused) as refused:
        migrate(old_data, backup_to=tmp_path / "backups", migrations=steps)
    assert len(refused.value.problems) >= 61
    assert all("not_a_type" not in problem for problem in refused.value.problems)
    assert snapshot(old_data) == before
    assert not list(old_data.glob(".upgrading-*"))


def test_a_new_empty_data_directory_has_nothing_to_migrate(data_dir, tmp_path):
    report = migrate(data_dir, backup_to=tmp_path / "backups")
    assert report.lines == [f"{data_dir} holds no data yet: nothing to migrate"]
    assert not data_dir.exists()
