"""Moving the tables to a new layout (``feedback migrate``): staged beside them, checked, swapped.

The caller gives, for each table, a function from its rows as they are to its rows as they must
be, and the columns they then have. Nothing is edited in place:

1. ``Staging.stage`` reads a table with the columns of its own header (the layout it is in, which
   may not be this code's), passes its rows through the change, and writes the result to a
   staging directory inside the data directory (the same filesystem, so the final rename is
   atomic), fsynced, with a checksum for every row as the store writes them. A table whose rows
   come out the same is linked in unchanged, so the staged directory is a whole data package
   the caller can validate before anything live is touched.
2. ``Staging.swap`` renames each changed table over the live one (``os.replace``) and fsyncs the
   directory. A crash between two renames leaves some tables changed and some not, with the old
   version still recorded; running the upgrade again finishes it, because every change leaves
   rows already in the new layout as they are.

The staging directory may hold personal details: it is made 0700 and removed when the work is
done, and a real run removes any that an interrupted one left.
"""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .reading import table_path
from .records import CRC_COLUMN, encode_header
from .rewriting import write_table_file
from .table import Table, fsync_directory

#: Staging directories start with this; ``feedback backup`` leaves them out.
STAGING_PREFIX = ".upgrading-"

Rows = Iterable[dict[str, str]]
#: A table's change: its rows as they are (iterable more than once) to its rows as they must be.
Change = Callable[[Rows], Iterable[Mapping[str, str]]]


def columns_on_disk(data_dir: Path, table: str) -> tuple[str, ...] | None:
    """The columns of a table as its file's header names them (None if it has no file)."""
    path = table_path(data_dir, table)
    try:
        with open(path, "rb") as handle:
            line = handle.readline(1 << 16)
    except FileNotFoundError:
        return None
    if not line.endswith(b"\n"):
        raise OSError(
            f"{path.name}: no complete header line (the file is damaged): restore it from a "
            "backup, or remove it if it holds no rows"
        )
    cells = next(csv.reader([line[:-1].decode("utf-8", "replace")]), [])
    if len(cells) < 2 or cells[-1] != CRC_COLUMN:
        raise OSError(f"{path.name}: the header is not a table header: {line[:200]!r}")
    return tuple(cells)


class TableRows:
    """Every row of a table file, read with the columns of its own header, checksums checked:
    iterable more than once (a change may read the rows twice)."""

    def __init__(self, path: Path, columns: Sequence[str]):
        self._table = Table(path, columns)

    def __iter__(self) -> Iterator[dict[str, str]]:
        return self._table.read()


@dataclass(frozen=True)
class StagedTable:
    """What the change did to one table: counts only, never a row's content."""

    name: str
    columns_before: tuple[str, ...]
    columns_after: tuple[str, ...]
    rows_before: int
    rows_after: int
    changed: int  # rows written that were not in the table before (new or altered)

    @property
    def differs(self) -> bool:
        return (
            self.changed > 0
            or self.columns_before != self.columns_after
            or (self.rows_before != self.rows_after)
        )

    def describe(self) -> str:
        words = f"{self.name}: {self.changed} of {self.rows_after} rows changed"
        if self.rows_before != self.rows_after:
            words += f" ({self.rows_after - self.rows_before:+d} rows)"
        if self.columns_before != self.columns_after:
            added = [c for c in self.columns_after if c not in self.columns_before]
            gone = [c for c in self.columns_before if c not in self.columns_after]
            words += f"; columns added {added or 'none'}, removed {gone or 'none'}"
        return words


class Staging:
    """A staging directory inside ``data_dir`` for one upgrade; use with ``with``. The caller
    holds the store lock for a real upgrade (a dry run stages without it: it swaps nothing)."""

    def __init__(self, data_dir: Path, *, label: str = "run"):
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / f"{STAGING_PREFIX}{label}-{os.getpid()}"
        self.staged: dict[str, StagedTable] = {}

    def __enter__(self) -> Staging:
        self.path.mkdir(mode=0o700)
        return self

    def __exit__(self, *exc_info: object) -> None:
        shutil.rmtree(self.path, ignore_errors=True)

    @staticmethod
    def remove_stale(data_dir: Path) -> int:
        """Remove staging directories an interrupted upgrade left (the caller holds the lock)."""
        removed = 0
        for path in Path(data_dir).glob(f"{STAGING_PREFIX}*"):
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
        return removed

    def stage(self, table: str, columns_after: Sequence[str], change: Change) -> StagedTable:
        """Write ``table`` changed by ``change`` into the staging directory, with the columns
        ``columns_after`` (ending with the checksum column); a missing table stays missing."""
        live = table_path(self.data_dir, table)
        staged_path = table_path(self.path, table)
        before = columns_on_disk(self.data_dir, table)
        if before is None:
            # Created with its header (as the store does at start), so the package is whole.
            write_table_file(staged_path, encode_header(columns_after), ())
            return self._record(StagedTable(table, (), tuple(columns_after), 0, 0, 0))
        source = TableRows(live, before)
        seen: set[bytes] = set()
        rows_before = 0
        for row in source:
            seen.add(_digest(row, before))
            rows_before += 1
        target = Table(staged_path, columns_after)
        counts = {"rows": 0, "changed": 0}

        def encoded() -> Iterator[bytes]:
            for row in change(source):
                counts["rows"] += 1
                if _digest(row, columns_after) not in seen:
                    counts["changed"] += 1
                yield target.encode([row])

        write_table_file(staged_path, encode_header(target.columns), encoded())
        result = StagedTable(
            table, before, tuple(columns_after), rows_before, counts["rows"], counts["changed"]
        )
        if not result.differs:
            # Unchanged: the live file itself goes into the package to validate.
            staged_path.unlink()
            os.link(live, staged_path)
        return self._record(result)

    def _record(self, staged: StagedTable) -> StagedTable:
        self.staged[staged.name] = staged
        return staged

    def swap(self, order: Sequence[str]) -> list[str]:
        """Put every changed staged table in place of the live one, in ``order``; return their
        names. The caller holds the store lock and has validated the staged package."""
        swapped = []
        for name in order:
            staged = self.staged.get(name)
            if staged is None or not staged.differs:
                continue
            os.replace(table_path(self.path, name), table_path(self.data_dir, name))
            fsync_directory(self.data_dir)
            swapped.append(name)
        return swapped


def _digest(row: Mapping[str, str], columns: Sequence[str]) -> bytes:
    """A short fingerprint of a row's cells under its column names (a renamed column counts
    as a change); collisions are as unlikely as in any 16-byte hash."""
    hasher = hashlib.blake2b(digest_size=16)
    for column in columns:
        if column == CRC_COLUMN:
            continue
        hasher.update(column.encode("utf-8", "surrogatepass") + b"\x00")
        hasher.update(str(row.get(column, "")).encode("utf-8", "surrogatepass") + b"\x01")
    return hasher.digest()
