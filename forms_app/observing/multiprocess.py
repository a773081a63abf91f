"""Where gunicorn's workers keep their metrics, so that one scrape adds up every worker.

Each worker process counts in files of its own in one directory (the Prometheus client's
multiprocess mode, https://prometheus.github.io/client_python/multiprocess/), and ``/metrics``
reads them all. The directory is ``PROMETHEUS_MULTIPROC_DIR`` when it is set; otherwise a
folder under the data directory, ``run/metrics/<server>``, named for this gunicorn server (its
process group and the time its first process started), so that a restarted server starts from
empty files and a worker that gunicorn replaces keeps the counts the old one made. Folders of
servers that are no longer running are removed when a new one starts.

Gunicorn's configuration file can call the two hooks below::

    from forms_app.observing.multiprocess import child_exit, on_starting  # noqa: F401

``on_starting`` empties ``PROMETHEUS_MULTIPROC_DIR`` as the server starts (the folder under
the data directory needs no help), and ``child_exit`` drops a dead worker's live gauges.
Multiprocess mode must be chosen before the Prometheus client is first imported, so nothing
here imports it at module level.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"


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
