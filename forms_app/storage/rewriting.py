"""Replacing a table with fewer rows (erasure, retention purge): never edited in place; and
writing a new table file whole (``write_table_file``, for an upgrade's staged tables).

Under the store lock, the rows to keep go to a temporary file in the same directory, which is
fsynced, renamed over the table with ``os.replace``, and the directory fsynced. A crash at any
moment leaves either the old complete file or the new complete file, never a mixture; a
temporary file a crash left behind is removed next time (it may hold personal details).

Other processes notice: every reader remembers where it last read as a ``Cursor`` holding the
file's ``(st_dev, st_ino)`` and the bytes before the position. A replaced file has a new inode,
so their next read or append starts again from the top.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from .table import Table, fsync_directory

TEMP_SUFFIX = ".rewrite"
_BATCH = 2000


def rewrite_table(table: Table, keep: Callable[[dict[str, str]], bool]) -> int:
    """Rewrite one table with only the rows ``keep`` accepts; return how many went.

    The caller holds the store lock. Nothing changes when no row goes (or there is no file).
    Raises (leaving the old file as it was, and no temporary file) if anything fails before
    the rename.
    """
    path = table.path
    if not path.exists():
        return 0
    header = _header(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}{TEMP_SUFFIX}")
    removed = 0
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        try:
            _write_all(fd, header)
            batch: list[dict[str, str]] = []
            for row in table.read():
                if keep(row):
                    batch.append(row)
                    if len(batch) >= _BATCH:
                        _write_all(fd, table.encode(batch))
                        batch = []
                else:
                    removed += 1
            _write_all(fd, table.encode(batch))
            os.fsync(fd)
        finally:
            os.close(fd)
        if removed:
            os.replace(temporary, path)
            fsync_directory(path.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    return removed


def write_table_file(path: Path, header: bytes, records: Iterable[bytes]) -> None:
    """Write a new table file (mode 0600): the header, then the records, fsynced before it
    returns. ``path`` must not exist yet; if anything fails, no file is left at it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        try:
            batch = [header]
            for record in records:
                batch.append(record)
                if len(batch) >= _BATCH:
                    _write_all(fd, b"".join(batch))
                    batch = []
            _write_all(fd, b"".join(batch))
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        raise


def remove_stale_temporaries(data_dir: Path) -> int:
    """Delete temporary files a crashed rewrite left (the caller holds the store lock)."""
    removed = 0
    for path in Path(data_dir).glob(f".*{TEMP_SUFFIX}"):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed += 1
    return removed


def _header(path: Path) -> bytes:
    """The table's header line as it is on disk (the store checks it byte for byte)."""
    with open(path, "rb") as handle:
        line = handle.readline(1 << 16)
    if not line.endswith(b"\n"):
        raise OSError(f"{path.name}: no complete header line; run recovery first")
    return line


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
