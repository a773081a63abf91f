"""Where gunicorn's workers keep their metrics, so that one scrape adds up every worker.

Each worker process counts in files of its own in one directory (the Prometheus client's
multiprocess mode, https://prometheus.github.io/client_python/multiprocess/), and ``/metrics``
reads them all. The directory is ``PROMETHEUS_MULTIPROC_DIR`` when it is set; otherwise a
folder under the data directory, ``run/metrics/<server>``, named for this gunicorn server (its
process group and the time its first process started), so that a restarted server starts from
empty files and a worker that gunicorn replaces keeps the counts the old one made. Folders of
servers that are no longer running are removed when a new one starts.

When a worker starts, the files of workers that have ended are folded into one archive file
per type (``compact``), so that their counts stay and the files do not pile up.

Gunicorn's configuration file can call the two hooks below::

    from forms_app.observing.multiprocess import child_exit, on_starting  # noqa: F401

``on_starting`` empties ``PROMETHEUS_MULTIPROC_DIR`` as the server starts (the folder under
the data directory needs no help), and ``child_exit`` drops a dead worker's live gauges.
Multiprocess mode must be chosen before the Prometheus client is first imported, so nothing
here imports it at module level.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"
#: Taken shared by a scrape and exclusively by ``compact``, so that no scrape sees a dead
#: worker's counts twice (in its own file and in the archive) or not at all.
COMPACT_LOCK = ".compact.lock"
#: The types whose files are kept after their worker ends (live gauges are dropped instead).
KEPT_TYPES = ("counter", "histogram")


def wanted() -> bool:
    """Multiprocess mode: under gunicorn, or whenever the directory is given."""
    return bool(os.environ.get(ENV)) or os.environ.get("SERVER_SOFTWARE", "").startswith(
        "gunicorn/"
    )


def server_key(group: int | None = None) -> str:
    """``<process group>-<its start time>``: the same in a gunicorn master and all its
    workers (one process group), different for every new server even when a container gives
    it the same process number."""
    group = os.getpgid(0) if group is None else group
    try:
        stat = Path(f"/proc/{group}/stat").read_text("ascii")
        # Field 22 is the start time; the command name (field 2) may hold spaces, so count
        # from the last ")".
        started = stat.rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return f"{group}-gone"
    return f"{group}-{started}"


def metrics_dir(data_dir: Path) -> Path:
    """The directory for this process's metrics, made (0700) if need be; sets the variable the
    Prometheus client reads, so workers and the scrape agree."""
    given = os.environ.get(ENV)
    if given:
        path = Path(given)
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        return path
    parent = Path(data_dir) / "run" / "metrics"
    path = parent / server_key()
    # One level at a time: ``parents=True`` would make the upper folders readable by others,
    # which the data directory must never have (the production guard refuses to start).
    for folder in (parent.parent, parent, path):
        folder.mkdir(mode=0o700, exist_ok=True)
    for other in parent.iterdir():
        if other != path and other.is_dir() and not _running(other.name):
            shutil.rmtree(other, ignore_errors=True)
    os.environ[ENV] = str(path)
    return path


@contextlib.contextmanager
def reading(folder: Path | str) -> Iterator[None]:
    """Hold off ``compact`` while the files are read for a scrape."""
    fd = os.open(Path(folder) / COMPACT_LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)


def compact(folder: Path | str) -> int:
    """Fold the files of workers that have ended into one archive file per type; how many
    files were folded. Gunicorn replaces workers now and then (``max_requests``), and each
    leaves two files behind: without this a long-running server's scrape would read thousands.
    Called as each worker starts."""
    from prometheus_client.mmap_dict import MmapedDict, mmap_key
    from prometheus_client.multiprocess import MultiProcessCollector

    folder = Path(folder)
    fd = os.open(folder / COMPACT_LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    folded = 0
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        for kind in KEPT_TYPES:
            dead = [path for path in folder.glob(f"{kind}_*.db") if _ended(path)]
            if not dead:
                continue
            archive = folder / f"{kind}_archive.db"
            sources = [str(path) for path in dead] + ([str(archive)] if archive.exists() else [])
            merged = MultiProcessCollector.merge(sources, accumulate=False)
            staging = folder / f"{kind}_archive.db.new"
            staging.unlink(missing_ok=True)
            # Made 0600 here, whatever the umask: this runs before the production guard sets
            # its own, and the guard refuses to start while any file in the data directory is
            # open to others (the next worker gunicorn starts would then fail to boot).
            os.close(os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600))
            out = MmapedDict(str(staging))
            try:
                for metric in merged:
                    for sample in metric.samples:
                        names, values = list(sample.labels), list(sample.labels.values())
                        key = mmap_key(
                            metric.name, sample.name, names, values, metric.documentation
                        )
                        out.write_value(key, sample.value, 0.0)
            finally:
                out.close()
            os.replace(staging, archive)
            for path in dead:
                path.unlink(missing_ok=True)
            folded += len(dead)
    finally:
        os.close(fd)
    return folded


def _ended(path: Path) -> bool:
    """A worker's file (``<type>_<pid>.db``) whose process is no longer running."""
    pid = path.stem.rsplit("_", 1)[-1]
    if not pid.isdigit():
        return False  # the archive itself
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # running, as another user
    return False


def _running(key: str) -> bool:
    """Whether the server a folder was named for still runs (same group, same start)."""
    group = key.split("-", 1)[0]
    return group.isdigit() and server_key(int(group)) == key


def on_starting(_server=None) -> None:
    """Gunicorn hook (in the master, before any worker): empty ``PROMETHEUS_MULTIPROC_DIR``,
    whose files would otherwise add the last run's counts to this one's."""
    given = os.environ.get(ENV)
    if not given:
        return
    path = Path(given)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    for item in path.glob("*.db"):
        item.unlink(missing_ok=True)


def child_exit(_server, worker) -> None:
    """Gunicorn hook (in the master, when a worker has exited): forget the dead worker's live
    gauges, as the Prometheus client asks of multiprocess servers."""
    given = os.environ.get(ENV)
    if not given:
        return
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid, given)
