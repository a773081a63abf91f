"""Reading a data directory's tables without the app: what reports read (as a command, and in a
forked process) through ``open_for_reading(data_dir)``.

The tables are read as the ``csv`` module reads them (``csv_rows``: lines without a quote split
at the commas, the rest by the module), without the store's checksum checks: a reader here only
reads, and the store's start-up recovery has already refused a damaged file. An incomplete last
record (a write in progress) is left out, and so is any row with another number of cells (a
damaged or torn record).
"""

from __future__ import annotations

import csv
import io
import operator
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

from .records import CRC_COLUMN, row_maker
from .table import _SUFFIX, Cursor, Table
from .tailing import ChangeCursor, Changes, read_changes

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

SUFFIX = ".csv"


def table_path(data_dir: Path, table: str) -> Path:
    """Where a table of the data package is kept: the one place a table's file is named."""
    return Path(data_dir) / f"{table}{SUFFIX}"


class Cells(NamedTuple):
    """A table's rows as lists of cells, for a reader that picks cells by position and makes
    nothing it does not need (the report folds a million events this way).

    ``rows`` yields every record as read: a row whose length is not ``width`` is damaged or
    torn and must be skipped by the caller (checking it there costs nothing extra)."""

    positions: dict[str, int]  # column -> index of its cell (the checksum column left out)
    make: Callable[[Sequence[str]], dict[str, str]]  # a row's dict from its cells
    width: int  # cells in a complete row, the checksum included
    rows: Iterator[list[str]]


