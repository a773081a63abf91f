"""One append-only CSV file of checksummed rows: append, read, and repair of a torn tail.

Writers must hold the store lock (``StoreLock``) around ``append``, ``write``, ``truncate`` and
``recover``; readers need no lock, because appends only ever add whole records at the end and a
reader simply stops at a record that is not complete yet.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import logging
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from .records import (
    CRC_COLUMN,
    decode_record,
    encode_header,
    encode_record,
    first_suspect,
    intact_cells,
    normalise_newlines,
    row_maker,
    split_complete,
)
from .scanning import MAX_TAIL_BYTES, Batch, CorruptStoreError, Scan, StorageError

__all__ = [
    "Batch",
    "CorruptStoreError",
    "Cursor",
    "Located",
    "NewRecords",
    "RecoveryReport",
    "StorageError",
    "Table",
    "fsync_directory",
]

log = logging.getLogger(__name__)

# Bytes before a remembered position that must still be there for the position to be trusted.
_SUFFIX = 16


@dataclass(frozen=True)
class RecoveryReport:
    """What start-up recovery did to one table: counts and sizes, never row content."""

    table: str
    intact_rows: int = 0
    removed_records: int = 0  # damaged or partial records cut from the tail
    removed_bytes: int = 0
    header_reset: bool = False  # the file held only a torn header and was reset to the header
    uncommitted_rows: int = 0  # rows removed because their submission never landed (Store)

    @property
    def changed(self) -> bool:
        """True if recovery changed the file."""
        return bool(self.removed_bytes or self.header_reset or self.uncommitted_rows)


class Located(NamedTuple):
    """A row read from a table with the byte range of its record."""

    row: dict[str, str]
    start: int
    end: int


@dataclass(frozen=True)
class Cursor:
    """A position in a table file known to be the end of an intact record (or of the header).

    ``suffix`` holds the bytes just before ``offset``: if they differ later, the file was cut
    back and regrown (or replaced) and the position means nothing any more.
    """

    ident: tuple[int, int]
    offset: int
    suffix: bytes


class Table:
    """One append-only CSV file: header row, then one checksummed record per row."""

    def __init__(self, path: Path, columns: Sequence[str]):
        # No file is opened here: objects made before gunicorn forks must hold no descriptors.
        columns = list(columns)
        if len(columns) < 2 or columns[-1] != CRC_COLUMN:
            raise ValueError(f"{path.name}: columns must end with {CRC_COLUMN!r}")
        if len(set(columns)) != len(columns) or not all(columns):
            raise ValueError(f"{path.name}: column names must be distinct and not empty")
        self.path = Path(path)
        self.name = self.path.stem
        self.columns = tuple(columns)
        self._data_columns = self.columns[:-1]
        self._header = encode_header(self.columns)
        self._verified: Cursor | None = None  # where this process last saw the file intact

    # -- writing ----------------------------------------------------------------------------

    def encode(self, rows: Sequence[Mapping[str, str]]) -> bytes:
        """Encode rows as records, checking each has exactly this table's columns as strings."""
        expected = set(self._data_columns)
        out = []
        for row in rows:
            if set(row) != expected:
                missing = sorted(expected - set(row))
                extra = sorted(set(row) - expected)
                raise ValueError(f"{self.name}: missing columns {missing}, unknown {extra}")
            cells = []
            for column in self._data_columns:
                value = row[column]
                if not isinstance(value, str):
                    raise TypeError(f"{self.name}.{column}: values must be str, not {type(value)}")
                if "\x00" in value:
                    # NUL is what power loss leaves in a tail; it never belongs in a value.
                    raise ValueError(f"{self.name}.{column}: NUL character in value")
                cells.append(normalise_newlines(value))
            out.append(encode_record(cells))
        return b"".join(out)

    def append(self, rows: Sequence[Mapping[str, str]]) -> None:
        """Append rows durably (one write, then fsync). The caller holds the store lock."""
        self.write(self.encode(rows))

    def write(self, data: bytes) -> int:
        """Append already-encoded records; return the offset they start at.

        Creates the file with its header if missing. Before writing, any torn tail left by a
        process killed mid-write is cut off, so rows never land after damage. All records go in
        one ``os.write``; a short write or an error truncates back and re-raises. The caller
        holds the store lock.
        """
        fd = self._open_for_append()
        try:
            start = self._heal(fd)
            if not data:
                return start
            try:
                written = os.write(fd, data)
                if written != len(data):
                    raise OSError(errno.EIO, f"short write: {written} of {len(data)} bytes")
                os.fsync(fd)
            except BaseException:
                self._cut(fd, start)
                raise
            # The rows are stored: from here nothing may raise and make the caller undo them.
            try:
                self._verified = self._cursor(fd, start + len(data))
            except OSError:
                self._verified = None
            return start
        finally:
            os.close(fd)

    def truncate(self, length: int) -> None:
        """Cut the file back to ``length`` bytes and fsync (rolling back a failed commit).

        The caller holds the store lock and passes a length it got from ``write`` or a row's
        ``end``. Never grows the file.
        """
        fd = os.open(self.path, os.O_RDWR | os.O_CLOEXEC)
        try:
            size = os.fstat(fd).st_size
            if length > size:
                raise ValueError(f"{self.name}: cannot truncate to beyond the end of the file")
            # Bytes this process checked stay checked if the cut is inside them and the bytes
            # cut away from there are whole intact records (so ``length`` is a record end):
            # the next write need not re-read a million rows. Otherwise the next write checks
            # the file from the start, and cuts any partial record left as a torn tail.
            verified = self._verified
            keep = (
                self._trusted(fd, verified, size)
                and len(self._header) <= length <= verified.offset
                and self._whole_records(fd, length, verified.offset)
            )
            self._verified = None
            os.ftruncate(fd, length)
            os.fsync(fd)
            if keep:
                self._verified = self._cursor(fd, length)
        finally:
            os.close(fd)

    def _whole_records(self, fd: int, start: int, end: int) -> bool:
        """True if ``start:end`` is nothing but intact records (checked; a few MB at most)."""
        if end - start > MAX_TAIL_BYTES:
            return False
        data = os.pread(fd, end - start, start)
        records, used = split_complete(data)
        width = len(self._data_columns)
        return used == len(data) == end - start and first_suspect(records, width) == len(records)

    def length(self) -> int:
        """The file's size in bytes (0 if it does not exist yet)."""
        try:
            return self.path.stat().st_size
        except FileNotFoundError:
            return 0

    def _open_for_append(self) -> int:
        flags = os.O_RDWR | os.O_APPEND | os.O_CLOEXEC
        while True:
            try:
                return os.open(self.path, flags)
            except FileNotFoundError:
                pass
            try:
                fd = os.open(self.path, flags | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                continue  # someone created it without the lock; use theirs
            try:
                written = os.write(fd, self._header)
                if written != len(self._header):
                    raise OSError(errno.EIO, "short write of the header")
                os.fsync(fd)
                # The new name must survive power loss too, or every row after it is lost.
                fsync_directory(self.path.parent)
            except BaseException:
                # Leave no half-made file: the next attempt creates and fsyncs it again.
                os.close(fd)
                _best_effort_unlink(self.path)
                raise
            st = os.fstat(fd)
            header = self._header
            self._verified = Cursor((st.st_dev, st.st_ino), len(header), header[-_SUFFIX:])
            return fd

    def _heal(self, fd: int) -> int:
        """Make sure the file ends at an intact record; return its length."""
        size = os.fstat(fd).st_size
        start = 0
        if self._trusted(fd, self._verified, size):
            if self._verified.offset == size:
                return size
            start = self._verified.offset  # read only what others appended since
        report = self._recover_fd(fd, start)
        if report.changed:
            log.warning("storage: repaired a torn tail before appending: %s", report)
        return os.fstat(fd).st_size

    def _cut(self, fd: int, length: int) -> None:
        os.ftruncate(fd, length)
        os.fsync(fd)

    # -- reading ----------------------------------------------------------------------------

    def read(self) -> Iterator[dict[str, str]]:
        """Yield every intact row (checksum checked) as a dict without the checksum.

        Stops quietly at a torn or still-being-written last record; raises CorruptStoreError if
        an intact record follows damage.
        """
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return
        try:
            columns = self._data_columns
            for batch in Scan(self, fd, 0, os.fstat(fd).st_size).batches():
                for record in batch.records:
                    yield dict(zip(columns, intact_cells(record), strict=True))
        finally:
            os.close(fd)

    def read_new(self, cursor: Cursor | None) -> tuple[list[Located], Cursor | None, bool]:
        """Read the rows after ``cursor`` (all rows if None or no longer valid).

        Returns the rows with their byte ranges, a cursor for next time (None while the file has
        no complete header), and whether the old cursor was invalid, so the caller must drop
        what it built from earlier reads and start again from these rows.
        """
        make = row_maker(self._data_columns)
        rows = []
        with self.new_records(cursor) as new:
            for batch in new:
                for record, (start, end) in zip(
                    batch.records, itertools.pairwise(batch.bounds()), strict=True
                ):
                    rows.append(Located(make(intact_cells(record)), start, end))
        return rows, new.cursor, new.restart

    def read_new_rows(
        self, cursor: Cursor | None
    ) -> tuple[list[dict[str, str]], Cursor | None, bool]:
        """``read_new`` without the byte ranges: the rows only, a cursor, and whether the old
        cursor was invalid. When it was, no rows are read: ask again with None."""
        make = row_maker(self._data_columns)
        rows: list[dict[str, str]] = []
        with self.new_records(cursor) as new:
            if new.restart:
                return rows, None, True
            for batch in new:
                rows.extend(make(intact_cells(record)) for record in batch.records)
        return rows, new.cursor, False

    def read_cells(self) -> Iterator[list[str]]:
        """Every intact row's cells (checked, as ``read``), without making a dict of each."""
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return
        try:
            for batch in Scan(self, fd, 0, os.fstat(fd).st_size).batches():
                for record in batch.records:
                    yield intact_cells(record)
        finally:
            os.close(fd)

    @property
    def data_columns(self) -> tuple[str, ...]:
        """The columns a row has (all but the checksum)."""
        return self._data_columns

    def new_records(self, cursor: Cursor | None) -> NewRecords:
        """The intact records after ``cursor`` (all if None or no longer valid), in batches.

        ``read_new`` without making a dict per row or a list of all rows: use as a context
        manager and iterate; see ``NewRecords``.
        """
        return NewRecords(self, cursor)

    @property
    def verified_cursor(self) -> Cursor | None:
        """Where this process last saw the file end at an intact record (None if unknown).

        Meant for a caller holding the store lock right after ``recover``, ``write`` or
        ``truncate``, when it is the end of the file."""
        return self._verified

    def read_at(self, start: int, end: int) -> dict[str, str] | None:
        """The row whose record spans ``start:end``, or None if that is not an intact record."""
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return None
        try:
            data = os.pread(fd, end - start, start)
        finally:
            os.close(fd)
        if len(data) != end - start or not data.endswith(b"\n"):
            return None
        cells = decode_record(data[:-1])
        if cells is None or len(cells) != len(self._data_columns):
            return None
        return dict(zip(self._data_columns, cells, strict=True))

    # -- recovery ---------------------------------------------------------------------------

    def recover(self, visit: Callable[[Batch], None] | None = None) -> RecoveryReport:
        """Cut a torn tail back to the last intact record (fsynced) and report what went.

        Only damage at the end is repaired: partial records, bad checksums on the last record,
        NULs or garbage. If an intact record follows damage, or several complete rows fail
        their checksums (edited by hand?), raises CorruptStoreError and changes nothing. A file
        holding only part of its header is reset to the header. The caller holds the lock.

        Every record is checked (checksum, UTF-8, quoting, cell count), not just the tail, so
        that damage anywhere stops the service at start-up rather than when a page meets it.
        ``visit`` is given each batch of intact records as they are checked (all of them stay
        in the file), so a caller can build what it needs in the same pass; if this raises,
        discard what ``visit`` was given.
        """
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CLOEXEC)
        except FileNotFoundError:
            return RecoveryReport(self.name)
        try:
            return self._recover_fd(fd, 0, visit)
        finally:
            os.close(fd)

    def _recover_fd(
        self, fd: int, start: int, visit: Callable[[Batch], None] | None = None
    ) -> RecoveryReport:
        size = os.fstat(fd).st_size
        scan = Scan(self, fd, start, size)
        intact = 0
        for batch in scan.batches():
            intact += len(batch.records)
            if visit is not None:
                visit(batch)
        if scan.header_torn:
            os.ftruncate(fd, 0)
            written = os.pwrite(fd, self._header, 0)
            if written != len(self._header):
                raise OSError(errno.EIO, "short write of the header")
            os.fsync(fd)
            report = RecoveryReport(
                self.name,
                removed_records=scan.tail.records,
                removed_bytes=size,
                header_reset=True,
            )
        elif scan.tail is not None:
            os.ftruncate(fd, scan.tail.start)
            os.fsync(fd)
            report = RecoveryReport(
                self.name,
                intact_rows=intact,
                removed_records=scan.tail.records,
                removed_bytes=scan.tail.size,
            )
        else:
            report = RecoveryReport(self.name, intact_rows=intact)
        end = os.fstat(fd).st_size
        self._verified = self._cursor(fd, end) if end else None
        return report

    # -- positions --------------------------------------------------------------------------

    def _cursor(self, fd: int, offset: int) -> Cursor:
        st = os.fstat(fd)
        begin = max(0, offset - _SUFFIX)
        return Cursor((st.st_dev, st.st_ino), offset, os.pread(fd, offset - begin, begin))

    @staticmethod
    def _trusted(fd: int, cursor: Cursor | None, size: int) -> bool:
        if cursor is None or cursor.offset > size:
            return False
        st = os.fstat(fd)
        if (st.st_dev, st.st_ino) != cursor.ident:
            return False  # replaced by a rewrite (erasure, retention purge)
        begin = cursor.offset - len(cursor.suffix)
        return os.pread(fd, len(cursor.suffix), begin) == cursor.suffix


