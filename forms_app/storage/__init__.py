"""The storage layer: the data package on disk is the system of record.

One append-only CSV per resource, a CRC32 per row, appends under an exclusive ``flock``, fsync
before a reference is shown, and repair of a torn tail at start-up. Schema-agnostic: callers give
each table's ordered column names (ending with ``crc``) and string values.

- ``references``: the references people are given, and reading them back.
- ``records``: the bytes of one row, and finding records in damaged bytes.
- ``table``: one CSV file: append, read, recover.
- ``lock``: the store lock.
- ``store``: the tables together: commit a submission, append events, find, recover.
"""

from .lock import StoreLock
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
    "PERSONAL",
    "SUBMISSIONS",
    "CorruptStoreError",
    "RecoveryReport",
    "StorageError",
    "Store",
    "StoreLock",
    "StoreWriteError",
    "Table",
    "UnsafeStorageError",
    "check_local_filesystem",
    "new_reference",
    "normalise_reference",
]
