"""An index saved on disk beside the data, so that a process starting with many cases does not
read and fold every case before its first page: it loads what an earlier process saved, checks
it still describes the tables, and reads only the rows appended since.

Two are saved, each in its own file under ``run/index/`` in the data directory (left out of
backups, removed by any rewrite of the tables: see ``storage.prefixes``):

- ``cases``: the rows of ``submissions`` and ``events`` as read (the case index folds them
  again, case by case, when a case is first wanted: the folding code never has to match the
  code that saved them), and beside them each case in brief (``briefs``: what the lists and
  the home page's figures need, kept only while the rules its dates follow are the same);
- ``search``: the search index's keys and lists of case numbers.

Only a store that can write down where a read stopped (``Store.cursor_marks`` and
``Store.resume_cursor``: the data package) has indexes saved; with another engine behind the
store's methods nothing is saved, and every process reads the tables as before.

A saved index is used only if all of these hold, and otherwise ignored (and replaced by the
next save), so it can make a start faster but never make an index wrong:

- the file is whole: it starts with ``MAGIC`` and ends with a CRC-32 of everything before;
- it was made by this code on this Python: a digest of the source of the modules that build
  and read it (``code_digest``), the marshal version and the byte order;
- the data has the same schemas: a SHA-256 of ``datapackage.json``, which each release writes
  into the data directory when it starts;
- every table still begins with exactly the bytes it was built from (each table's offset and a
  SHA-256 of every byte before it: ``Store.cursor_marks`` and ``Store.resume_cursor``).

Format: ``marshal`` (the standard library's serializer for plain values: it builds only
strings, numbers, bytes, tuples, lists, dicts and sets, never objects of a class or code that
runs, unlike ``pickle``), chosen because it loads these large lists of plain values quickest.
The data directory is trusted (mode 0700, the service's own account); the trailing checksum is
against damage (a CRC-32: it notices a changed or cut file, and costs less than a SHA-256 of
the whole file), not against an attacker, who could as well change the tables themselves.

Saved in a thread of its own (``save_later``: a save reads or copies every case, which no page
should wait for), one at a time per index and process. Written atomically: a temporary file of
its own in the same folder, fsynced, renamed over the old one, then the folder fsynced; two
processes saving at once each rename a whole file, and the last one wins.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import marshal
import os
import struct
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path

from forms_app.storage.gc_pause import paused_collection
from forms_app.storage.prefixes import DERIVED_DIR
from forms_app.storage.store import Store

log = logging.getLogger(__name__)

MAGIC = b"FBINDEX1"
_LENGTH = struct.Struct(">Q")
_CHECK = struct.Struct(">I")  # the CRC-32 at the end
_STALE_TEMPORARY_S = 3600  # a temporary file this old was left by a writer that died


@cache
def code_digest(*modules: str) -> str:
    """SHA-256 of the source of the named modules of this package (and of this one)."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in sorted({*modules, "index_snapshot"}):
        digest.update(name.encode() + b"\0" + (here / f"{name}.py").read_bytes())
    return digest.hexdigest()


def _runtime() -> list:
    return [marshal.version, sys.byteorder, sys.implementation.cache_tag]


def _schema_digest(data_dir: Path) -> str:
    try:
        return hashlib.sha256((data_dir / "datapackage.json").read_bytes()).hexdigest()
    except OSError:
        return ""


