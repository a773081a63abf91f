"""Removing cases from the data package, finished even if a crash interrupts it.

The store removes a case's rows by rewriting each table atomically (``Store.remove_cases``:
temporary file, fsync, rename, fsync of the directory; other processes notice the new file and
read it again). Removing a case touches three tables, which cannot be replaced together. So the
references are first written to an intent file (``<data_dir>/retention/intent.json``:
references and idempotency keys only, no personal values), fsynced; the tables are rewritten
(personal, then submissions, then events: the order in which a half-done state is least
misleading); letters, drafts and the outbox are cleared; and the intent is removed. An intent
left by a crash is finished before any records operation does anything else
(``finish_pending``).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from forms_app.storage import SUBMISSIONS, Store
from forms_app.storage.store import COMMIT_ORDER
from forms_app.storage.table import fsync_directory

log = logging.getLogger(__name__)

INTENT_DIR = "retention"
INTENT_NAME = "intent.json"


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


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
        return dict.fromkeys(COMMIT_ORDER, 0)
    wanted = set(refs)
    keys = [
        key for ref, key in store.scan(SUBMISSIONS, ("ref", "idempotency_key")) if ref in wanted
    ]
    _write_intent(store.data_dir, {"operation": operation, "refs": refs, "keys": keys})
    return _carry_out(store, refs, keys, beyond)


def _carry_out(store: Store, refs: list[str], keys: list[str], beyond) -> dict:
    counts: dict = store.remove_cases(refs)
    if beyond is not None:
        counts.update(beyond(refs, keys) or {})
    _clear_intent(store.data_dir)
    return counts


def finish_pending(store: Store, beyond=None) -> dict | None:
    """Finish a removal a crash interrupted; None if there was none."""
    intent = _read_intent(store.data_dir)
    if intent is None:
        store.clear_interrupted_rewrites()
        return None
    log.warning("records: finishing an interrupted %s", intent.get("operation", "removal"))
    counts = _carry_out(store, list(intent["refs"]), list(intent.get("keys") or []), beyond)
    return {"operation": intent.get("operation", ""), "refs": intent["refs"], **counts}
