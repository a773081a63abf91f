"""The data package on disk: the one writer and the one reader of the case tables.

Tables are ``<data_dir>/<name>.csv``. ``submissions`` is required and holds the commit point of
every submission; ``personal`` (optional) holds personal details keyed by ``ref``, written only
with a submission (``commit_submission``, ``commit_batch``); ``events`` (optional) holds
everything that happens afterwards.

Everything else in the service reaches the tables through ``Store``'s methods (or, for a
reader without the app, ``reading.open_for_reading``), never through their files, so another
engine could sit behind the same methods:

- writing: ``commit_submission``, ``append_events``, ``commit_batch`` (an import), and
  ``rewrite`` / ``remove_cases`` (erasure and retention purge);
- reading: ``rows`` and ``scan`` (every row, or some columns), ``find`` / ``find_by_key`` (a
  submission), ``find_personal`` (a person's details), ``changes_since`` (what was appended
  since a reader last looked).
"""

from __future__ import annotations

import dataclasses
import logging
import operator
import threading
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from .evidence import EVIDENCE, EvidenceFiles, remove_case_folders
from .filesystem import UnsafeStorageError, check_local_filesystem
from .lock import StoreLock
from .prefixes import discard_derived, marks_of, resume
from .reading import TableReader, open_for_reading, table_path
from .records import leading_cells
from .references import new_reference, normalise_reference
from .rewriting import remove_stale_temporaries, rewrite_table
from .table import Batch, Cursor, RecoveryReport, StorageError, Table, fsync_directory
from .tailing import Changes, RowsByRef, read_changes
from .uncommitted import Uncommitted

# Named here too: where the web app has always found them.
__all__ = [
    "EVENTS",
    "EVIDENCE",
    "PERSONAL",
    "SUBMISSIONS",
    "Store",
    "StoreWriteError",
    "UnsafeStorageError",
    "check_local_filesystem",
]

log = logging.getLogger(__name__)

SUBMISSIONS = "submissions"
PERSONAL = "personal"
EVENTS = "events"

#: The order of a commit's appends: the personal row, then the submission (the commit point),
#: then events, then the rows of evidence files. A rewrite removing cases goes in the same
#: order, so that a half-done removal never leaves a submission whose personal details are back.
COMMIT_ORDER = (PERSONAL, SUBMISSIONS, EVENTS, EVIDENCE)

_REFERENCE_ATTEMPTS = 100


class StoreWriteError(StorageError):
    """Nothing was stored: tell the person it was not sent, keep their answers, let them retry."""