class SavedIndex:
    """One index saved beside the data: ``load`` and ``save``."""

    def __init__(self, store: Store, name: str, tables: Sequence[str], modules: Sequence[str]):
        self.store = store
        self.name = name
        self.tables = tuple(tables)
        self.modules = tuple(modules)
        self.path = Path(store.data_dir) / DERIVED_DIR / f"{name}.index"
        # False for an engine that cannot say where a read stopped in a way another process
        # can check: nothing is saved or loaded then.
        self.enabled = callable(getattr(store, "cursor_marks", None)) and callable(
            getattr(store, "resume_cursor", None)
        )
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()

    def _meta(self) -> dict:
        return {
            "name": self.name,
            "code": code_digest(*self.modules),
            "runtime": _runtime(),
            "schema": _schema_digest(Path(self.store.data_dir)),
        }

    def load(self) -> tuple[object, object] | None:
        """``(cursor, payload)`` if the saved index is whole, made by this code and still
        describes the tables (the cursor is where to read on from); None otherwise."""
        if not self.enabled:
            return None
        try:
            data = self.path.read_bytes()
        except OSError:
            return None
        meta, payload = _split(data)
        if meta is None or not isinstance(meta, dict):
            return None
        if {key: meta.get(key) for key in self._meta()} != self._meta():
            return None
        cursor = self.store.resume_cursor(meta.get("marks"), self.tables)
        if cursor is None:
            return None
        try:
            # Hundreds of thousands of new containers at once: no collection can free any.
            with paused_collection():
                return cursor, marshal.loads(payload)
        except (EOFError, ValueError, TypeError):
            return None

    def save(self, cursor: object, payload: object) -> bool:
        """Save ``payload``, built from the tables up to ``cursor``; False if it cannot be
        (the tables changed under it, the folder cannot be written: then nothing is saved)."""
        if not self.enabled:
            return False
        marks = self.store.cursor_marks(cursor, self.tables)
        if marks is None:
            return False
        head = marshal.dumps({**self._meta(), "marks": marks})
        body = marshal.dumps(payload)
        check = 0
        for part in (MAGIC, _LENGTH.pack(len(head)), head, body):
            check = zlib.crc32(part, check)
        try:
            put_in_place(
                self.path, (MAGIC, _LENGTH.pack(len(head)), head, body, _CHECK.pack(check))
            )
        except OSError:
            return False
        # A rewrite of the tables (an erasure) while this was being written removes the saved
        # indexes before it ends, and this one may have been put in place after that: it must
        # not keep what the rewrite removed. It would never be used (its marks no longer hold),
        # but it is removed at once.
        if self.store.resume_cursor(marks, self.tables) is None:
            self.discard()
            return False
        return True

    def save_later(self, work: Callable[[], None]) -> None:
        """Run ``work`` (which calls ``save``) in a thread of its own, unless the last one is
        still running (it will be asked again once more rows have come)."""
        if not self.enabled:
            return
        with self._starting:
            if self._thread is not None and self._thread.is_alive():
                return
            # Not a daemon: a process asked to stop (a restart) finishes the save first, so the
            # process that replaces it finds it.
            self._thread = threading.Thread(
                target=self._run, args=(work,), name=f"save the {self.name} index", daemon=False
            )
            self._thread.start()

    def _run(self, work: Callable[[], None]) -> None:
        try:
            work()
        except Exception:
            # Nothing is lost: the next process reads the tables, as it would with no file.
            log.exception("the %s index could not be saved", self.name)

    def wait(self, timeout: float | None = None) -> None:
        """Wait for a save in progress (tests, and a command about to exit)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def discard(self) -> None:
        """Remove the saved index (it describes tables that were rewritten)."""
        with contextlib.suppress(OSError):
            self.path.unlink()


def put_in_place(path: Path, parts: Sequence[bytes]) -> None:
    """Write ``parts`` as the whole of ``path``, atomically: a temporary file of its own in the
    same folder (the folder and its parent made 0700 if they are not there), fsynced, renamed
    over ``path``, then the folder fsynced. Raises OSError."""
    folder = path.parent
    for level in (folder.parent, folder):  # each 0700 whatever the umask of the process
        level.mkdir(mode=0o700, exist_ok=True)
    _remove_stale_temporaries(folder, path.stem)
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                out.write(part)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _fsync_folder(folder)


def _split(data: bytes) -> tuple[object, memoryview]:
    """The saved index's header (None if the file is not whole) and its payload's bytes."""
    start = len(MAGIC) + _LENGTH.size
    end = len(data) - _CHECK.size
    if end < start or not data.startswith(MAGIC):
        return None, memoryview(b"")
    view = memoryview(data)
    if zlib.crc32(view[:end]) != _CHECK.unpack_from(data, end)[0]:
        return None, memoryview(b"")
    (length,) = _LENGTH.unpack_from(data, len(MAGIC))
    if start + length > end:
        return None, memoryview(b"")
    try:
        meta = marshal.loads(view[start : start + length])
    except (EOFError, ValueError, TypeError):
        return None, memoryview(b"")
    return meta, view[start + length : end]


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_stale_temporaries(folder: Path, name: str) -> None:
    """Temporary files a writer killed half-way left behind (a live writer's are recent)."""
    now = time.time()
    for path in folder.glob(f".{name}.*.tmp"):
        with contextlib.suppress(OSError):
            if now - path.stat().st_mtime > _STALE_TEMPORARY_S:
                path.unlink()
