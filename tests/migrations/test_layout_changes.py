"""Upgrades that change a table's header (a column added or renamed), an upgrade interrupted
between two tables, and the ``feedback migrate`` command."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from forms_app.cli import main
from forms_app.migrations import MIGRATIONS, migrate
from forms_app.migrations.plan import Migration, code_renamed, column_added
from forms_app.storage import Store
from forms_app.storage import upgrading as upgrading_module
from forms_app.storage.contract import PACKAGE_DIR, Contract
from forms_app.storage.package_check import validate_package
from forms_app.storage.reading import read_rows
from forms_app.storage.schema_version import data_version

from .conftest import snapshot

NEXT = "1.3.0"


def _next_package(tmp_path, edit_events=None) -> Contract:
    """A copy of this release's package at version 1.3.0, its events schema changed by
    ``edit_events`` (the next release's schema, as a test can make it)."""
    package = tmp_path / "next-package"
    shutil.copytree(PACKAGE_DIR, package)
    descriptor = json.loads((package / "datapackage.json").read_text())
    descriptor["version"] = NEXT
    (package / "datapackage.json").write_text(json.dumps(descriptor))
    if edit_events is not None:
        path = package / "schemas" / "events.schema.json"
        schema = json.loads(path.read_text())
        edit_events(schema["fields"])
        path.write_text(json.dumps(schema))
    return Contract(package)


def test_a_column_added_reaches_the_header_and_every_row(old_data, tmp_path):
    def add_channel(fields):
        at = [field["name"] for field in fields].index("note") + 1
        fields.insert(
            at, {"name": "channel", "type": "string", "constraints": {"enum": ["phone", "online"]}}
        )

    contract = _next_package(tmp_path, add_channel)
    # First at this release's layout, so the report below holds the next step's change only.
    migrate(old_data, backup_to=tmp_path / "b0")
    columns, change = column_added("channel", after="note", value="online")
    steps = [*MIGRATIONS, Migration(NEXT, "events", change, columns)]
    report = migrate(old_data, backup_to=tmp_path / "b", contract=contract, migrations=steps)

    assert [t.describe() for t in report.tables if t.differs] == [
        "events: 61 of 61 rows changed; columns added ['channel'], removed none"
    ]
    assert data_version(old_data) == NEXT
    assert validate_package(old_data).valid
    header = (old_data / "events.csv").read_text().splitlines()[0]
    assert header.endswith(",note,channel,crc")
    # The store of the next release opens it: every checksum matches the new header's rows.
    tables = {name: contract.columns(name) for name in contract.resource_names}
    store = Store(old_data, tables)
    store.recover()
    assert {row["channel"] for row in store.rows("events")} == {"online"}


def test_steps_that_do_not_end_in_the_code_columns_change_nothing(old_data, tmp_path):
    def rename_note(fields):
        next(field for field in fields if field["name"] == "note")["name"] = "remark"

    contract = _next_package(tmp_path, rename_note)
    before = snapshot(old_data)
    with pytest.raises(Exception, match="a step is missing"):
        migrate(old_data, backup_to=tmp_path / "b", contract=contract)
    assert snapshot(old_data) == before
    assert not (tmp_path / "b").exists()


def test_an_upgrade_interrupted_between_two_tables_finishes_when_run_again(
    old_data, tmp_path, monkeypatch
):
    contract = _next_package(tmp_path)
    steps = [
        *MIGRATIONS,
        Migration(NEXT, "submissions", code_renamed("kind", "comment", "concern")),
    ]
    real_replace = upgrading_module.os.replace

    def replace_once(source, target):
        # The power goes after submissions are swapped in, before events are.
        if target == old_data / "events.csv":
            raise OSError("power cut")
        real_replace(source, target)

    monkeypatch.setattr(upgrading_module.os, "replace", replace_once)
    with pytest.raises(OSError, match="power cut"):
        migrate(old_data, backup_to=tmp_path / "b", contract=contract, migrations=steps)
    monkeypatch.setattr(upgrading_module.os, "replace", real_replace)
    # Half done: submissions upgraded, events not, the old version still recorded.
    assert data_version(old_data) == "1.0.0"
    assert "comment" not in {row["kind"] for row in read_rows(old_data / "submissions.csv")}
    assert {row["value"] for row in read_rows(old_data / "events.csv")} >= {
        "Review visit scheduling"
    }

    migrate(old_data, backup_to=tmp_path / "b", contract=contract, migrations=steps)
    assert data_version(old_data) == NEXT
    assert validate_package(old_data).valid
    assert "Review visit scheduling" not in {
        row["value"] for row in read_rows(old_data / "events.csv")
    }


def test_feedback_migrate_upgrades_and_says_so(old_data, tmp_path):
    runner = CliRunner()
    dry = runner.invoke(main, ["migrate", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would migrate" in dry.output and "4 of 61 rows changed" in dry.output
    assert data_version(old_data) == "1.0.0"

    done = runner.invoke(main, ["migrate", "--backup-to", str(tmp_path / "backups")])
    assert done.exit_code == 0, done.output
    assert f"backup taken first: {tmp_path / 'backups'}" in done.output
    assert data_version(old_data) == Contract().version

    again = runner.invoke(main, ["migrate"])
    assert again.exit_code == 0 and "nothing to do" in again.output


def test_feedback_migrate_refuses_a_later_release_with_a_clear_message(old_data):
    descriptor = json.loads((old_data / "datapackage.json").read_text())
    descriptor["version"] = "99.0.0"
    (old_data / "datapackage.json").write_text(json.dumps(descriptor))
    refused = CliRunner().invoke(main, ["migrate"])
    assert refused.exit_code == 1
    assert "not migrated" in refused.output and "later release" in refused.output


def test_feedback_migrate_refuses_a_damaged_table_and_changes_nothing(old_data):
    path = old_data / "events.csv"
    raw = bytearray(path.read_bytes())
    raw[raw.index(b"\n") + 3] ^= 0x01  # inside the first row: not a torn tail, damage
    path.write_bytes(bytes(raw))
    before = snapshot(old_data)
    refused = CliRunner().invoke(main, ["migrate"])
    assert refused.exit_code == 1, refused.output
    assert "not migrated" in refused.output and "events" in refused.output
    assert snapshot(old_data) == before
    assert data_version(old_data) == "1.0.0"
