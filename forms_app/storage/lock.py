"""The store lock: an exclusive ``flock`` on ``<data_dir>/.lock``, taken per operation.

Why this shape:
- ``flock`` on a file of its own, not the data files: POSIX ``fcntl`` locks vanish when any
  descriptor of the file is closed in the process, and rewrites replace the data files.
- opened on every acquisition, never at import or in ``__init__``: under ``gunicorn --preload`` a
  descriptor opened before the fork is shared by all workers, and then excludes nobody. Each
  ``open`` makes a new open file description, so threads of one process exclude each other too.
- the lock file is never deleted: deleting it lets two processes lock two different files.
- a process killed while holding it releases it (the kernel closes its descriptors), unlike
  lock files that mark "locked" by existing.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

LOCK_NAME = ".lock"


class StoreLock:
    """Context manager holding the store's exclusive lock; one ``with`` block at a time."""

    def __init__(self, data_dir: Path):
        self.path = Path(data_dir) / LOCK_NAME
        self._fd: int | None = None

    def __enter__(self) -> StoreLock:
        if self._fd is not None:
            raise RuntimeError("StoreLock is not re-entrant: make a new one per operation")
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return self

    def __exit__(self, *exc_info: object) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            # Closing releases the flock; no explicit LOCK_UN needed, and none can be missed.
            os.close(fd)

    @property
    def held(self) -> bool:
        """True inside the ``with`` block."""
        return self._fd is not None
