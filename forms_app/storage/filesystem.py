"""Refusing a data directory on a filesystem where file locking or fsync cannot be trusted.

The store's promises (one writer at a time, a row on disk before a reference is shown) rest on
``flock`` and ``fsync`` doing what they say, which a local disk does and a network, FUSE or
memory filesystem may not.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from .scanning import StorageError

log = logging.getLogger(__name__)

# Filesystems where flock or fsync cannot be trusted: network
# and cluster filesystems (Linux emulates flock on NFS with POSIX locks; SMB locking varies),
# every FUSE type (fuse.sshfs, fuseblk, fuse-overlayfs...: locking and fsync are up to the
# daemon), and memory filesystems, where fsync is a no-op and a reboot loses everything.
# overlay is allowed: it is the root of most containers, backed by local disk (the data dir
# should still be a volume, or it goes with the container).
_UNSAFE_TYPES = frozenset(
    {"nfs", "nfs4", "cifs", "smb3", "smbfs", "afs", "ceph", "glusterfs", "lustre"}
    | {"tmpfs", "ramfs"}
)


class UnsafeStorageError(StorageError):
    """The data directory is on a filesystem where locking or fsync cannot be trusted."""


def check_local_filesystem(path: Path, mounts: Path = Path("/proc/mounts")) -> str | None:
    """Raise UnsafeStorageError if ``path`` is on a network, FUSE or memory filesystem.

    Returns the filesystem type found, or None where ``mounts`` cannot be read (not Linux).
    The mount is the longest mount point containing the resolved path; of equal ones the last
    listed wins, as it is the one on top.
    """
    try:
        lines = Path(mounts).read_text(encoding="utf-8", errors="surrogateescape").splitlines()
    except OSError:
        log.warning("storage: cannot read %s to check the data directory's filesystem", mounts)
        return None
    target = os.path.realpath(path)
    best, best_type = "", None
    for line in lines:
        fields = line.split()
        if len(fields) < 3:
            continue
        point, fstype = _unescape_mount(fields[1]), fields[2]
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, best_type = point, fstype
    if best_type is not None and (best_type in _UNSAFE_TYPES or best_type.startswith("fuse")):
        raise UnsafeStorageError(
            f"the data directory {target} is on a {best_type} filesystem (mounted at {best}), "
            "where file locking or fsync cannot be trusted; use a directory on a local disk"
        )
    return best_type


def _unescape_mount(field: str) -> str:
    # /proc/mounts writes space, tab, newline and backslash in paths as octal escapes.
    for escape, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(escape, char)
    return field
