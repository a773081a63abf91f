"""Making ``feedback migrate-store`` all or nothing: a move that fails part way leaves the
target exactly as it was, so the same command can simply be run again once the fault is gone.

- **Into PostgreSQL** (``one_transaction``): everything is written in one transaction on one
  connection, the case tables, the files' bytes, the letters and the rest of the state alike,
  and read back and counted inside it before it commits. A failure anywhere rolls all of it
  back; only the empty tables made beforehand stay, as the app makes them on first use. The
  store and the shared tables each keep their own connections in the app, so the move hands
  the store the shared ones for its run; each part's own ``transaction()`` then nests inside
  this one as a savepoint.
- **Into the files** (``staged_directory``): everything is written into a new directory beside
  the data directory, on the same filesystem, checked there, every file and folder fsynced, and
  only then moved in by renaming each of its entries into the data directory (an entry of the
  same name there, such as a table file holding only its header from a first start, is set
  aside first). A failure while writing removes the staging directory; a failure while moving
  in puts every entry back where it was. The data directory's other files (its secret key,
  its settings) are left alone, and one that did not exist is made only by the move itself.

One thing a rolled-back transaction does not undo: PostgreSQL's sequences do not go back, so
the rows of a move run again are numbered from further on. Only the order of the numbers is
used, never their values, so nothing a person sees changes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from forms_app.storage.lock import LOCK_NAME
from forms_app.storage.postgres.shared import connections
from forms_app.storage.table import fsync_directory


@contextmanager
def one_transaction(url: str, store) -> Iterator[None]:
    """Run the block in one durable transaction on this thread's shared connection to the
    database at ``url``, with ``store`` (a ``PostgresStore`` on that database) writing through
    the same connection: everything the block writes commits together, or none of it does.
    Make every table the block writes before entering (a table made inside would be rolled
    back with the rest, while the process would think it made)."""
    pool = connections(url)
    own, store.connections = store.connections, pool
    connection = pool.get()
    try:
        with connection.transaction():
            # A connection pooler may hand the transaction a session that never saw the SET
            # made when the connection was opened: the commit must wait for the disk.
            connection.execute("SET LOCAL synchronous_commit TO on")
            yield
    finally:
        store.connections = own


@contextmanager
def staged_directory(data_dir: Path) -> Iterator[Path]:
    """A new, empty staging directory beside ``data_dir`` for the block to write into; moved
    into ``data_dir`` once the block ends without an error, removed if it raises. Either way
    nothing of it is left beside ``data_dir``, and on an error ``data_dir`` is as it was."""
    data_dir = Path(data_dir).resolve()  # a link followed: the staging is on the same disk
    data_dir.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    staging = Path(tempfile.mkdtemp(prefix=f".{data_dir.name}.moving-", dir=data_dir.parent))
    try:
        yield staging
        _sync_tree(staging)
        _move_in(staging, data_dir)
    finally:
        _remove(staging)


def _sync_tree(folder: Path) -> None:
    """fsync every file and folder under ``folder`` and ``folder`` itself, deepest first, so
    that what was written is on disk before any name of it is moved into place."""
    for root, _folders, files in os.walk(folder, topdown=False):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY | os.O_CLOEXEC)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_directory(Path(root))


def _move_in(staging: Path, data_dir: Path) -> None:
    """Move the entries of ``staging`` into ``data_dir``: the whole folder by one rename when
    there is no ``data_dir`` yet, else entry by entry, each one that is already there set aside
    first and put back if a later one cannot be moved."""
    if not data_dir.exists():
        os.rename(staging, data_dir)
        fsync_directory(data_dir.parent)
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{data_dir.name}.replaced-", dir=data_dir.parent))
    moved: list[str] = []
    set_aside: list[str] = []
    try:
        for name in sorted(os.listdir(staging)):
            if name == LOCK_NAME and os.path.lexists(data_dir / name):
                # The store's lock file holds nothing: the one there is kept, so a process
                # that still opens it finds the same file.
                continue
            if os.path.lexists(data_dir / name):
                os.rename(data_dir / name, aside / name)
                set_aside.append(name)
            os.rename(staging / name, data_dir / name)
            moved.append(name)
        fsync_directory(data_dir)
    except BaseException:
        for name in reversed(moved):
            os.rename(data_dir / name, staging / name)
        for name in reversed(set_aside):
            os.rename(aside / name, data_dir / name)
        fsync_directory(data_dir)
        # Empty now, or what could not be put back is still in it: never removed whole.
        os.rmdir(aside)
        raise
    _remove(aside)


def _remove(folder: Path) -> None:
    """Remove ``folder`` and everything in it if it is there, and make that last."""
    if os.path.lexists(folder):
        shutil.rmtree(folder)
        with suppress(OSError):
            fsync_directory(folder.parent)
