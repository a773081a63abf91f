"""The case tables of a store in a database, written out as a data package in a folder.

What ``feedback backup`` and ``feedback validate`` read when the case tables are in PostgreSQL:
the same package ``feedback export-package`` writes (the descriptor with its schemas, one
checksummed CSV per table, under the same file names as a data directory's), copied while the
store's write lock is held, so every table is read as of one moment (no event without its case,
no personal row without its submission). Validation is left to the caller, after the lock is
let go: it is slow, and submissions wait while the lock is held.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from .contract import Contract
from .lock import LOCK_NAME
from .postgres.moving import TargetNotEmpty, copy_rows
from .store import Store


def in_database(store) -> bool:
    """True when ``store`` keeps the case tables in a database rather than the data directory."""
    return bool(getattr(store, "url", ""))


def package_columns(store) -> dict[str, list[str]]:
    """The columns of each case table the database ``store`` has, as a data package's files
    hold them (the row checksum last)."""
    contract = Contract()
    names = [name for name in contract.resource_names if name in store.shapes]
    return {name: contract.columns(name) for name in names}


def write_package(store, target: Path, *, lock_held: bool = False) -> dict[str, int]:
    """Write every case table of the database ``store`` into ``target`` (new or empty) as a
    data package; return the rows written per table. ``lock_held``: the caller holds the
    store's write lock already (it is not re-entrant)."""
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise TargetNotEmpty(f"{target} is not empty")
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    package = Store(target, package_columns(store))
    package.recover()
    with contextlib.nullcontext() if lock_held else store.lock():
        counts = copy_rows(store, package)
    Contract().write_descriptor(target)
    # The package's own lock file: state of the copy's making, not of the data.
    (target / LOCK_NAME).unlink(missing_ok=True)
    return counts
