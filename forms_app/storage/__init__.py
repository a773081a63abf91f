"""The storage layer: the data package on disk is the system of record.

One append-only CSV per resource, a CRC32 per row, appends under an exclusive ``flock``, fsync
before a reference is shown, and repair of a torn tail at start-up. Schema-agnostic: callers give
each table's ordered column names (ending with ``crc``) and string values.

- ``references``: the references people are given, and reading them back.
- ``records``: the bytes of one row, and finding records in damaged bytes.
- ``scanning``: reading a file's intact records, and judging the bytes after the last one.
- ``table``: one CSV file: append, read, recover.
- ``tailing``: what was appended since a reader last looked; one row found by reference.
- ``uncommitted``: personal rows whose submission never landed.
- ``rewriting``: replacing a table with fewer rows, atomically.
- ``reading``: the tables of a data directory read without the app (reports).
- ``filesystem``: refusing a data directory where locking or fsync cannot be trusted.
- ``lock``: the store lock.
- ``evidence``: files added to a case, beside their rows in the evidence table.
- ``store``: the tables together, and the only way the rest of the service reaches them:
  commit a submission or a batch, append events, rewrite, find, scan, follow, recover.
- ``postgres``: the same methods with the case tables in PostgreSQL (an optional engine).
- ``engines``: the one place the engine is chosen (``store_url`` in the settings).
"""

from .evidence import EVIDENCE, EvidenceDamaged
from .lock import StoreLock
from .reading import TableReader, open_for_reading
from .references import ALPHABET, new_reference, normalise_reference
from .store import (
    EVENTS,
    PERSONAL,
    SUBMISSIONS,
    Store,
    StoreWriteError,
    UnsafeStorageError,
    check_local_filesystem,
)
from .table import CorruptStoreError, RecoveryReport, StorageError, Table

__all__ = [
    "ALPHABET",
    "EVENTS",
    "EVIDENCE",
    "PERSONAL",
    "SUBMISSIONS",
    "CorruptStoreError",
    "EvidenceDamaged",
    "RecoveryReport",
    "StorageError",
    "Store",
    "StoreLock",
    "StoreWriteError",
    "TableReader",
    "Table",
    "UnsafeStorageError",
    "check_local_filesystem",
    "new_reference",
    "normalise_reference",
    "open_for_reading",
]
