"""Long work for the staff pages (making a report, publishing it, writing an export), run in a
process of its own, with its progress kept in a small JSON file under the data directory.

Several server processes answer requests, and any of them may be asked how a job is going, so
nothing about a job lives in one process's memory. Each job has a folder,
``<data dir>/jobs/<kind>/<id>/``, holding ``job.json`` (what was asked, by whom, the steps, how
far it has got, and the result or the failure in plain words), the files it made, and
``log.txt`` (the process's own output, for an administrator).

- The work runs in a child process started in a session of its own: a server process that is
  recycled or restarted does not take the job with it.
- After the folder is made, only the child writes ``job.json`` (each write replaces the file
  whole), so a page never reads half of one.
- One job of each kind at a time: starting one is refused while the last is still running,
  decided under a lock file so two server processes cannot both start one.
- A job whose process has gone without finishing (the server was stopped, say) is shown as
  stopped, in words; so is one whose process never started.
- Finished jobs and their files are removed once they are older than ``KEEP_SECONDS``, when a
  new job of the kind starts or the kind's latest job is asked for (as the pages do).

With app servers sharing a database (``store_url``), ``Jobs`` gives ``database_jobs.DatabaseJobs``:
the same, but the state, the one-at-a-time rule, the sign that a job died and the files a job
made are in the database, so every server sees every job.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import shutil
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from forms_app.organisation.settings import PROJECT_DIR
from forms_app.storage.engines import URL_VARIABLE
from forms_app.storage.shared_database import database_for

JOBS = "jobs"
STATE = "job.json"
LOG = "log.txt"
#: How long a finished job's files are kept (an export holds what people wrote).
KEEP_SECONDS = 3600
#: A job whose process has not started within this long is shown as stopped.
START_SECONDS = 120

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
STOPPED_WORDS = (
    "The work stopped before it finished (the server may have been restarted). "
    "Nothing was changed. Start it again."
)
NOT_STARTED_WORDS = "The work did not start. Nothing was changed. Start it again."


class Busy(Exception):
    """A job of this kind is already running."""

    def __init__(self, job: dict):
        super().__init__(f"a {job.get('kind')} job is already running")
        self.job = job


class JobFailed(Exception):
    """A failure the person can understand: ``words`` are shown as they are; ``detail`` (for
    an administrator) is shown folded away."""

    def __init__(self, words: str, detail: str = ""):
        super().__init__(words)
        self.words = words
        self.detail = detail


class Jobs:
    """The jobs kept under one data directory (or, when it uses a shared database, in that
    database: ``database_jobs.DatabaseJobs``, the same methods)."""

    def __new__(cls, *args, **kwargs):
        if cls is Jobs and database_for(args[0] if args else kwargs["data_dir"]):
            from .database_jobs import DatabaseJobs

            return super().__new__(DatabaseJobs)
        return super().__new__(cls)

    def __init__(self, data_dir: Path | str):
        self.root = Path(data_dir) / JOBS

    def folder(self, kind: str) -> Path:
        return self.root / kind

    def all(self, kind: str) -> list[dict]:
        """The kind's jobs, newest first, each with its state as it really is."""
        folder = self.folder(kind)
        if not folder.is_dir():
            return []
        out = []
        for path in sorted(folder.iterdir(), reverse=True):
            job = read(path)
            if job is not None:
                out.append(job)
        return out

    def latest(self, kind: str) -> dict | None:
        """The kind's newest job, or None (old finished ones are removed first)."""
        self.clean(kind)
        jobs = self.all(kind)
        return jobs[0] if jobs else None

    def get(self, kind: str, job_id: str) -> dict | None:
        """One job by its id (None for an id that is not one of ours)."""
        if not _is_id(job_id):
            return None
        return read(self.folder(kind) / job_id)

    def output(self, job: dict, name: str) -> Path | None:
        """A file the job made, if it is still there."""
        path = Path(job["dir"]) / name
        return path if name and "/" not in name and path.is_file() else None

    def start(
        self,
        kind: str,
        *,
        module: str,
        params: dict,
        actor: str,
        steps: list[str],
        settings_path: Path | str,
        data_dir: Path | str,
    ) -> dict:
        """Start ``python -m module <job folder>`` as the kind's job, or raise Busy."""
        folder = self.folder(kind)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        with _locked(self.root / f"{kind}.lock"):
            running = next((j for j in self.all(kind) if j["state"] in (QUEUED, RUNNING)), None)
            if running is not None:
                raise Busy(running)
            self.clean(kind)
            job = new_job(kind, params, actor, steps)
            job_dir = folder / job["id"]
            job_dir.mkdir(mode=0o700)
            write(job_dir, job)
            spawn(job_dir, module, settings_path, data_dir)
        job["dir"] = str(job_dir)
        return job

    def clean(self, kind: str, now: float | None = None) -> None:
        """Remove the kind's finished jobs older than KEEP_SECONDS, with their files."""
        now = time.time() if now is None else now
        folder = self.folder(kind)
        if not folder.is_dir():
            return
        for path in folder.iterdir():
            job = read(path)
            if job is None:
                if path.is_dir() and now - path.stat().st_mtime > KEEP_SECONDS:
                    shutil.rmtree(path, ignore_errors=True)
                continue
            if job["state"] in (DONE, FAILED) and now - job["updated"] > KEEP_SECONDS:
                shutil.rmtree(path, ignore_errors=True)


