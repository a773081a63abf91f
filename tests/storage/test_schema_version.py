"""The data directory's schema version: read from its descriptor, checked before the
descriptor is written, and the staging an upgrade does beside the live tables."""

from __future__ import annotations

import json

import pytest

from forms_app.storage.backup import take_backup
from forms_app.storage.contract import Contract
from forms_app.storage.schema_version import (
    NewerDataError,
    OlderDataError,
    SchemaVersionError,
    check_schema_version,
    data_version,
    version_key,
)
from forms_app.storage.store import Store
from forms_app.storage.upgrading import STAGING_PREFIX, Staging, columns_on_disk

CONTRACT = Contract()
TABLES = {name: CONTRACT.columns(name) for name in CONTRACT.resource_names}


def _descriptor(data_dir, version):
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "datapackage.json").write_text(json.dumps({"version": version}))


def test_versions_compare_as_numbers():
    assert version_key("1.10.0") > version_key("1.9.0")
    with pytest.raises(SchemaVersionError):
        version_key("1.0.0-beta")


def test_a_directory_without_a_descriptor_has_no_version_yet(tmp_path):
    assert data_version(tmp_path / "none") is None
    assert data_version(tmp_path) is None
    # Tables the store made before the descriptor was written are in this code's layout.
    Store(tmp_path, TABLES).recover()
    assert data_version(tmp_path) is None
    check_schema_version(tmp_path, CONTRACT.version)


def test_the_version_is_the_descriptor_version(tmp_path):
    _descriptor(tmp_path, "7.1.0")
    assert data_version(tmp_path) == "7.1.0"
    (tmp_path / "datapackage.json").write_text("{not json")
    with pytest.raises(SchemaVersionError):
        data_version(tmp_path)


def test_the_descriptor_is_never_written_over_another_version(tmp_path):
    older, newer = tmp_path / "older", tmp_path / "newer"
    _descriptor(older, "0.9.0")
    _descriptor(newer, "99.0.0")
    with pytest.raises(OlderDataError, match="run `feedback migrate`"):
        CONTRACT.write_descriptor(older)
    with pytest.raises(NewerDataError, match="later release"):
        CONTRACT.write_descriptor(newer)
    assert data_version(older) == "0.9.0" and data_version(newer) == "99.0.0"
    CONTRACT.write_descriptor(older, migrated=True)
    assert data_version(older) == CONTRACT.version
    check_schema_version(older, CONTRACT.version)


def test_the_store_app_start_writes_the_descriptor_of_a_new_directory(tmp_path):
    CONTRACT.write_descriptor(tmp_path)
    assert data_version(tmp_path) == CONTRACT.version
    CONTRACT.write_descriptor(tmp_path)  # the same version: nothing to refuse


def test_a_staged_table_comes_back_unchanged_when_no_row_changes(tmp_path):
    store = Store(tmp_path, TABLES)
    store.recover()
    store.append_events([])
    assert columns_on_disk(tmp_path, "events") == tuple(TABLES["events"])
    assert columns_on_disk(tmp_path, "nothing") is None
    with Staging(tmp_path) as staging:
        staged = staging.stage("events", TABLES["events"], lambda rows: rows)
        assert not staged.differs
        linked = staging.path / "events.csv"
        assert linked.stat().st_ino == (tmp_path / "events.csv").stat().st_ino
        assert staging.swap(["events"]) == []
    assert not list(tmp_path.glob(f"{STAGING_PREFIX}*"))


def test_a_backup_leaves_out_an_upgrade_staging_directory(tmp_path):
    data = tmp_path / "data"
    store = Store(data, TABLES)
    store.recover()
    stale = data / f"{STAGING_PREFIX}run-1"
    stale.mkdir()
    (stale / "personal.csv").write_text("copy of personal details\n")
    made = take_backup(store, tmp_path / "backups")
    assert not list(made.glob(f"{STAGING_PREFIX}*"))
    assert Staging.remove_stale(data) == 1 and not stale.exists()
