"""Backups of the data directory and the restore drill that proves a backup restores.

``take_backup`` copies everything in the data directory that holds state into a new
timestamped directory (mode 0700, files 0600), every copy fsynced, then writes ``manifest.json``
last: byte counts and SHA-256 of every file and the row count of every table. A backup without
a manifest is incomplete and the drill says so.

Consistency:
- the tables are copied under the store lock (``StoreLock`` is exclusive only: for a small
  service, holding it for a copy of a few MB is a short pause of submissions, not an outage),
  so no append is half-way through a copy. A torn tail left by a writer killed earlier (and not
  yet cut by the next append) may be copied; the drill recovers the copy as start-up would;
- the audit log and its head under the audit lock, so no entry is half-copied;
- SQLite files (the Sheets outbox) through SQLite's own backup API, never as raw bytes;
- files that are only ever replaced whole by ``os.replace`` (accounts, letters, evidence files
  under ``evidence/``) are read as they are: a reader sees the old or the new file, never a
  mixture. Each evidence file is in the manifest with its SHA-256 like every file, and the drill
  also checks it against the checksum in its row of the evidence table.

With the case tables in PostgreSQL (``store_url``), the tables come from the database instead:
written out under the store's write lock as the data package ``feedback export-package`` writes
(the descriptor and one checksummed CSV per table, with the file names a data directory has), so
the backup restores, and the drill checks it, exactly as a data directory's. Everything the data
directory still holds (the cases' files, letters, the tracking page's codes, questionnaires) is
copied as above, and the audit log is read from the database into ``audit.jsonl`` and
``audit.head`` by ``feedback backup`` (``more``). The other tables the app servers share in the
database (``DATABASE_LEFT_OUT``: accounts, sessions, drafts, rate limits, both outboxes) are not
in the backup: the database's own backup (``pg_dump``, or continuous archiving) keeps them.

Left out, on purpose:
- ``drafts/``: answers people have not sent yet, personal data kept for days only; restoring
  them would bring back what the purge deleted, and a lost draft costs a retype, not a record;
- ``staff_sessions/``, rate-limit state and lock files: short-lived, rebuilt at start;
- ``.secret_key``: a credential, not data (secrets stay out of backups); a restored
  service makes a new one, which only signs everyone out;
- temporary files of an interrupted rewrite (``.*.rewrite``) and the staging directories of
  an upgrade (``.upgrading-*``): partial copies of tables.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .database_package import in_database, package_columns, write_package
from .evidence import EVIDENCE, EvidenceDamaged
from .store import Store
from .table import StorageError, Table, fsync_directory
from .upgrading import STAGING_PREFIX

MANIFEST = "manifest.json"
FORMAT = 1
# run: what a running server keeps for itself (its metrics files), not the organisation's data.
SKIPPED_DIRS = frozenset({"drafts", "staff_sessions", "run"})
SKIPPED_FILES = frozenset(
    {".lock", ".audit.lock", "users.lock", ".ratelimit.lock", ".ratelimit.slots", ".secret_key"}
)
_AUDIT_FILES = ("audit.jsonl", "audit.head")
_AUDIT_LOCK = ".audit.lock"
_SQLITE_SUFFIX = ".sqlite3"
_SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")
#: Where the database's tables are written before being copied into the backup (and removed).
_PACKAGE_STAGING = ".database-package.tmp"
#: What a backup taken with the case tables in PostgreSQL does not hold: these live in the
#: database beside the case tables, and the database's own backup (pg_dump, or continuous
#: archiving) keeps them.
DATABASE_LEFT_OUT = (
    "staff accounts",
    "staff sessions",
    "drafts",
    "rate limits",
    "the message outbox",
    "the sheet outbox",
)


class BackupError(StorageError):
    """A backup could not be written."""


@dataclass
class DrillReport:
    """What the restore drill found: ``ok`` only if ``problems`` is empty."""

    rows: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def take_backup(
    store: Store,
    destination: Path,
    *,
    now: datetime | None = None,
    lock_held: bool = False,
    more: Callable[[], Mapping[str, bytes]] | None = None,
) -> Path:
    """Copy the data directory's state into a new directory under ``destination``; return it.

    ``lock_held``: the caller already holds the store lock (``feedback migrate`` keeps it from
    the backup to the end of the upgrade), so it is not taken again (it is not re-entrant).
    ``more()``: files to add by name, with their bytes (the audit log from the database, which
    a package below the audit log's own cannot read)."""
    data_dir = store.data_dir
    if not data_dir.is_dir():
        raise BackupError(f"there is no data directory at {data_dir}")
    destination = Path(destination)
    destination.mkdir(mode=0o700, parents=True, exist_ok=True)
    target = _new_directory(destination, now or datetime.now(UTC))
    files: dict[str, dict] = {}
    if in_database(store):
        # The case tables from the database, as the data package they would be on disk.
        tables = _database_tables(store, target, lock_held, files)
    else:
        tables = {table.path.name: table for table in store.tables.values()}
        with contextlib.nullcontext() if lock_held else store.lock():
            for name, table in tables.items():
                if table.path.exists():
                    files[name] = _copy_file(table.path, target / name)
    with _flock(data_dir / _AUDIT_LOCK):
        for name in _AUDIT_FILES:
            if (data_dir / name).exists():
                files[name] = _copy_file(data_dir / name, target / name)
    # What is already in (the database's package, with its descriptor) is not copied again.
    for relative in _other_state(data_dir, exclude=set(tables) | set(_AUDIT_FILES) | set(files)):
        source, copy = data_dir / relative, target / relative
        _make_dirs(target, copy.parent)
        if relative.endswith(_SQLITE_SUFFIX):
            files[relative] = _copy_sqlite(source, copy)
        else:
            with contextlib.suppress(FileNotFoundError):  # removed meanwhile (a letter erased)
                files[relative] = _copy_file(source, copy)
    for name, data in (more() if more is not None else {}).items():
        if name in files or "/" in name:
            raise BackupError(f"{name}: already in the backup, or not a plain name")
        _write_new(target / name, data)
        files[name] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    for name, table in tables.items():
        if name in files:
            # Rows as the drill will count them: intact records, a torn tail left out.
            files[name]["rows"] = sum(1 for _ in Table(target / name, table.columns).read())
    manifest = {
        "format": FORMAT,
        "created": (now or datetime.now(UTC)).isoformat(),
        "tables": {
            table.name: table.path.name for table in tables.values() if table.path.name in files
        },
        "files": files,
        "left_out": sorted(SKIPPED_DIRS | SKIPPED_FILES),
    }
    if in_database(store):
        manifest["case_tables_from"] = "postgresql"
        manifest["left_out_in_the_database"] = list(DATABASE_LEFT_OUT)
    # Last, so that a backup interrupted part-way has no manifest and fails the drill.
    _write_new(target / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True).encode())
    fsync_directory(target)
    fsync_directory(destination)
    return target