class Store:
    """The complaints data package in ``data_dir``: one ``Table`` per resource.

    One instance per process. It opens no files until used (safe to make before gunicorn forks)
    and keeps an index of submissions ({idempotency key: ref} and where each ref's row is),
    brought up to date under the lock by reading only the bytes appended since it last looked.
    Thread-safe.

    The index holds no rows, only what finding them needs, kept small because it grows with
    every submission (``bench/README.md`` has its measured size): references and keys as the
    UTF-8 bytes of their cells (a ``bytes`` is smaller than a ``str``), each key's value the
    same object as its reference, and byte ranges as neighbouring entries of one ``array`` of
    offsets (8 bytes a row, where a tuple of two ints costs far more).
    """

    def __init__(self, data_dir: Path, tables: Mapping[str, Sequence[str]]):
        self.data_dir = Path(data_dir)
        # The file engine's tables: for the storage layer (and tests of it) only; the rest of
        # the service goes through the methods below.
        self.tables = {
            name: Table(table_path(self.data_dir, name), columns)
            for name, columns in tables.items()
        }
        submissions = self.tables.get(SUBMISSIONS)
        if submissions is None or not {"ref", "idempotency_key"} <= set(submissions.columns):
            raise ValueError("the submissions table must have columns 'ref' and 'idempotency_key'")
        if PERSONAL in self.tables and "ref" not in self.tables[PERSONAL].columns:
            raise ValueError("the personal table must have a 'ref' column")
        # Guards the in-memory index between threads; the flock guards the files between
        # processes (and threads too, but readers such as find() do not take it).
        self._mutex = threading.RLock()
        self._ref_at = submissions.columns.index("ref")
        self._key_at = submissions.columns.index("idempotency_key")
        self._cursor: Cursor | None = None  # None: the index is empty and must be read afresh
        self._row_of: dict[bytes, int] = {}  # ref -> row number (from 0, in file order)
        self._ref_by_key: dict[bytes, bytes] = {}  # idempotency key -> ref
        self._bounds = array("q")  # row i's record spans _bounds[i]:_bounds[i + 1]
        self._personal_cursor: Cursor | None = None
        self._orphan_refs: set[bytes] = set()  # refs on personal rows with no submission
        self._people: RowsByRef | None = None  # made on the first find_personal

    @staticmethod
    def open_for_reading(data_dir: Path) -> TableReader:
        """A reader of the tables in ``data_dir`` without a store: no lock, no index, no
        recovery (reports, run as a command or in a forked process)."""
        return open_for_reading(data_dir)

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

        One pass over each file: checking every record of ``submissions`` also builds the
        index, and checking ``personal`` also finds rows whose submission never landed.
        """
        personal = self.tables.get(PERSONAL)
        with self.lock(), self._mutex:
            self._clear_index()
            uncommitted = Uncommitted(self._row_of, personal)
            reports: dict[str, RecoveryReport] = {}
            try:
                reports[SUBMISSIONS] = self.tables[SUBMISSIONS].recover(visit=self._index)
                if personal is not None:
                    # After submissions: which refs are committed must be known.
                    reports[PERSONAL] = personal.recover(visit=uncommitted.add)
                for name, table in self.tables.items():
                    if name not in reports:
                        reports[name] = table.recover()
                for table in self.tables.values():
                    table.write(b"")  # creates a missing file (header, fsyncs); appends nothing
                # Every record up to the end of each file has just been read.
                self._cursor = self.tables[SUBMISSIONS].verified_cursor
                self._refresh()
                if personal is not None:
                    self._orphan_refs.clear()
                    self._personal_cursor = personal.verified_cursor
                    removed = self._settle(uncommitted)
                    reports[PERSONAL] = dataclasses.replace(
                        reports[PERSONAL], uncommitted_rows=removed
                    )
            except BaseException:
                self._clear_index()
                self._personal_cursor = None
                raise
        ordered = [reports[name] for name in self.tables]
        for report in ordered:
            if report.changed:
                log.warning("storage: recovery changed %s", report)
        return ordered

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
                existing = self._ref_by_key.get(_encode(idempotency_key))
                if existing is not None:
                    return existing.decode("utf-8"), False
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
                    self._clear_index()
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

    def append(self, table: str, rows: Sequence[Mapping[str, str]]) -> None:
        """Append rows to a table other than submissions and personal (which only commits
        write) in one write, fsynced, under the lock; StoreWriteError if not stored."""
        if table in (SUBMISSIONS, PERSONAL):
            raise ValueError(f"{table} rows are written only by a commit")
        if not rows:
            return
        data = self.tables[table].encode(rows)
        try:
            with self.lock():
                self.tables[table].write(data)
        except (OSError, StorageError) as exc:
            log.error("storage: %s rows not stored: %s", table, exc)
            raise StoreWriteError(f"the {table} rows could not be stored") from exc

    @property
    def evidence(self) -> EvidenceFiles:
        """The cases' evidence files and their table (``storage.evidence``)."""
        return EvidenceFiles(self)

    def commit_batch(
        self, decide: Callable[[], Mapping[str, Sequence[Mapping[str, str]]]]
    ) -> dict[str, int]:
        """Append rows to several tables as one commit, all of them or none (an import).

        Under the lock, ``decide()`` is called: it may read the store (what is there already
        decides what is new) and returns the rows to append per table, or raises to write
        nothing. Every row is encoded before anything is written (ValueError or TypeError for
        a row that does not fit). Personal rows left by a commit that died half-way are cut
        first, as ``commit_submission`` does; then each table is appended in ``COMMIT_ORDER``
        (one write and fsync each), and a failure cuts every table back to where it was.
        Returns the rows written per table. Raises StoreWriteError when nothing was stored.
        """
        try:
            with self.lock(), self._mutex:
                self._refresh()
                rows = decide()
                unknown = sorted(set(rows) - set(self.tables))
                if unknown:
                    raise ValueError(f"no such tables: {unknown}")
                order = [name for name in COMMIT_ORDER if name in rows]
                order += [name for name in rows if name not in COMMIT_ORDER]
                data = [(self.tables[name], self.tables[name].encode(rows[name])) for name in order]
                if PERSONAL in self.tables:
                    # Otherwise this batch would strand them in the middle of the file.
                    self._drop_uncommitted()
                written: list[tuple[Table, int]] = []
                try:
                    for table, payload in data:
                        if payload:
                            written.append((table, table.write(payload)))
                except BaseException:
                    for table, start in reversed(written):
                        table.truncate(start)
                    raise
                try:
                    self._refresh()
                except (OSError, StorageError):
                    self._clear_index()
                return {name: len(rows[name]) for name in order}
        except StoreWriteError:
            raise
        except (OSError, StorageError) as exc:
            log.error("storage: batch not stored: %s", exc)
            raise StoreWriteError("the rows could not be stored; nothing was written") from exc

    def rewrite(self, table: str, keep: Callable[[dict[str, str]], bool]) -> int:
        """Replace a table with only the rows ``keep`` accepts, atomically (temporary file,
        fsync, rename, fsync of the directory: see ``rewriting``), under the lock. Appends made
        before it are kept or removed by ``keep`` like any row; none is lost. Returns how many
        rows went."""
        if table not in self.tables:
            return 0
        with self.lock():
            discard_derived(self.data_dir)  # indexes saved beside the data hold the old rows
            return rewrite_table(self.tables[table], keep)

    def remove_cases(self, refs: Iterable[str]) -> dict[str, int]:
        """Remove every row of the given cases from every table (one atomic rewrite per table,
        in ``COMMIT_ORDER``, under one hold of the lock), then reload this process's indexes.
        Returns the rows removed per table. Tables cannot be replaced together: a caller that
        must finish after a crash records the references first (see ``records.retention``)."""
        wanted = set(refs)
        counts = {name: 0 for name in COMMIT_ORDER if name in self.tables}
        try:
            with self.lock():
                remove_stale_temporaries(self.data_dir)
                discard_derived(self.data_dir)  # indexes saved beside the data hold the old rows
                for name in COMMIT_ORDER:
                    if name in self.tables:
                        table = self.tables[name]
                        counts[name] = rewrite_table(table, lambda row: row["ref"] not in wanted)
                if EVIDENCE in self.tables:
                    # After the rows: a row never names a file that is gone.
                    counts["evidence_files"] = remove_case_folders(self.data_dir, wanted)
        finally:
            # Every index in this process reads the tables again (taking the lock itself).
            self.recover()
        return counts

    def clear_interrupted_rewrites(self) -> int:
        """Delete what a rewrite a crash interrupted left behind; return how many files."""
        with self.lock():
            return remove_stale_temporaries(self.data_dir)

    # -- reading ----------------------------------------------------------------------------

    def rows(self, table: str) -> Iterator[dict[str, str]]:
        """Every intact row of a table, in the order written."""
        return self.tables[table].read()

    def scan(self, table: str, columns: Sequence[str] | None = None) -> Iterator:
        """Every intact row of a table in the order written: a dict, or with ``columns`` a tuple
        of those cells in that order (a column the table lacks reads as ""). The same shape as
        ``reading.TableReader.scan``."""
        if columns is None:
            return self.tables[table].read()
        return _pick(self.tables[table], columns)

    def changes_since(
        self, cursor: object, tables: Sequence[str] = (SUBMISSIONS, EVENTS)
    ) -> Changes:
        """The rows appended to ``tables`` (those the store has) since ``cursor``, which is
        None the first time and then the ``cursor`` of the last answer (opaque: only give it
        back). If ``restart`` is set, the tables were rewritten: drop what was built from
        earlier answers, these rows are all there are."""
        return read_changes(
            {name: self.tables[name] for name in tables if name in self.tables}, cursor
        )

    def cursor_marks(
        self, cursor: object, tables: Sequence[str] = (SUBMISSIONS, EVENTS)
    ) -> dict[str, list] | None:
        """A ``changes_since`` cursor written down (each table's offset and a SHA-256 of the
        bytes before it), for an index saved to disk; None if it cannot be (``prefixes``)."""
        return marks_of({name: self.tables[name] for name in tables if name in self.tables}, cursor)

    def resume_cursor(
        self, marks: object, tables: Sequence[str] = (SUBMISSIONS, EVENTS)
    ) -> object | None:
        """The ``changes_since`` cursor the marks were made from, if every table still begins
        with exactly the bytes they were made from; otherwise None (read from the start)."""
        return resume({name: self.tables[name] for name in tables if name in self.tables}, marks)

    def find_personal(self, ref: str) -> dict[str, str] | None:
        """The personal details row of a case (None if it has none), found without reading the
        table: where each case's row is is remembered, and brought up to date by reading what
        was appended since."""
        table = self.tables.get(PERSONAL)
        if table is None:
            return None
        with self._mutex:
            if self._people is None:
                self._people = RowsByRef(table)
            people = self._people
        return people.find(ref)

    def find(self, ref: str) -> dict[str, str] | None:
        """The submission row for a reference (as typed by a person is fine), or None.

        References of our own form are matched forgivingly; imported ones (kept as the earlier
        system wrote them, like ``CMP/2021/0001``) are matched exactly."""
        if not isinstance(ref, str):
            return None
        wanted = _encode(normalise_reference(ref) or ref)
        with self._mutex:
            self._refresh()
            where = self._where(wanted)
        return self._read_row(wanted, where)

    def find_by_key(self, idempotency_key: str) -> dict[str, str] | None:
        """The submission row stored with this idempotency key, or None if there is none."""
        if not isinstance(idempotency_key, str):
            return None
        with self._mutex:
            self._refresh()
            ref = self._ref_by_key.get(_encode(idempotency_key))
            if ref is None:
                return None
            where = self._where(ref)
        return self._read_row(ref, where)

    def _where(self, ref: bytes) -> tuple[int, int] | None:
        row = self._row_of.get(ref)
        return None if row is None else (self._bounds[row], self._bounds[row + 1])

    def _read_row(self, ref: bytes, where: tuple[int, int] | None) -> dict[str, str] | None:
        if where is None:
            return None
        submissions = self.tables[SUBMISSIONS]
        found = submissions.read_at(*where)
        if found is not None and _encode(found["ref"]) == ref:
            return found
        # The file was rewritten under us since the index was read: look the slow way.
        return next((found for found in submissions.read() if _encode(found["ref"]) == ref), None)

    # -- index ------------------------------------------------------------------------------

    def _clear_index(self) -> None:
        self._cursor = None
        self._row_of.clear()
        self._ref_by_key.clear()
        self._bounds = array("q")

    def _refresh(self) -> None:
        """Bring the index up to date with rows appended by any process (caller has _mutex)."""
        try:
            with self.tables[SUBMISSIONS].new_records(self._cursor) as new:
                if new.restart or self._cursor is None:
                    self._clear_index()
                for batch in new:
                    self._index(batch)
        except BaseException:
            # Half a read is in the index: start again next time rather than add it twice.
            self._clear_index()
            raise
        self._cursor = new.cursor

    def _index(self, batch: Batch) -> None:
        """Add a batch of submission records (the next ones in the file) to the index."""
        refs, keys = leading_cells(batch.records, (self._ref_at, self._key_at))
        bounds = self._bounds
        if not bounds:
            bounds.append(batch.start)
        elif bounds[-1] != batch.start:
            raise StorageError(f"{SUBMISSIONS}: index out of step at byte {batch.start}")
        first = len(bounds) - 1
        bounds.extend(batch.bounds()[1:])
        self._row_of.update(zip(refs, range(first, first + len(refs)), strict=True))
        # The first row with a key is the one it names (a key is never stored twice by the
        # store, but a file may have been edited): reversed, so the first wins in the batch.
        named = dict(zip(reversed(keys), reversed(refs), strict=True))
        if self._ref_by_key.keys().isdisjoint(named):  # costs len(named), not the index
            self._ref_by_key.update(named)
        else:
            for key, ref in zip(keys, refs, strict=True):
                self._ref_by_key.setdefault(key, ref)

    def _unused_reference(self, make_reference: Callable[[], str]) -> str:
        for _ in range(_REFERENCE_ATTEMPTS):
            ref = make_reference()
            if normalise_reference(ref) != ref:
                raise ValueError(f"make_reference returned a malformed reference {ref!r}")
            encoded = _encode(ref)
            if encoded not in self._row_of and encoded not in self._orphan_refs:
                return ref
        raise StoreWriteError("no unused reference found")

    def _drop_uncommitted(self) -> int:
        """Cut trailing personal rows whose submission never landed; return how many.

        Called under the lock with the index fresh, so no commit is in flight and a personal
        row without its submission is from a commit that failed or was killed half-way. Reads
        only the personal rows appended since the last call (start-up reads them all).
        """
        table = self.tables[PERSONAL]
        uncommitted = Uncommitted(self._row_of, table)
        with table.new_records(self._personal_cursor) as new:
            if new.restart:
                self._orphan_refs.clear()
            for batch in new:
                uncommitted.add(batch)
        self._personal_cursor = new.cursor
        return self._settle(uncommitted)

    def _settle(self, uncommitted: Uncommitted) -> int:
        """Keep stranded refs out of use and cut the trailing uncommitted rows."""
        if uncommitted.stranded - self._orphan_refs:
            # Committed rows follow them, so they cannot be cut without a rewrite; keep their
            # refs out of use so no new case is ever joined to someone else's details.
            log.warning("storage: %d personal rows have no submission", len(uncommitted.stranded))
        self._orphan_refs |= uncommitted.stranded
        if not uncommitted.trailing:
            return 0
        table = self.tables[PERSONAL]
        table.truncate(uncommitted.trailing_start)
        # Where the cut was, if this process had checked the bytes before it (it has: it just
        # read them); otherwise None, and the next call reads the file from the start.
        self._personal_cursor = table.verified_cursor
        log.warning("storage: removed %d uncommitted personal rows", uncommitted.trailing)
        return uncommitted.trailing


def _pick(table: Table, columns: Sequence[str]) -> Iterator[tuple[str, ...]]:
    at = {name: i for i, name in enumerate(table.data_columns)}
    width = len(at)
    pick = operator.itemgetter(*[at.get(name, width) for name in columns])
    single = len(columns) == 1
    for cells in table.read_cells():
        cells.append("")  # the cell a column the table lacks is read from
        picked = pick(cells)
        yield (picked,) if single else picked


def _encode(text: str) -> bytes:
    """How the index holds references and keys (a lone surrogate simply matches nothing)."""
    return text.encode("utf-8", "surrogatepass")