class NewRecords:
    """The intact records appended to a table after a cursor: ``Table.new_records``.

    ``with table.new_records(cursor) as new:`` then ``new.restart`` says the cursor no longer
    matched the file (rewritten, or cut back and regrown), so what the caller built from earlier
    reads must be dropped: the batches start again from the first record. After iterating,
    ``new.cursor`` is the cursor for next time (None while the file has no complete header).
    Raises CorruptStoreError while iterating, as ``read`` does.
    """

    def __init__(self, table: Table, cursor: Cursor | None):
        self.table = table
        self._given = cursor
        self._fd: int | None = None
        self._scan: Scan | None = None
        self.restart = False
        self.cursor: Cursor | None = None

    def __enter__(self) -> NewRecords:
        try:
            fd = os.open(self.table.path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            self.restart = self._given is not None
            return self
        self._fd = fd
        try:
            size = os.fstat(fd).st_size
            trusted = self.table._trusted(fd, self._given, size)
            self.restart = self._given is not None and not trusted
            self._scan = Scan(self.table, fd, self._given.offset if trusted else 0, size)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)

    def __iter__(self) -> Iterator[Batch]:
        scan = self._scan
        if scan is None:
            return
        yield from scan.batches()
        self.cursor = self.table._cursor(scan.fd, scan.end) if scan.end else None
        if self.cursor is not None:
            # Known intact up to here: the next write need not check these bytes again.
            self.table._verified = self.cursor


def fsync_directory(path: Path) -> None:
    """fsync a directory, so that names created or removed in it survive power loss."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _best_effort_unlink(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
