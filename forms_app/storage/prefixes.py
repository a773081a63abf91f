"""Where a reader had read the tables up to, written down so that another process can carry on
from there: each table's offset with a SHA-256 of every byte before it (the header included).

A reader that saved what it built from the tables (an index kept on disk beside the data) saves
these marks with it. A later process resumes only if every table still begins with exactly
those bytes; a table rewritten since (erasure, retention purge, an upgrade changing the
columns), cut back, or replaced by a different file gives no cursor, and the reader starts
again from the first row. The whole prefix is hashed, not a sample of it: a rewrite that kept
the length and the last bytes would otherwise pass.

The derived files live in ``run/index/`` in the data directory: what a running server keeps for
itself, left out of backups. A rewrite of the tables removes them (``discard_derived``), so
that what an erasure removed does not stay behind in a copy made before it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import time
from collections.abc import Mapping
from pathlib import Path

from .table import Cursor, Table
from .tailing import ChangeCursor

#: The folder of indexes saved beside the data (under ``run/``, which backups leave out).
DERIVED_DIR = Path("run") / "index"
_CHUNK = 1 << 20
_SUFFIX = 16  # as ``Table``: the bytes before a position a cursor keeps


def prefix_digest(path: Path, offset: int) -> str | None:
    """SHA-256 (hex) of the first ``offset`` bytes of a file; None if it is shorter or gone."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        return _digest(fd, offset)
    finally:
        os.close(fd)


def _digest(fd: int, offset: int) -> str | None:
    digest = hashlib.sha256()
    buffer = bytearray(_CHUNK)
    view = memoryview(buffer)
    done = 0
    while done < offset:
        got = os.preadv(fd, [view[: min(_CHUNK, offset - done)]], done)
        if got <= 0:
            return None
        digest.update(view[:got])
        done += got
    return digest.hexdigest()


def marks_of(tables: Mapping[str, Table], cursor: object) -> dict[str, list] | None:
    """``{table: [offset, digest]}`` for a cursor from ``read_changes`` over ``tables``; None if
    it is not one, or a table is no longer the file it was read from (replaced by a rewrite, or
    cut back): what was built from it must not be saved as if built from what is there now."""
    if not isinstance(cursor, ChangeCursor) or cursor.names != tuple(tables):
        return None
    marks: dict[str, list] = {}
    for name, position in zip(cursor.names, cursor.positions, strict=True):
        if position is None:
            return None
        try:
            fd = os.open(tables[name].path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return None
        try:
            digest = _digest(fd, position.offset) if _same(fd, position) else None
            if digest is None or not _same(fd, position):
                return None
        finally:
            os.close(fd)
        marks[name] = [position.offset, digest]
    return marks


def _same(fd: int, position: Cursor) -> bool:
    """The open file is the one the position was read from, still holding its last bytes."""
    st = os.fstat(fd)
    if (st.st_dev, st.st_ino) != position.ident or st.st_size < position.offset:
        return False
    begin = position.offset - len(position.suffix)
    return os.pread(fd, len(position.suffix), begin) == position.suffix


def resume(tables: Mapping[str, Table], marks: object) -> ChangeCursor | None:
    """A cursor at the marks if every table still begins with the bytes they were made from;
    None otherwise (then read from the start)."""
    if not isinstance(marks, Mapping) or set(marks) != set(tables):
        return None
    positions: list[Cursor] = []
    for name, table in tables.items():
        mark = marks[name]
        if not (isinstance(mark, (list, tuple)) and len(mark) == 2):
            return None
        offset, digest = mark
        if not isinstance(offset, int) or not isinstance(digest, str) or offset <= 0:
            return None
        try:
            fd = os.open(table.path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return None
        try:
            st = os.fstat(fd)
            if st.st_size < offset:
                return None
            begin = max(0, offset - _SUFFIX)
            position = Cursor((st.st_dev, st.st_ino), offset, os.pread(fd, offset - begin, begin))
            if _checked_digest(fd, st, position) != digest:
                return None
            positions.append(position)
        finally:
            os.close(fd)
    return ChangeCursor(tuple(tables), tuple(positions))


#: Digests ``resume`` made in the last few seconds, so that two indexes loaded one after the
#: other at start-up hash a table they share once: (position, size, modification time,
#: monotonic time) -> digest. Reused only for the same file, the same size, the same
#: modification time and the same bytes before the offset, within ``_REUSE_S``.
_RECENT: dict[tuple, tuple[float, str]] = {}
_REUSE_S = 5.0


def _checked_digest(fd: int, st: os.stat_result, position: Cursor) -> str | None:
    key = (position, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    now = time.monotonic()
    found = _RECENT.get(key)
    if found is not None and now - found[0] <= _REUSE_S:
        return found[1]
    digest = _digest(fd, position.offset)
    for old in [k for k, (made, _) in _RECENT.items() if now - made > _REUSE_S]:
        del _RECENT[old]
    if digest is not None:
        _RECENT[key] = (now, digest)
    return digest


def discard_derived(data_dir: Path) -> None:
    """Remove every index saved beside the data (after a rewrite of the tables)."""
    with contextlib.suppress(OSError):
        shutil.rmtree(Path(data_dir) / DERIVED_DIR)
