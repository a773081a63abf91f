"""Reading a table file's records from a record boundary, and judging the bytes after the last
intact one: what reading, tailing and start-up recovery of a ``Table`` share.

``Scan`` checks every record it yields (checksum, UTF-8, quoting, cell count) and, at the end,
says whether the tail is a torn write that recovery may cut, or damage it must refuse to touch.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from .records import (
    ScanBudgetExceeded,
    decode_record,
    find_checksum_valid,
    first_suspect,
    looks_like_row,
    record_bounds,
    split_complete,
    split_records,
)

if TYPE_CHECKING:
    from .table import Table

_CHUNK = 1 << 20
# A torn tail is at most one interrupted write plus what power loss leaves after it (NULs or
# garbage). More damaged bytes than this at the end is not a torn write: refuse to guess.
MAX_TAIL_BYTES = 16 << 20
# Bytes checksummed looking for intact records in a damaged tail: a bound, so a badly damaged
# file makes start-up refuse with a message instead of searching for minutes.
_SEARCH_BUDGET = 256 << 20


class StorageError(Exception):
    """Base class for the storage layer's errors."""


class CorruptStoreError(StorageError):
    """A table is damaged other than at its tail, or does not match its columns: change nothing."""


class Batch(NamedTuple):
    """Consecutive intact records of a table (checksums and cell counts checked), as bytes
    without their line ends: what start-up and the store's index read, without making dicts."""

    records: list[bytes]
    start: int  # offset of the first record
    end: int  # offset just past the last record's line end

    def bounds(self) -> list[int]:
        """Record i spans ``bounds()[i]:bounds()[i + 1]``."""
        return record_bounds(self.records, self.start)


@dataclass(frozen=True)
class Tail:
    """Damaged bytes at the end of a file: where they start, how many, how many records."""

    start: int
    size: int
    records: int


class Scan:
    """Read the intact records of a table file from a record boundary, then judge the tail.

    After ``batches()`` is exhausted, ``end`` is the offset just past the last intact record
    (or the header), ``tail`` describes damaged bytes after it (None if there are none) and
    ``header_torn`` says the file never got a complete header. Raises CorruptStoreError where
    repairing would mean guessing: intact records after damage, hand-edited rows, a different
    header, rows of another width.
    """

    def __init__(self, table: Table, fd: int, start: int, size: int):
        self.table = table
        self.fd = fd
        self.start = start
        self.size = size
        self.end = start
        self.tail: Tail | None = None
        self.header_torn = False

    def batches(self) -> Iterator[Batch]:
        """Every intact record, a chunk at a time, each batch checked before it is yielded."""
        pos = self.start
        if pos == 0:
            if not self._header_ok():
                return
            pos = self.end = len(self.table._header)
        carry = b""  # the start of a record not complete in what has been read so far
        read_to = pos
        while read_to < self.size:
            # Reads grow with a record longer than a chunk, so a huge record costs O(its size).
            want = min(max(_CHUNK, 2 * len(carry)), self.size - read_to)
            chunk = os.pread(self.fd, want, read_to)
            if not chunk:
                break
            read_to += len(chunk)
            buf = carry + chunk if carry else chunk
            records, used = split_complete(buf)
            carry = buf[used:]
            if not records:
                continue
            intact, error = self._intact(records, pos)
            damaged = intact < len(records)
            if damaged:
                del records[intact:]
                used = sum(map(len, records)) + len(records)
            if records:
                self.end = pos + used
                yield Batch(records, pos, pos + used)
            pos += used
            if error is not None:
                raise error
            if damaged:
                self.tail = self._judge_tail(pos)
                return
        if carry:
            self.tail = self._judge_tail(pos)

    def _intact(self, records: list[bytes], start: int) -> tuple[int, CorruptStoreError | None]:
        """How many of ``records`` (from the first) are intact, and the error to raise after
        them if the next one is intact but of another width."""
        width = len(self.table._data_columns)
        checked = 0
        while True:
            checked += first_suspect(records[checked:] if checked else records, width)
            if checked == len(records):
                return checked, None
            # Not certainly intact: the record-at-a-time reference decides.
            cells = decode_record(records[checked])
            if cells is None:
                return checked, None
            if len(cells) != width:
                offset = start + sum(map(len, records[:checked])) + checked
                return checked, CorruptStoreError(
                    f"{self.table.name}: the record at byte {offset} has {len(cells)} cells "
                    f"where {width} are expected: do the columns match the file?"
                )
            checked += 1

    def _header_ok(self) -> bool:
        header = self.table._header
        head = os.pread(self.fd, min(self.size, len(header)), 0)
        if head == header:
            return True
        if self.size < len(header) and header.startswith(head):
            self._torn_header(records=1 if self.size else 0)
            return False
        first = next(split_records([os.pread(self.fd, min(self.size, _CHUNK), 0)]))
        if first.complete and _is_text(first.data):
            # A whole line of text that is not our header: another schema, or edited by hand.
            raise CorruptStoreError(
                f"{self.table.name}: the header does not match the expected columns; "
                "a schema change needs a migration"
            )
        tail = self._judge_tail(0)
        self._torn_header(records=tail.records)
        return False

    def _torn_header(self, records: int) -> None:
        self.header_torn = True
        self.tail = Tail(0, self.size, records)

    def _judge_tail(self, start: int) -> Tail:
        table = self.table
        length = self.size - start
        if length > MAX_TAIL_BYTES:
            raise CorruptStoreError(
                f"{table.name}: {length} damaged bytes from byte {start}: too many to be a torn "
                "last write; refusing to change the file"
            )
        region = os.pread(self.fd, length, start)
        try:
            found = find_checksum_valid(region, budget=max(64 * length, _SEARCH_BUDGET))
        except ScanBudgetExceeded:
            raise CorruptStoreError(
                f"{table.name}: could not rule out intact rows after the damage at byte {start}; "
                "refusing to change the file"
            ) from None
        if found is not None:
            raise CorruptStoreError(
                f"{table.name}: damaged record at byte {start} is followed by an intact record "
                f"at byte {start + found}; refusing to change the file"
            )
        records = list(split_records([region], start))
        width = len(table.columns)
        edited = sum(1 for r in records if r.complete and looks_like_row(r.data, width))
        if edited > 1:
            raise CorruptStoreError(
                f"{table.name}: {edited} complete rows from byte {start} fail their checksums "
                "(edited by hand?); refusing to change the file"
            )
        return Tail(start, length, len(records))


def _is_text(data: bytes) -> bool:
    try:
        return "\x00" not in data.decode("utf-8")
    except UnicodeDecodeError:
        return False
