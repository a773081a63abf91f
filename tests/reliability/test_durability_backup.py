"""D10 and G7: backups taken while four processes commit, and the restore drill.

Each backup is taken under the store lock (``take_backup``) while writers commit without pause.
Every table copy, once recovered as start-up would, must be a byte-prefix of the final table
(appends only ever add at the end), no copy may hold mid-file damage, and the restore drill
(restore into a fresh directory, recover, validate as ``feedback validate`` does, compare with
the manifest) must pass for each. The drill must fail, saying why, on a tampered backup: bytes
changed, a file added, a row edited with the manifest forged to match.
"""

from __future__ import annotations

import multiprocessing
import os
import secrets
import shutil
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from forms_app.cli.backup import _validation_problems
from forms_app.cli.group import main as cli_main
from forms_app.storage import Store, Table
from forms_app.storage.backup import MANIFEST, restore_drill, take_backup
from forms_app.storage.contract import Contract
from tests.support.tier import scaled

pytestmark = pytest.mark.slow

CONTRACT = Contract()
TABLES = {name: CONTRACT.columns(name) for name in CONTRACT.resource_names}
WRITERS = 4
STORIES = [
    "Roedd y nyrs yn garedig iawn. Diolch o galon 💐",
    'The carer said "tomorrow", then didn\'t come.\nMam waited all evening.',
    "Emoji 👍🏽 and Welsh ŵ ŷ Ŵ Ŷ, commas, and more commas",
]


def submission(number: int) -> tuple[dict[str, str], dict[str, str]]:
    """A valid comment (for the data package's schema) and the person's details (synthetic)."""
    row = {name: "" for name in TABLES["submissions"] if name not in ("ref", "crc")}
    row.update(
        idempotency_key=secrets.token_urlsafe(24),
        received=datetime.now(UTC).isoformat(timespec="seconds"),
        kind="comment",
        variant="standard",
        language="cy",
        channel="online",
        procedure="charity-help-and-care",
        service="home-care",
        details=f"{STORIES[number % len(STORIES)]} #{number}",
        anonymous="false",
    )
    person = {name: "" for name in TABLES["personal"] if name not in ("ref", "crc")}
    person.update(
        name="Eirlys Prothero-Ŵyn",
        email=f"eirlys.{number % 90 + 10}@example.com",
        phone=f"07700 900{number % 1000:03d}",
        preferred_contact="email",
    )
    return row, person


def commit(store: Store, number: int) -> None:
    row, person = submission(number)
    store.commit_submission(idempotency_key=row["idempotency_key"], submission=row, personal=person)


def _write_until_stopped(data_dir: Path, worker: int, stop, count) -> None:
    store = Store(data_dir, TABLES)
    number = worker * 1_000_000
    while not stop.is_set():
        commit(store, number)
        number += 1
        with count.get_lock():
            count.value += 1


def new_data_dir(tmp_path: Path) -> tuple[Path, Store]:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    CONTRACT.write_descriptor(data_dir)
    store = Store(data_dir, TABLES)
    store.recover()
    return data_dir, store


def recovered_copy(backup: Path, name: str, scratch: Path) -> bytes:
    """The table as start-up recovery leaves the copy (CorruptStoreError on mid-file damage)."""
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    shutil.copy(backup / f"{name}.csv", scratch / f"{name}.csv")
    Table(scratch / f"{name}.csv", TABLES[name]).recover()
    return (scratch / f"{name}.csv").read_bytes()


def test_backups_during_commits_are_prefixes_and_pass_the_drill(tmp_path: Path) -> None:
    """D10 + G7: PR 20 backups, nightly 100, while 4 processes commit."""
    backups_wanted = scaled(20, 100)
    data_dir, store = new_data_dir(tmp_path)
    for number in range(10):
        commit(store, number)
    context = multiprocessing.get_context("fork")
    stop, count = context.Event(), context.Value("i", 0)
    writers = [
        context.Process(target=_write_until_stopped, args=(data_dir, worker, stop, count))
        for worker in range(WRITERS)
    ]
    for writer in writers:
        writer.start()
    backups = []
    try:
        for _ in range(backups_wanted):
            # Some commits between each pair of backups, so that no two are alike.
            seen = count.value
            while count.value < seen + 3 and all(writer.is_alive() for writer in writers):
                os.sched_yield()
            backups.append(take_backup(store, tmp_path / "backups"))
    finally:
        stop.set()
        for writer in writers:
            writer.join(timeout=30)
    assert [writer.exitcode for writer in writers] == [0] * WRITERS
    store.recover()
    final = {name: (data_dir / f"{name}.csv").read_bytes() for name in TABLES}

    not_prefix, damaged, failed, sizes = [], [], [], set()
    for backup in backups:
        assert stat.S_IMODE(backup.stat().st_mode) == 0o700
        assert all(stat.S_IMODE(path.stat().st_mode) == 0o600 for path in backup.iterdir())
        for name in TABLES:
            try:
                copy = recovered_copy(backup, name, tmp_path / "scratch")
            except Exception as error:  # mid-file damage, or anything else recovery refuses
                damaged.append(f"{backup.name}/{name}: {error}")
                continue
            if not final[name].startswith(copy):
                not_prefix.append(f"{backup.name}/{name}")
            sizes.add((name, len(copy)))
        report = restore_drill(backup, TABLES, validate=_validation_problems)
        if not report.ok:
            failed.append(f"{backup.name}: {report.problems[:3]}")
    distinct = len({size for name, size in sizes if name == "submissions"})
    summary = (
        f"{len(backups)} backups during {count.value} commits ({distinct} distinct sizes): "
        f"{len(not_prefix)} not a byte-prefix of the final file, {len(damaged)} with mid-file "
        f"damage, {len(failed)} failing the restore drill; {not_prefix[:3]} {damaged[:3]} "
        f"{failed[:3]}"
    )
    print(summary)
    assert len(backups) == backups_wanted
    assert distinct > 1, "the backups did not happen during writes"
    assert not not_prefix and not damaged and not failed, summary