class TableReader:
    """The tables of one data directory, read only; see the module docstring.

    ``scan`` has the same shape as ``Store.scan`` (the app's checked reads), so a caller can be
    given either."""

    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)

    def has(self, table: str) -> bool:
        """True if the table has been created (it may still hold no rows)."""
        return table_path(self.data_dir, table).exists()

    def describe(self, table: str) -> str:
        """How to name the table to a person (in an error message)."""
        return table_path(self.data_dir, table).name

    def cells(self, table: str) -> Cells | None:
        """The table's rows as cells (see ``Cells``), or None if it is missing or empty."""
        return file_cells(table_path(self.data_dir, table))

    # -- reading on from where an earlier reader stopped -----------------------------------
    # What ``casework.index_snapshot.SavedIndex`` asks of a store, for a reader that saves what
    # it built from the tables beside them (a report's folded cases).

    def cells_to_here(self, table: str) -> tuple[Cells | None, Cursor | None]:
        """``cells``, and where they end (opaque: give it to ``cursor``), so that a reader
        that saves what it built can later read on from there. None for the end when the file
        ends part-way through a record (a write in progress): the end of what was read is then
        not known to be the end of a record."""
        return file_cells_to_here(table_path(self.data_dir, table))

    def cells_before(self, table: str, end: object) -> Cells | None:
        """The table's rows as cells up to an end ``cells_to_here`` gave: the same rows it
        read then (the tables are only appended to; a later check of the marks says whether
        the file is still the one read). None if the file is not there or is shorter."""
        if not isinstance(end, Cursor):
            return None
        try:
            fd = os.open(table_path(self.data_dir, table), os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return None
        try:
            data = os.pread(fd, end.offset, 0)
        finally:
            os.close(fd)
        if len(data) != end.offset or not data.endswith(end.suffix):
            return None
        return _cells(data)

    def cursor(self, ends: Sequence[tuple[str, object]]) -> object | None:
        """A ``changes_since`` cursor from each table's end (``cells_to_here``), or None if
        any end is unknown."""
        if any(end is None for _name, end in ends):
            return None
        return ChangeCursor(tuple(name for name, _ in ends), tuple(end for _, end in ends))

    def changes_since(self, cursor: object, tables: Sequence[str]) -> Changes:
        """The rows appended to ``tables`` since ``cursor``, checked (``Store.changes_since``)."""
        return read_changes(self._tables(tables), cursor)

    def cursor_marks(self, cursor: object, tables: Sequence[str]) -> dict[str, list] | None:
        """A cursor written down, to be checked later (``Store.cursor_marks``)."""
        from .prefixes import marks_of

        return marks_of(self._tables(tables), cursor)

    def resume_cursor(self, marks: object, tables: Sequence[str]) -> object | None:
        """The cursor the marks were made from, if still true (``Store.resume_cursor``)."""
        from .prefixes import resume

        return resume(self._tables(tables), marks)

    def _tables(self, names: Sequence[str]) -> dict[str, Table]:
        from .contract import Contract

        contract = Contract()
        return {
            name: Table(table_path(self.data_dir, name), contract.columns(name)) for name in names
        }

    def scan(self, table: str, columns: Sequence[str] | None = None) -> Iterator:
        """Each complete row: a dict without the checksum, or with ``columns`` a tuple of those
        cells in that order (a column the table lacks reads as "") and nothing else made."""
        path = table_path(self.data_dir, table)
        return read_rows(path) if columns is None else read_columns(path, columns)


def open_for_reading(data_dir: Path) -> TableReader:
    """A reader of the tables in ``data_dir``: no lock, no app, no recovery."""
    return TableReader(data_dir)


def read_rows(path: Path) -> Iterator[dict[str, str]]:
    """Each complete row of a table file as a dict (the checksum column left out)."""
    found = file_cells(path)
    if found is not None:
        _, make, width, rows = found
        for cells in rows:
            if len(cells) == width:
                yield make(cells)


def read_columns(path: Path, names: Sequence[str]) -> Iterator[tuple[str, ...]]:
    """The cells of the named columns of each complete row of a table file, as a tuple in the
    order of ``names`` (a column the table lacks reads as ""). Nothing else is made per row."""
    found = file_cells(path)
    if found is None:
        return
    at, _, width, rows = found
    pick = operator.itemgetter(*[at.get(name, width) for name in names])
    single = len(names) == 1
    for cells in rows:
        if len(cells) == width:
            cells.append("")  # the cell a column the table lacks is read from
            picked = pick(cells)
            yield (picked,) if single else picked


def file_cells(path: Path) -> Cells | None:
    """A table file's rows as cells (``Cells``), or None if it is missing or empty."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    return _cells(data)


def file_cells_to_here(path: Path) -> tuple[Cells | None, Cursor | None]:
    """``file_cells`` and the cursor at the end of what was read (``TableReader.cells_to_here``)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None, None
    try:
        st = os.fstat(fd)
        with os.fdopen(os.dup(fd), "rb") as file:
            data = file.read()
    finally:
        os.close(fd)
    cursor = None
    if data.endswith(b"\n"):
        cursor = Cursor((st.st_dev, st.st_ino), len(data), data[-_SUFFIX:])
    return _cells(data), cursor


def _cells(data: bytes) -> Cells | None:
    if not data.endswith(b"\n"):
        # A write in progress: leave out its incomplete last record (if the cut falls inside
        # a quoted field, what is left of the record has too few cells and is skipped).
        data = data[: data.rfind(b"\n") + 1]
    if not data:
        return None
    rows = csv_rows(data.decode("utf-8", errors="replace"))
    header = next(rows, None)
    if not header:
        return None
    names = header[:-1] if header[-1] == CRC_COLUMN else header
    positions = {name: i for i, name in enumerate(names)}
    return Cells(positions, row_maker(tuple(names)), len(header), rows)


def csv_rows(text: str) -> Iterator[list[str]]:
    """The records of the CSV the store writes (``csv.writer``, minimal quoting, LF line ends),
    as the ``csv`` module reads them. A line without a quote is its cells split at the commas,
    which is several times quicker than the ``csv`` module and most lines are like that; a line
    with a quote goes to the ``csv`` module, with the lines after it while a quoted field is
    still open (a newline inside an answer). The tests compare the two on awkward text."""
    if "\r" in text:  # not written by the store (it writes LF only): the csv module reads all
        yield from csv.reader(io.StringIO(text, newline=""))
        return
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    count = len(lines)
    i = 0
    while i < count:
        line = lines[i]
        i += 1
        if '"' not in line:
            yield line.split(",")
            continue
        while line.count('"') % 2 and i < count:  # a quoted field runs on to the next line
            line = f"{line}\n{lines[i]}"
            i += 1
        try:
            yield from csv.reader([line])
        except csv.Error:  # a quoted field never closed: a torn record, skipped like one
            continue
