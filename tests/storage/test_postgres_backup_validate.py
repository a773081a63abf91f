"""``feedback backup`` and ``feedback validate`` with the case tables in PostgreSQL: the backup
holds the database's rows as a data package, the audit log from the database, and what the data
directory still holds, and passes the restore drill; validate reads the database's rows, and
finds what is wrong there."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from forms_app.cli.group import main as cli_main
from forms_app.records import audit
from forms_app.storage import Store
from forms_app.storage.backup import MANIFEST
from forms_app.storage.postgres import PostgresStore
from forms_app.storage.shared_database import use_database
from tests.reliability.test_durability_backup import TABLES, submission


def _database(url: str, data_dir: Path, count: int) -> PostgresStore:
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    store = PostgresStore(url, data_dir, TABLES)
    store.recover()
    for number in range(count):
        row, person = submission(number)
        store.commit_submission(
            idempotency_key=row["idempotency_key"], submission=row, personal=person
        )
    return store


def _feedback(url: str, data_dir: Path, *args: str):
    result = CliRunner().invoke(
        cli_main,
        list(args),
        env={"FORMS_APP_DATA_DIR": str(data_dir), "FORMS_APP_STORE_URL": url},
    )
    use_database(data_dir, "")
    return result


def test_postgres_backup_holds_the_database_rows_and_the_data_directory_and_restores(
    postgres_url, tmp_path
):
    data_dir = tmp_path / "data"
    store = _database(postgres_url, data_dir, 5)
    (data_dir / "letters").mkdir()
    (data_dir / "letters" / "AB12-CD34-acknowledgement.pdf").write_bytes(b"%PDF-1.7 letter")
    (data_dir / "drafts").mkdir()
    (data_dir / "drafts" / "unsent.json").write_text("{}")

    use_database(data_dir, postgres_url)
    for number in range(3):
        audit.record(data_dir, actor="mina", action="case.viewed", detail=f"look {number}")
    use_database(data_dir, "")

    made = _feedback(postgres_url, data_dir, "backup", str(tmp_path / "backups"))
    assert made.exit_code == 0, made.output
    assert "staff accounts" in made.output, "says what the backup leaves to the database's own"
    (backup,) = (tmp_path / "backups").iterdir()
    names = {path.relative_to(backup).as_posix() for path in backup.rglob("*")}
    assert {"submissions.csv", "personal.csv", "events.csv", "datapackage.json"} <= names
    assert "letters/AB12-CD34-acknowledgement.pdf" in names
    assert not {"drafts", ".lock", ".database-package.tmp"} & names, names
    manifest = json.loads((backup / MANIFEST).read_text())
    assert manifest["case_tables_from"] == "postgresql"
    assert manifest["files"]["submissions.csv"]["rows"] == 5
    copy = Store(backup, TABLES)
    for name in ("submissions", "personal"):
        assert list(copy.rows(name)) == list(store.rows(name)), name

    restored = audit.verify(backup)  # as the files of a data directory
    assert restored.ok and restored.entries == 3, restored

    checked = _feedback(postgres_url, data_dir, "backup", "--verify", str(backup))
    assert checked.exit_code == 0, checked.output
    assert "submissions: 5 rows" in checked.stdout and "personal: 5 rows" in checked.stdout


def test_postgres_validate_reads_the_database_rows_and_finds_a_changed_one(postgres_url, tmp_path):
    data_dir = tmp_path / "data"
    store = _database(postgres_url, data_dir, 4)
    valid = _feedback(postgres_url, data_dir, "validate")
    assert valid.exit_code == 0, valid.output
    assert "in the database" in valid.output and "submissions: 4 rows" in valid.output
    assert not (data_dir / "submissions.csv").exists(), "nothing written to the data directory"

    # The database checks each row's own rules, not that a person's details belong to a case
    # (the schemas' foreign keys): a change made outside the service can break that.
    ref = next(iter(store.rows("personal")))["ref"]
    with store.connections.writing() as connection:
        connection.execute("UPDATE personal SET ref = 'ZZ99-NOCASE' WHERE ref = %s", (ref,))
    invalid = _feedback(postgres_url, data_dir, "validate")
    assert invalid.exit_code == 1, invalid.output
    assert "personal" in invalid.output and "invalid: 1 errors" in invalid.output
    assert 'not found in the lookup table "submissions"' in invalid.output
