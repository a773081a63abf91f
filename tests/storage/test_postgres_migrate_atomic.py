"""``feedback migrate-store`` is all or nothing, in both directions, against a real server.

A move that fails part way (here after the case tables and files are written, while the rest
is: a constraint the database enforces, a disk that fills up) leaves the target exactly as it
was, says that nothing moved, and the same command run again once the fault is gone moves
everything, as a move that never failed does.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import psycopg
import pytest

from forms_app.casework.database_links import LINKS, LinkTables
from forms_app.cli.all_or_nothing import staged_directory
from forms_app.messages.outbox import outbox_path
from forms_app.records import audit
from forms_app.storage import Store
from forms_app.storage.postgres import PostgresStore
from tests.storage import test_postgres_migrate_state as moving

TABLES, feedback = moving.TABLES, moving.feedback
#: A data directory as a live installation leaves it (the fixture of the tests beside these).
installation = moving.installation

FILES = [f"{name}.csv" for name in TABLES]


def _rows_held(url: str) -> dict[str, int]:
    """Every table of the database that holds a row, with how many it holds."""
    with psycopg.connect(url) as db:
        names = [
            name
            for (name,) in db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        counts = {
            name: db.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names
        }
    return {name: count for name, count in counts.items() if count}


def _snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder`` with its bytes (None for a folder)."""
    if not folder.exists():
        return {}
    return {
        str(path.relative_to(folder)): None if path.is_dir() else path.read_bytes()
        for path in sorted(folder.rglob("*"))
    }


def test_a_failed_migrate_store_to_postgres_leaves_the_database_as_it_was_and_can_run_again(
    installation,
    postgres_url,
):
    data_dir = installation["data_dir"]
    # A fault in the last part written: the database refuses every request link.
    with LinkTables(postgres_url).durable() as connection:
        connection.execute(
            f"ALTER TABLE {LINKS} ADD CONSTRAINT refused_for_the_test CHECK (false) NOT VALID"
        )
    # The case tables made, as the app makes them when it first starts on the database.
    PostgresStore(postgres_url, data_dir, TABLES).recover()
    before = _rows_held(postgres_url)
    assert before and not any(before.get(name) for name in TABLES), "made, holding no case"

    failed = feedback(data_dir, "migrate-store", "--to", postgres_url)
    assert failed.exit_code == 1, failed.output
    assert _rows_held(postgres_url) == before, "no case rows, files, letters or accounts left"
    assert "nothing moved" in failed.output and "as it was" in failed.output
    assert "refused_for_the_test" in failed.output, "says what happened"
    assert "Failing row" not in failed.output, "and shows no row's cells"

    with psycopg.connect(postgres_url, autocommit=True) as db:
        db.execute(f"ALTER TABLE {LINKS} DROP CONSTRAINT refused_for_the_test")
    moved = feedback(data_dir, "migrate-store", "--to", postgres_url)
    assert moved.exit_code == 0, moved.output
    assert "submissions: 30 rows" in moved.output and "request_links: 1 links" in moved.output
    database, original = PostgresStore(postgres_url, data_dir, TABLES), Store(data_dir, TABLES)
    for name in TABLES:
        assert list(database.rows(name)) == list(original.rows(name)), name
    with psycopg.connect(postgres_url) as db:
        lines = [
            line for (line,) in db.execute("SELECT line FROM feedback_audit ORDER BY position")
        ]
        assert db.execute(f"SELECT count(*) FROM {LINKS}").fetchone()[0] == 1
    assert lines == installation["audit_lines"]


def _disk_full(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("existing", [True, False], ids=["existing", "new"])
def test_a_failed_migrate_store_from_postgres_leaves_the_data_directory_as_it_was_and_can_run_again(
    installation,
    postgres_url,
    tmp_path,
    monkeypatch,
    existing,
):
    data_dir = installation["data_dir"]
    assert feedback(data_dir, "migrate-store", "--to", postgres_url).exit_code == 0
    back = tmp_path / "back"
    if existing:
        # What a data directory of an installation on the database holds: its key, and the
        # store's empty tables from a first start.
        Store(back, TABLES).recover()
        (back / ".secret_key").write_bytes(b"k" * 32)
        (back / "evidence").mkdir(mode=0o700)
    before, beside = _snapshot(back), sorted(os.listdir(tmp_path))

    # A fault in the last part written: the disk fills up as the audit log is written.
    monkeypatch.setattr(audit, "write_copied", _disk_full)
    failed = feedback(back, "migrate-store", "--from", postgres_url, "--data-dir", back)
    assert failed.exit_code == 1, failed.output
    assert back.exists() is existing
    assert _snapshot(back) == before, "no case tables, files, accounts or outboxes left"
    assert sorted(os.listdir(tmp_path)) == beside, "nothing left beside it either"
    assert "nothing moved" in failed.output and "as it was" in failed.output
    assert "No space left on device" in failed.output, "says what happened"

    monkeypatch.undo()
    moved = feedback(back, "migrate-store", "--from", postgres_url, "--data-dir", back)
    assert moved.exit_code == 0, moved.output
    for name in FILES:
        assert (back / name).read_bytes() == (data_dir / name).read_bytes(), name
    assert (back / audit.LOG_NAME).read_bytes() == (data_dir / audit.LOG_NAME).read_bytes()
    assert audit.verify(back).ok
    assert json.loads((back / "users.json").read_text("utf-8")) == json.loads(
        (data_dir / "users.json").read_text("utf-8")
    )
    assert outbox_path(back).exists()
    if existing:
        assert (back / ".secret_key").read_bytes() == b"k" * 32, "what was there stays"
    assert sorted(os.listdir(tmp_path)) == sorted({*beside, "back"})


def test_migrate_store_moving_files_into_a_data_directory_puts_everything_back_if_a_rename_fails(
    tmp_path, monkeypatch
):
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    (data_dir / "submissions.csv").write_bytes(b"ref,crc\n")  # a table holding only its header
    (data_dir / ".secret_key").write_bytes(b"k" * 32)
    before = _snapshot(data_dir)
    rename = os.rename

    def failing(source, target):
        if Path(source).name == "users.json" and Path(source).parent != data_dir:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return rename(source, target)

    monkeypatch.setattr(os, "rename", failing)
    with pytest.raises(OSError), staged_directory(data_dir) as staging:
        (staging / "audit.jsonl").write_bytes(b'{"seq": 1}\n')
        (staging / "submissions.csv").write_bytes(b"ref,crc\nKEP3-KPWK,00000000\n")
        (staging / "users.json").write_text('{"users": {}}', "utf-8")
    assert _snapshot(data_dir) == before, "the table with its header only is back, nothing added"
    assert os.listdir(tmp_path) == ["data"], "nothing left beside it"

    monkeypatch.undo()
    with staged_directory(data_dir) as staging:
        (staging / "submissions.csv").write_bytes(b"ref,crc\nKEP3-KPWK,00000000\n")
    assert (data_dir / "submissions.csv").read_bytes().endswith(b"00000000\n")
    assert (data_dir / ".secret_key").read_bytes() == b"k" * 32
    assert os.listdir(tmp_path) == ["data"]