def _database_tables(store, target: Path, lock_held: bool, files: dict) -> dict[str, Table]:
    """Write the database's case tables into ``target`` (a data package: the descriptor and
    one CSV per table), each file entered in ``files``; return the tables by file name."""
    package = target / _PACKAGE_STAGING
    write_package(store, package, lock_held=lock_held)
    written = Store(package, package_columns(store))
    tables = {table.path.name: table for table in written.tables.values()}
    for path in sorted(package.iterdir()):
        if path.is_file():
            files[path.name] = _copy_file(path, target / path.name)
    shutil.rmtree(package)
    return {name: Table(target / name, table.columns) for name, table in tables.items()}


def restore_drill(
    backup: Path,
    tables: Mapping[str, Sequence[str]],
    validate: Callable[[Path], list[str]] | None = None,
) -> DrillReport:
    """Restore a backup into a fresh temporary directory and check it (G7).

    Every file listed in the manifest must be there with its size and SHA-256, and nothing
    else; the restored tables must pass start-up recovery unchanged (a copy taken under the lock
    has no torn tail) and hold the manifest's row counts; ``validate(dir)`` (the same checks as
    ``feedback validate``) must return no problems.
    """
    backup = Path(backup)
    report = DrillReport()
    try:
        manifest = json.loads((backup / MANIFEST).read_text("utf-8"))
        files = manifest["files"]
        table_files = manifest["tables"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        report.problems.append(
            f"{MANIFEST}: missing or unreadable ({error}): not a complete backup"
        )
        return report
    report.problems.extend(_check_files(backup, files))
    if report.problems:
        return report
    with tempfile.TemporaryDirectory(prefix="restore-drill-") as scratch:
        restored = Path(scratch) / "data"
        shutil.copytree(backup, restored, ignore=shutil.ignore_patterns(MANIFEST))
        store = Store(restored, tables)
        try:
            recovered = store.recover()
        except StorageError as error:
            report.problems.append(f"recovery refused the restored copy: {error}")
            return report
        for table_report in recovered:
            if table_report.changed and table_report.table in table_files:
                report.problems.append(f"recovery had to repair the copy: {table_report}")
        for name, file_name in table_files.items():
            count = sum(1 for _ in store.rows(name))
            report.rows[name] = count
            if count != files[file_name].get("rows"):
                report.problems.append(
                    f"{name}: {count} rows after recovery, the manifest says "
                    f"{files[file_name].get('rows')}"
                )
        report.problems.extend(_check_evidence(store))
        if validate is not None:
            report.problems.extend(validate(restored))
    return report


def _check_evidence(store: Store) -> list[str]:
    """Every file the restored evidence table names is there, with the checksum in its row."""
    if EVIDENCE not in store.tables:
        return []
    problems = []
    files = store.evidence
    for row in store.rows(EVIDENCE):
        try:
            files.read(row)
        except EvidenceDamaged as error:
            problems.append(f"evidence: {error}")
    return problems


def _check_files(backup: Path, files: Mapping[str, dict]) -> list[str]:
    problems = []
    present = {
        path.relative_to(backup).as_posix()
        for path in backup.rglob("*")
        if path.is_file() and path.name != MANIFEST
    }
    for relative in sorted(present - set(files)):
        problems.append(f"{relative}: not in the manifest (added after the backup was taken)")
    for relative, expected in sorted(files.items()):
        path = backup / relative
        try:
            data = path.read_bytes()
        except OSError:
            problems.append(f"{relative}: missing from the backup")
            continue
        if len(data) != expected.get("bytes"):
            problems.append(
                f"{relative}: {len(data)} bytes, the manifest says {expected.get('bytes')}"
            )
        elif hashlib.sha256(data).hexdigest() != expected.get("sha256"):
            problems.append(f"{relative}: SHA-256 differs from the manifest (changed or damaged)")
    return problems


def _other_state(data_dir: Path, exclude: set[str]) -> Iterator[str]:
    """Relative paths of the files that hold state, other than the tables and the audit log."""
    for root, dirs, names in os.walk(data_dir):
        here = Path(root).relative_to(data_dir)
        if here == Path("."):
            dirs[:] = sorted(
                name
                for name in dirs
                if name not in SKIPPED_DIRS and not name.startswith(STAGING_PREFIX)
            )
        else:
            dirs.sort()
        for name in sorted(names):
            relative = (here / name).as_posix()
            if here == Path(".") and (name in SKIPPED_FILES or name in exclude):
                continue
            if name.startswith(".") and name.endswith(".rewrite") or name.endswith(".tmp"):
                continue
            if name.endswith(_SQLITE_SIDE_FILES):
                continue  # part of the database: the backup API includes what they hold
            yield relative


def _new_directory(destination: Path, now: datetime) -> Path:
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    for attempt in range(100):
        target = destination / (f"backup-{stamp}" + (f"-{attempt}" if attempt else ""))
        try:
            target.mkdir(mode=0o700)
        except FileExistsError:
            continue
        return target
    raise BackupError(f"could not make a new backup directory in {destination}")


def _make_dirs(root: Path, directory: Path) -> None:
    missing = []
    while directory != root and not directory.exists():
        missing.append(directory)
        directory = directory.parent
    for path in reversed(missing):
        path.mkdir(mode=0o700)
        fsync_directory(path.parent)


def _copy_file(source: Path, copy: Path) -> dict:
    data = source.read_bytes()
    _write_new(copy, data)
    return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def _copy_sqlite(source: Path, copy: Path) -> dict:
    # The backup API reads a consistent snapshot (WAL included) while the worker keeps writing.
    partial = copy.with_name(copy.name + ".partial")
    with (
        contextlib.closing(sqlite3.connect(source)) as live,
        contextlib.closing(sqlite3.connect(partial)) as out,
    ):
        live.backup(out)
    data = partial.read_bytes()
    partial.unlink()
    _write_new(copy, data)
    return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def _write_new(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _flock(path: Path) -> Iterator[None]:
    """An exclusive flock on a lock file of the app's own, opened for this one use."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