def test_restore_drill_fails_on_a_tampered_backup(tmp_path: Path) -> None:
    """G7 negative controls: changed bytes, an added file, a row edited with a forged manifest."""
    _, store = new_data_dir(tmp_path)
    for number in range(12):
        commit(store, number)
    good = take_backup(store, tmp_path / "backups")
    assert restore_drill(good, TABLES, validate=_validation_problems).ok

    def tampered(label: str) -> Path:
        copy = tmp_path / label
        shutil.copytree(good, copy)
        return copy

    flipped = tampered("flipped")
    data = bytearray((flipped / "submissions.csv").read_bytes())
    data[len(data) // 2] ^= 0x01
    (flipped / "submissions.csv").write_bytes(bytes(data))
    problems = restore_drill(flipped, TABLES, validate=_validation_problems).problems
    assert problems == ["submissions.csv: SHA-256 differs from the manifest (changed or damaged)"]

    added = tampered("added")
    (added / "extra.csv").write_text("ref\n")
    problems = restore_drill(added, TABLES).problems
    assert problems == ["extra.csv: not in the manifest (added after the backup was taken)"]

    # An edit by someone who also rewrote the manifest: the row's checksum still gives it away.
    import hashlib
    import json

    forged = tampered("forged")
    text = (forged / "submissions.csv").read_text("utf-8").replace("#3", "#4", 1)
    (forged / "submissions.csv").write_text(text, "utf-8")
    manifest = json.loads((forged / MANIFEST).read_text())
    data = (forged / "submissions.csv").read_bytes()
    manifest["files"]["submissions.csv"].update(
        bytes=len(data), sha256=hashlib.sha256(data).hexdigest()
    )
    (forged / MANIFEST).write_text(json.dumps(manifest))
    problems = restore_drill(forged, TABLES, validate=_validation_problems).problems
    assert len(problems) == 1 and problems[0].startswith("recovery refused"), problems

    missing = tampered("incomplete")
    (missing / MANIFEST).unlink()
    assert restore_drill(missing, TABLES).problems[0].startswith(f"{MANIFEST}: missing")


def test_backup_command_and_restore_check_exit_codes(tmp_path: Path) -> None:
    """``feedback backup DEST`` then ``feedback backup --verify DIR``: 0, then 1 when tampered."""
    data_dir, store = new_data_dir(tmp_path)
    for number in range(5):
        commit(store, number)
    (data_dir / "drafts").mkdir()
    (data_dir / "drafts" / "unsent.json").write_text("{}")
    (data_dir / ".secret_key").write_text("not-for-backups")
    runner = CliRunner()

    def feedback(*args):
        # In-process (click's runner) rather than a subprocess: the same registered command,
        # without paying the app's import time three times.
        return runner.invoke(cli_main, list(args), env={"FORMS_APP_DATA_DIR": str(data_dir)})

    made = feedback("backup", str(tmp_path / "backups"))
    assert made.exit_code == 0, made.output
    (backup,) = (tmp_path / "backups").iterdir()
    assert made.stdout.strip() == f"backup written to {backup}"
    names = {path.relative_to(backup).as_posix() for path in backup.rglob("*")}
    assert {"submissions.csv", "personal.csv", "events.csv", "datapackage.json", MANIFEST} <= names
    assert not {"drafts", ".secret_key", ".lock"} & names, names

    checked = feedback("backup", "--verify", str(backup))
    assert checked.exit_code == 0, checked.output
    assert checked.stdout.startswith("restore check passed: "), checked.stdout
    assert "submissions: 5 rows" in checked.stdout and "personal: 5 rows" in checked.stdout

    with open(backup / "personal.csv", "ab") as handle:
        handle.write(b"tampered\n")
    checked = feedback("backup", "--verify", str(backup))
    assert checked.exit_code == 1, checked.output
    assert "personal.csv:" in checked.stdout and "restore check FAILED" in checked.stdout