def new_job(kind: str, params: dict, actor: str, steps: list[str]) -> dict:
    """A new job's state, queued."""
    return {
        "id": f"{time.time_ns():020d}-{secrets.token_hex(4)}",
        "kind": kind,
        "actor": actor,
        "params": params,
        "steps": steps,
        "done": 0,
        "state": QUEUED,
        "created": time.time(),
        "updated": time.time(),
        "pid": None,
        "result": {},
        "words": "",
        "detail": "",
    }


def spawn(
    job_dir: Path, module: str, settings_path: Path | str, data_dir: Path | str, env=None
) -> None:
    """Start ``python -m module <job folder>`` in a session of its own, its output to the log."""
    env = {
        **os.environ,
        "FORMS_APP_SETTINGS": str(settings_path),
        "FORMS_APP_DATA_DIR": str(data_dir),
        **(env or {}),
    }
    with open(job_dir / LOG, "ab") as log:
        child = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", module, str(job_dir)],
            cwd=PROJECT_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    # Collect the child's exit status when it ends, so it does not linger as a zombie
    # (which would look alive to the check in ``read``).
    threading.Thread(target=child.wait, daemon=True).start()


def read(job_dir: Path) -> dict | None:
    """A job as it stands: a running job whose process has gone is shown as failed."""
    try:
        job = json.loads((Path(job_dir) / STATE).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    job["dir"] = str(job_dir)
    if job["state"] == RUNNING and not _alive(job.get("pid"), job_dir):
        job.update(state=FAILED, words=STOPPED_WORDS)
    elif job["state"] == QUEUED and time.time() - job["created"] > START_SECONDS:
        job.update(state=FAILED, words=NOT_STARTED_WORDS)
    return job


def write(job_dir: Path, job: dict) -> None:
    """Replace ``job.json`` whole (a reader sees the old file or the new, never a mix)."""
    job = {k: v for k, v in job.items() if k != "dir"}
    job["updated"] = time.time()
    target = Path(job_dir) / STATE
    temporary = target.with_name(f".{STATE}.{os.getpid()}")
    temporary.write_text(json.dumps(job, ensure_ascii=False), "utf-8")
    os.replace(temporary, target)


class Progress:
    """What a job's work is given: its parameters, its folder, and ``step()`` to say that the
    next step has begun."""

    def __init__(self, job_dir: Path, job: dict, shared=None):
        self.dir = Path(job_dir)
        self.job = job
        #: The database's job table when the servers share one (``database_jobs.JobTable``).
        self.shared = shared

    def save(self) -> None:
        """Record the job as it stands: its file, and its row when the servers share one."""
        write(self.dir, self.job)
        if self.shared is not None:
            self.job["updated"] = time.time()
            self.shared.save(self.job)

    @property
    def params(self) -> dict:
        return self.job["params"]

    @property
    def actor(self) -> str:
        return self.job["actor"]

    def step(self, number: int) -> None:
        """Steps before ``number`` (counted from 1) are done."""
        self.job["done"] = number - 1
        self.save()


def run(job_dir: Path | str, work: Callable[[Progress], dict]) -> int:
    """In the child process: do the work, and record its result, or its failure in words.

    When the servers share a database (its URL in the environment, as ``DatabaseJobs.start``
    sets it), the process holds the job's own lock there until it ends, records each step in
    the job's row, and copies the files it made into the database before it says it is done."""
    job_dir = Path(job_dir)
    job = json.loads((job_dir / STATE).read_text("utf-8"))
    shared, holding = None, None
    url = os.environ.get(URL_VARIABLE, "")
    if url:
        from .database_jobs import JobTable

        shared = JobTable(url)
        holding = shared.hold(job["id"])  # let go when this process ends, however it ends
    progress = Progress(job_dir, job, shared)
    job.update(state=RUNNING, pid=os.getpid())
    progress.save()
    try:
        result = work(progress)
        if shared is not None:
            shared.keep_files(job["id"], job_dir, {STATE, LOG})
    except JobFailed as failure:
        job.update(state=FAILED, words=failure.words, detail=failure.detail[-4000:])
        progress.save()
        return 1
    except Exception:  # noqa: BLE001 - shown in words; the traceback goes to the log
        traceback.print_exc()
        job.update(
            state=FAILED,
            words=(
                "Something went wrong and the work did not finish. Nothing was published. "
                "Try again; if it happens again, tell the service's administrator (the "
                "details are in the job's log)."
            ),
        )
        progress.save()
        return 1
    finally:
        # Only once the outcome is recorded: a free lock beside "running" would read as died.
        if holding is not None and job["state"] != RUNNING:
            holding.close()
    job.update(state=DONE, done=len(job["steps"]), result=result or {})
    progress.save()
    if holding is not None:
        holding.close()
    return 0


def _alive(pid, job_dir: Path) -> bool:
    """Is the job's process still running? (Its command line names the job's folder, so a
    number reused by another process does not count.)"""
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return str(job_dir).encode() in command


def _is_id(text: str) -> bool:
    head, _, tail = (text or "").partition("-")
    return len(head) == 20 and head.isdigit() and len(tail) == 8 and tail.isalnum()


@contextlib.contextmanager
def _locked(path: Path):
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
