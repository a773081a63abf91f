"""The data package on disk: committing submissions, appending events, reading rows back.

Tables are ``<data_dir>/<name>.csv``. ``submissions`` is required and holds the commit point of
every submission; ``personal`` (optional) holds personal details keyed by ``ref``, written only
by ``commit_submission``; ``events`` (optional) holds everything that happens afterwards.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

from .lock import StoreLock
from .references import new_reference, normalise_reference
from .table import Cursor, RecoveryReport, StorageError, Table, fsync_directory

log = logging.getLogger(__name__)

SUBMISSIONS = "submissions"
PERSONAL = "personal"
EVENTS = "events"

_REFERENCE_ATTEMPTS = 100

# Filesystems where flock or fsync cannot be trusted (reliability plan D11, gotcha 3): network
# and cluster filesystems (Linux emulates flock on NFS with POSIX locks; SMB locking varies),
# every FUSE type (fuse.sshfs, fuseblk, fuse-overlayfs...: locking and fsync are up to the
# daemon), and memory filesystems, where fsync is a no-op and a reboot loses everything.
# overlay is allowed: it is the root of most containers, backed by local disk (the data dir
# should still be a volume, or it goes with the container).
_UNSAFE_TYPES = frozenset(
    {"nfs", "nfs4", "cifs", "smb3", "smbfs", "afs", "ceph", "glusterfs", "lustre"}
    | {"tmpfs", "ramfs"}
)


class StoreWriteError(StorageError):
    """Nothing was stored: tell the person it was not sent, keep their answers, let them retry."""


class UnsafeStorageError(StorageError):
    """The data directory is on a filesystem where locking or fsync cannot be trusted."""


class Store:
    """The complaints data package in ``data_dir``: one ``Table`` per resource.

    One instance per process. It opens no files until used (safe to make before gunicorn forks)
    and keeps an index of submissions ({idempotency key: ref} and where each ref's row is),
    brought up to date under the lock by reading only the bytes appended since it last looked.
    Thread-safe.
    """

    def __init__(self, data_dir: Path, tables: Mapping[str, Sequence[str]]):
        self.data_dir = Path(data_dir)
        self.tables = {
            name: Table(self.data_dir / f"{name}.csv", columns) for name, columns in tables.items()
        }
        submissions = self.tables.get(SUBMISSIONS)
        if submissions is None or not {"ref", "idempotency_key"} <= set(submissions.columns):
            raise ValueError("the submissions table must have columns 'ref' and 'idempotency_key'")
        if PERSONAL in self.tables and "ref" not in self.tables[PERSONAL].columns:
            raise ValueError("the personal table must have a 'ref' column")
        # Guards the in-memory index between threads; the flock guards the files between
        # processes (and threads too, but readers such as find() do not take it).
        self._mutex = threading.RLock()
        self._cursor: Cursor | None = None
        self._ref_by_key: dict[str, str] = {}
        self._where: dict[str, tuple[int, int]] = {}  # ref -> byte range of its record
        self._personal_cursor: Cursor | None = None
        self._orphan_refs: set[str] = set()  # refs on personal rows with no submission

    def lock(self) -> StoreLock:
        """A fresh store lock (for rewrites and backups too: everything that writes takes it)."""
        if not self.data_dir.is_dir():
            self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            fsync_directory(self.data_dir.parent)
        return StoreLock(self.data_dir)

    # -- start-up ---------------------------------------------------------------------------

    def recover(self) -> list[RecoveryReport]:
        """Repair torn tails of every table, then drop trailing uncommitted personal rows.

        Tables with no file yet are created with their header, so the data package is complete
        (and valid) from the first start. Raises CorruptStoreError (and changes nothing in that
        table) on damage that is not a torn tail: the service must not start until a person
        has looked.
        """
        with self.lock(), self._mutex:
            reports = {name: table.recover() for name, table in self.tables.items()}
            for table in self.tables.values():
                table.write(b"")  # creates a missing file (header, fsyncs); appends nothing
            self._cursor = None
            self._refresh()
            if PERSONAL in self.tables:
                self._personal_cursor = None
                removed = self._drop_uncommitted()
                reports[PERSONAL] = dataclasses.replace(reports[PERSONAL], uncommitted_rows=removed)
        for report in reports.values():
            if report.changed:
                log.warning("storage: recovery changed %s", report)
        return list(reports.values())

    # -- writing ----------------------------------------------------------------------------

    def commit_submission(
        self,
        *,
        idempotency_key: str,
        submission: Mapping[str, str],
        personal: Mapping[str, str] | None,
        make_reference: Callable[[], str] = new_reference,
    ) -> tuple[str, bool]:
        """Store a submission durably and return ``(ref, True)``; ``(ref, False)`` if seen before.

        Under the lock: a known idempotency key returns its reference and writes nothing.
        Otherwise a reference unused by any stored row is chosen, the personal row (if any) is
        written, then the submission row: the submission row is the commit point. Both are
        fsynced before returning. ``ref`` and ``idempotency_key`` are filled in here; the
        caller's dicts are not changed. Raises StoreWriteError when nothing was stored (what
        this call wrote is truncated away), ValueError/TypeError for rows that do not fit.
        """
        if not isinstance(idempotency_key, str) or not idempotency_key.strip():
            raise ValueError("an idempotency key is required")
        submissions = self.tables[SUBMISSIONS]
        personal_table = self.tables.get(PERSONAL)
        if personal is not None and personal_table is None:
            raise ValueError("personal details given but there is no personal table")
        try:
            with self.lock(), self._mutex:
                self._refresh()
                existing = self._ref_by_key.get(idempotency_key)
                if existing is not None:
                    return existing, False
                if personal_table is not None:
                    # Rows from a commit that died half-way must go before anything follows them.
                    self._drop_uncommitted()
                ref = self._unused_reference(make_reference)
                # Encode both before writing either, so a bad row cannot leave half a commit.
                row = {**submission, "ref": ref, "idempotency_key": idempotency_key}
                submission_data = submissions.encode([row])
                personal_data = b""
                if personal is not None:
                    personal_data = personal_table.encode([{**personal, "ref": ref}])
                personal_start = personal_table.write(personal_data) if personal_data else None
                try:
                    submissions.write(submission_data)
                except BaseException:
                    if personal_start is not None:
                        personal_table.truncate(personal_start)
                    raise
                # Committed. A failure to re-read it now must not tell the person otherwise.
                try:
                    self._refresh()
                except (OSError, StorageError):
                    self._cursor = None
                return ref, True
        except StoreWriteError:
            raise
        except (OSError, StorageError) as exc:
            log.error("storage: submission not stored: %s", exc)
            raise StoreWriteError("the submission could not be stored") from exc

    def append_events(self, events: Sequence[Mapping[str, str]]) -> None:
        """Append events (one write, fsynced) under the lock; StoreWriteError if not stored."""
        if not events:
            return
        table = self.tables[EVENTS]
        data = table.encode(events)
        try:
            with self.lock():
                table.write(data)
        except (OSError, StorageError) as exc:
            log.error("storage: events not stored: %s", exc)
            raise StoreWriteError("the events could not be stored") from exc

    # -- reading ----------------------------------------------------------------------------

    def rows(self, table: str) -> Iterator[dict[str, str]]:
        """Every intact row of a table, in the order written."""
        return self.tables[table].read()

    def find(self, ref: str) -> dict[str, str] | None:
        """The submission row for a reference (as typed by a person is fine), or None."""
        canonical = normalise_reference(ref)
        if canonical is None:
            return None
        submissions = self.tables[SUBMISSIONS]
        with self._mutex:
            self._refresh()
            where = self._where.get(canonical)
        if where is None:
            return None
        row = submissions.read_at(*where)
        if row is not None and row["ref"] == canonical:
            return row
        # The file was rewritten under us since the index was read: look the slow way.
        return next((row for row in submissions.read() if row["ref"] == canonical), None)

    # -- index ------------------------------------------------------------------------------

    def _refresh(self) -> None:
        """Bring the index up to date with rows appended by any process (caller has _mutex)."""
        rows, cursor, restart = self.tables[SUBMISSIONS].read_new(self._cursor)
        if restart or self._cursor is None:
            self._ref_by_key.clear()
            self._where.clear()
        for located in rows:
            ref = located.row["ref"]
            self._ref_by_key.setdefault(located.row["idempotency_key"], ref)
            self._where[ref] = (located.start, located.end)
        self._cursor = cursor

    def _unused_reference(self, make_reference: Callable[[], str]) -> str:
        for _ in range(_REFERENCE_ATTEMPTS):
            ref = make_reference()
            if normalise_reference(ref) != ref:
                raise ValueError(f"make_reference returned a malformed reference {ref!r}")
            if ref not in self._where and ref not in self._orphan_refs:
                return ref
        raise StoreWriteError("no unused reference found")

    def _drop_uncommitted(self) -> int:
        """Cut trailing personal rows whose submission never landed; return how many.

        Called under the lock with the index fresh, so no commit is in flight and a personal
        row without its submission is from a commit that failed or was killed half-way.
        """
        table = self.tables[PERSONAL]
        rows, cursor, restart = table.read_new(self._personal_cursor)
        if restart:
            self._orphan_refs.clear()
        last_committed = -1
        for index, located in enumerate(rows):
            if located.row["ref"] in self._where:
                last_committed = index
        trailing = rows[last_committed + 1 :]
        stranded = {
            located.row["ref"]
            for located in rows[: last_committed + 1]
            if located.row["ref"] not in self._where
        }
        if stranded - self._orphan_refs:
            # Committed rows follow them, so they cannot be cut without a rewrite; keep their
            # refs out of use so no new case is ever joined to someone else's details.
            log.warning("storage: %d personal rows have no submission", len(stranded))
        self._orphan_refs |= stranded
        if trailing:
            table.truncate(trailing[0].start)
            self._personal_cursor = None  # re-read after the cut, from the start
            log.warning("storage: removed %d uncommitted personal rows", len(trailing))
        else:
            self._personal_cursor = cursor
        return len(trailing)


def check_local_filesystem(path: Path, mounts: Path = Path("/proc/mounts")) -> str | None:
    """Raise UnsafeStorageError if ``path`` is on a network, FUSE or memory filesystem.

    Returns the filesystem type found, or None where ``mounts`` cannot be read (not Linux).
    The mount is the longest mount point containing the resolved path; of equal ones the last
    listed wins, as it is the one on top.
    """
    try:
        lines = Path(mounts).read_text(encoding="utf-8", errors="surrogateescape").splitlines()
    except OSError:
        log.warning("storage: cannot read %s to check the data directory's filesystem", mounts)
        return None
    target = os.path.realpath(path)
    best, best_type = "", None
    for line in lines:
        fields = line.split()
        if len(fields) < 3:
            continue
        point, fstype = _unescape_mount(fields[1]), fields[2]
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, best_type = point, fstype
    if best_type is not None and (best_type in _UNSAFE_TYPES or best_type.startswith("fuse")):
        raise UnsafeStorageError(
            f"the data directory {target} is on a {best_type} filesystem (mounted at {best}), "
            "where file locking or fsync cannot be trusted; use a directory on a local disk"
        )
    return best_type


def _unescape_mount(field: str) -> str:
    # /proc/mounts writes space, tab, newline and backslash in paths as octal escapes.
    for escape, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(escape, char)
    return field
