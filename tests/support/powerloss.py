"""A power-loss simulator for the storage layer (reliability plan D5, SQLite-VFS style).

``PowerLoss(root)`` wraps the system calls the store and the atomic rewrite use (``os.open``,
``os.write``, ``os.pwrite``, ``os.ftruncate``, ``os.fsync``, ``os.replace``, ``os.unlink``) for
files directly in ``root`` and keeps a model of what a power cut would leave:

- per file (per inode, so a renamed file keeps its history): the bytes as of its last fsync;
- for the directory: which name pointed at which file as of the directory's last fsync.

Before every call that changes something it takes a ``Snapshot`` (a crash just before that
call): the current names and bytes, the durable model, and the workload's own notes (how many
commits had been acknowledged). ``crash_states`` turns a snapshot into the four disks of the
plan:

- ``drop``: nothing unsynced survived: the directory as last fsynced, each file as last fsynced;
- ``prefix``: every name change survived, and of each file's unsynced bytes a random prefix;
- ``garbage``: every name change survived, and each file's size, but its unsynced bytes are
  zeros or random bytes (the file size is updated before the data: gotcha 7);
- ``names``: every name change survived (a rename persisted) but no unsynced data did.

Only the real calls change the disk; the model just watches. Not modelled: sub-directories (the
workload keeps to one), reordering of writes within one file (ext4 and XFS write appends in
order within a file; the ``garbage`` state covers what size-before-data leaves).
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

STATES = ("drop", "prefix", "garbage", "names")


@dataclass(frozen=True)
class Snapshot:
    """The disk and the durable model just before one call (or at the end of the workload)."""

    index: int
    call: str
    phase: str
    notes: dict
    current: dict[str, tuple[int, bytes]]  # name -> (file id, bytes now)
    durable_names: dict[str, int]  # name -> file id, as of the directory's last fsync
    durable: dict[int, bytes]  # file id -> bytes as of its last fsync


@dataclass
class PowerLoss:
    """Watch system calls on files in ``root``; see the module docstring.

    The rewrite's ``os.open`` of an existing name with ``O_TRUNC`` and creations are crash
    points; so is every write, truncation, fsync, rename and unlink."""

    root: Path
    # A negative control: fsyncs of files whose names contain this are done for real but not
    # counted as making anything durable, as if the code had left the fsync out.
    forget_fsync_of: str | None = None
    phase: str = "setup"
    notes: dict = field(default_factory=dict)
    snapshots: list[Snapshot] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.root = Path(self.root)
        self._real = {
            name: getattr(os, name)
            for name in (
                "open",
                "close",
                "write",
                "pwrite",
                "ftruncate",
                "fsync",
                "replace",
                "unlink",
            )
        }
        self._fds: dict[int, tuple[str, str]] = {}  # fd -> ("file" | "dir", name)
        self._ids: dict[tuple[int, int], int] = {}
        self._durable: dict[int, bytes] = {}
        self._durable_names: dict[str, int] = {}
        self._cache: dict[int, tuple[tuple[int, int], bytes]] = {}  # id -> ((size, mtime), data)
        self._calls = 0
        # What is on disk when watching starts counts as durable.
        for name, path in self._listing():
            file_id = self._new_id(path.stat())
            self._durable[file_id] = path.read_bytes()
            self._durable_names[name] = file_id

    # -- installing -------------------------------------------------------------------------

    @contextmanager
    def installed(self, monkeypatch) -> Iterator[PowerLoss]:
        """Wrap the calls for the duration of a ``with`` block; a final snapshot at its end."""
        wrappers = {
            "open": self._open,
            "close": self._close,
            "write": self._write,
            "pwrite": self._pwrite,
            "ftruncate": self._ftruncate,
            "fsync": self._fsync,
            "replace": self._replace,
            "unlink": self._unlink,
        }
        for name, wrapper in wrappers.items():
            monkeypatch.setattr(os, name, wrapper)
        try:
            yield self
        finally:
            for name, real in self._real.items():
                monkeypatch.setattr(os, name, real)
        self._snapshot("end")

    # -- wrappers ---------------------------------------------------------------------------

    def _open(self, path, flags, mode=0o777, *, dir_fd=None):
        name = self._name(path)
        if name is None:
            return self._real["open"](path, flags, mode, dir_fd=dir_fd)
        if name == "":
            fd = self._real["open"](path, flags, mode, dir_fd=dir_fd)
            self._fds[fd] = ("dir", "")
            return fd
        existed = (self.root / name).exists()
        if (flags & os.O_CREAT and not existed) or (flags & os.O_TRUNC and existed):
            self._snapshot(f"open {name}")
        fd = self._real["open"](path, flags, mode, dir_fd=dir_fd)
        if not existed:
            self._new_id(os.fstat(fd))  # a new file (an inode number may be reused)
        self._fds[fd] = ("file", name)
        return fd

    def _close(self, fd):
        # Forget the descriptor first: its number is reused by the next open, of any file.
        self._fds.pop(fd, None)
        return self._real["close"](fd)

    def _write(self, fd, data):
        if fd in self._fds:
            self._snapshot(f"write {self._fds[fd][1]}")
        return self._real["write"](fd, data)

    def _pwrite(self, fd, data, offset):
        if fd in self._fds:
            self._snapshot(f"pwrite {self._fds[fd][1]}")
        return self._real["pwrite"](fd, data, offset)

    def _ftruncate(self, fd, length):
        if fd in self._fds:
            self._snapshot(f"ftruncate {self._fds[fd][1]}")
        return self._real["ftruncate"](fd, length)

    def _fsync(self, fd):
        kind_name = self._fds.get(fd)
        if kind_name is None:
            return self._real["fsync"](fd)
        kind, name = kind_name
        self._snapshot(f"fsync {name or '<dir>'}")
        self._real["fsync"](fd)
        if kind == "dir":
            self._durable_names = {n: self._id(p.stat()) for n, p in self._listing()}
        elif not (self.forget_fsync_of and self.forget_fsync_of in name):
            self._durable[self._id(os.fstat(fd))] = self._read_fd(fd)
        return None

    def _replace(self, src, dst, *, src_dir_fd=None, dst_dir_fd=None):
        if self._name(dst) is not None:
            self._snapshot(f"replace {self._name(dst)}")
        return self._real["replace"](src, dst, src_dir_fd=src_dir_fd, dst_dir_fd=dst_dir_fd)

    def _unlink(self, path, *, dir_fd=None):
        if self._name(path):
            self._snapshot(f"unlink {self._name(path)}")
        return self._real["unlink"](path, dir_fd=dir_fd)

    # -- the model --------------------------------------------------------------------------

    def _name(self, path) -> str | None:
        """The name in root ("" for root itself), or None for anything else."""
        if isinstance(path, int):
            return None
        path = Path(os.fsdecode(path))
        if path == self.root:
            return ""
        return path.name if path.parent == self.root else None

    def _listing(self) -> list[tuple[str, Path]]:
        return sorted((path.name, path) for path in self.root.iterdir() if path.is_file())

    def _new_id(self, st: os.stat_result) -> int:
        file_id = len(self._durable) + 1
        self._ids[(st.st_dev, st.st_ino)] = file_id
        self._durable[file_id] = b""
        return file_id

    def _id(self, st: os.stat_result) -> int:
        known = self._ids.get((st.st_dev, st.st_ino))
        return known if known is not None else self._new_id(st)

    def _read_fd(self, fd: int) -> bytes:
        # Through /proc, so write-only descriptors (the rewrite's temporary file) can be read.
        reader = self._real["open"](f"/proc/self/fd/{fd}", os.O_RDONLY)
        try:
            return _read_all(reader)
        finally:
            self._real["close"](reader)

    def _current(self) -> dict[str, tuple[int, bytes]]:
        current = {}
        for name, path in self._listing():
            st = path.stat()
            file_id = self._id(st)
            stamp = (st.st_size, st.st_mtime_ns)
            cached = self._cache.get(file_id)
            if cached is None or cached[0] != stamp:
                cached = (stamp, path.read_bytes())
                self._cache[file_id] = cached
            current[name] = (file_id, cached[1])
        return current

    def _snapshot(self, call: str) -> None:
        current = self._current()
        ids = set(self._durable_names.values()) | {file_id for file_id, _ in current.values()}
        self.snapshots.append(
            Snapshot(
                index=self._calls,
                call=call,
                phase=self.phase,
                notes={key: _frozen(value) for key, value in self.notes.items()},
                current=current,
                durable_names=dict(self._durable_names),
                durable={file_id: self._durable.get(file_id, b"") for file_id in ids},
            )
        )
        self._calls += 1


def crash_states(snapshot: Snapshot, rng: random.Random) -> dict[str, dict[str, bytes]]:
    """The four disks (name -> bytes) a power cut at ``snapshot`` could leave."""
    durable = snapshot.durable
    states = {
        "drop": {name: durable[file_id] for name, file_id in snapshot.durable_names.items()},
        "prefix": {},
        "garbage": {},
        "names": {},
    }
    for name, (file_id, now) in snapshot.current.items():
        synced = durable[file_id]
        same = _common_prefix(synced, now)
        unsynced = len(now) - same
        keep = rng.randint(0, unsynced)
        states["prefix"][name] = now[: same + keep]
        # Zeros (ext4 after size-before-data) or whatever the disk had there before.
        filler = bytes(unsynced) if rng.random() < 0.5 else rng.randbytes(unsynced)
        states["garbage"][name] = now[:same] + filler
        states["names"][name] = synced
    return states


def write_state(directory: Path, files: dict[str, bytes]) -> None:
    """Lay a crash state out in an empty directory."""
    directory.mkdir(parents=True)
    for name, data in files.items():
        (directory / name).write_bytes(data)


def _common_prefix(a: bytes, b: bytes) -> int:
    limit = min(len(a), len(b))
    if a[:limit] == b[:limit]:
        return limit
    low, high = 0, limit  # a[:low] == b[:low], a[:high] != b[:high]
    while high - low > 1:
        middle = (low + high) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle
    return low


def _read_all(fd: int) -> bytes:
    chunks, offset = [], 0
    while chunk := os.pread(fd, 1 << 20, offset):
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)


def _frozen(value):
    return frozenset(value) if isinstance(value, set) else value
