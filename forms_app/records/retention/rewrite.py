"""Removing cases from the data package by atomic rewrite (reliability plan D8, G1, G3).

A table is rewritten, never edited in place, under the store lock: the rows to keep go to a
temporary file in the same directory, which is fsynced, renamed over the table with
``os.replace`` and the directory fsynced. A crash at any moment leaves either the old complete
file or the new complete file, never a mixture; a stale temporary file is removed next time.

Other processes notice: every ``Table`` remembers where it last read as a ``Cursor`` holding the
file's ``(st_dev, st_ino)`` and the bytes before the position (``table.py``, ``_trusted``). A
replaced file has a new inode, so their next read or append starts again from the top (the store
index, the case index and ``Table.write``'s tail check all do). ``store.recover()`` then reloads
this process's own indexes.

Removing a case touches three tables, which cannot be replaced together. So the references are
first written to an intent file (``<data_dir>/retention/intent.json``: references and
idempotency keys only, no personal values), fsynced; the tables are rewritten (personal, then
submissions, then events: the order in which a half-done state is least misleading); letters,
drafts and the outbox are cleared; and the intent is removed. An intent left by a crash is
finished before any records operation does anything else (``finish_pending``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from forms_app.storage import EVENTS, PERSONAL, SUBMISSIONS, Store
from forms_app.storage.table import fsync_directory

log = logging.getLogger(__name__)

INTENT_DIR = "retention"
INTENT_NAME = "intent.json"
TEMP_SUFFIX = ".rewrite"
ORDER = (PERSONAL, SUBMISSIONS, EVENTS)
_BATCH = 2000


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _header(path: Path) -> bytes:
    """The table's header line as it is on disk (the store checks it byte for byte)."""
    with open(path, "rb") as handle:
        line = handle.readline(1 << 16)
    if not line.endswith(b"\n"):
        raise OSError(f"{path.name}: no complete header line; run recovery first")
    return line


def rewrite_table(store: Store, name: str, keep: Callable[[dict[str, str]], bool]) -> int:
    """Rewrite one table with only the rows ``keep`` accepts; return how many went.

    The caller holds ``store.lock()``. Nothing changes when no row goes. Raises (leaving the
    old file as it was, and no temporary file) if anything fails before the rename.
    """
    table = store.tables.get(name)
    if table is None or not table.path.exists():
        return 0
    path = table.path
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


def remove_stale_temporaries(data_dir: Path) -> int:
    """Delete temporary files a crashed rewrite left (they may hold personal details)."""
    removed = 0
    for path in Path(data_dir).glob(f".*{TEMP_SUFFIX}"):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed += 1
    return removed


# -- removing cases -------------------------------------------------------------------------


def intent_path(data_dir: Path) -> Path:
    return Path(data_dir) / INTENT_DIR / INTENT_NAME


def _write_intent(data_dir: Path, intent: dict) -> None:
    path = intent_path(data_dir)
    if not path.parent.is_dir():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # The new folder's own name must survive a power cut too, or the intent could be
        # lost while a table rename it describes is kept.
        fsync_directory(path.parent.parent)
    data = json.dumps(intent, sort_keys=True).encode("utf-8")
    # Written in place, not renamed: a torn intent means no table was touched yet (see load).
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        _write_all(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    fsync_directory(path.parent)


def _read_intent(data_dir: Path) -> dict | None:
    path = intent_path(data_dir)
    try:
        intent = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return None
    except ValueError:
        # Torn while being written: the tables were not touched (they are only after fsync).
        log.warning("records: removed an incomplete intent file")
        path.unlink(missing_ok=True)
        return None
    return intent if isinstance(intent, dict) and isinstance(intent.get("refs"), list) else None


def _clear_intent(data_dir: Path) -> None:
    path = intent_path(data_dir)
    path.unlink(missing_ok=True)
    fsync_directory(path.parent)


def remove_cases(
    store: Store,
    refs: Iterable[str],
    *,
    operation: str,
    beyond: Callable[[list[str], list[str]], dict] | None = None,
) -> dict[str, int]:
    """Remove every row of the given cases from every table, atomically per table.

    ``beyond(refs, keys)`` is then called to clear what lies outside the tables (letters,
    drafts, outbox) and may return counts to report. Returns rows removed per table.
    """
    refs = sorted(set(refs))
    if not refs:
        return {name: 0 for name in ORDER}
    wanted = set(refs)
    keys = [row["idempotency_key"] for row in store.rows(SUBMISSIONS) if row["ref"] in wanted]
    _write_intent(store.data_dir, {"operation": operation, "refs": refs, "keys": keys})
    return _carry_out(store, refs, keys, beyond)


def _carry_out(store: Store, refs: list[str], keys: list[str], beyond) -> dict:
    wanted = set(refs)
    counts: dict = {}
    try:
        with store.lock():
            remove_stale_temporaries(store.data_dir)
            for name in ORDER:
                counts[name] = rewrite_table(store, name, lambda row: row["ref"] not in wanted)
    finally:
        # Every index in this process reads the tables again (taking the lock itself).
        store.recover()
    if beyond is not None:
        counts.update(beyond(refs, keys) or {})
    _clear_intent(store.data_dir)
    return counts


def finish_pending(store: Store, beyond=None) -> dict | None:
    """Finish a removal a crash interrupted; None if there was none."""
    intent = _read_intent(store.data_dir)
    if intent is None:
        with store.lock():
            remove_stale_temporaries(store.data_dir)
        return None
    log.warning("records: finishing an interrupted %s", intent.get("operation", "removal"))
    counts = _carry_out(store, list(intent["refs"]), list(intent.get("keys") or []), beyond)
    return {"operation": intent.get("operation", ""), "refs": intent["refs"], **counts}
