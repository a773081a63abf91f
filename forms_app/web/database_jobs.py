"""Report and export jobs kept in the shared database, for app servers that share one
(``store_url``): whichever server a manager's progress page lands on sees the same jobs.

``Jobs(data_dir)`` gives ``DatabaseJobs`` when the data directory was told to use a database
(``storage.shared_database``), with the same methods. What changes:

- a job's state (``job.json``'s content) is a row of ``feedback_jobs``, written by the job's
  process at each step as the file is (the file is still written, in the job's folder on the
  server that runs it, beside its log);
- one job of a kind at a time is decided in the database, under a transaction-level advisory
  lock, so two servers cannot both start one;
- a job's process holds a session advisory lock of its own (two numbers: ``JOB_LOCK_CLASS`` and
  the job's ``lock_key``) from start to end. The database lets it go when the process ends,
  however it ends, so a job marked running whose lock is free has died: it is shown as stopped,
  from any server (a process id means nothing on another machine);
- the files a job made (the preview, the export) are copied into ``feedback_job_files`` when it
  finishes, and fetched into the local job folder by the server that is asked for them. Both
  are removed with the job, once it is older than ``KEEP_SECONDS``.
"""

from __future__ import annotations

import json
import os
import time
import zlib
from pathlib import Path

import psycopg

from forms_app.storage.engines import URL_VARIABLE
from forms_app.storage.postgres.shared import SharedTable
from forms_app.storage.shared_database import database_for

from .background import (
    DONE,
    FAILED,
    KEEP_SECONDS,
    LOG,
    NOT_STARTED_WORDS,
    QUEUED,
    RUNNING,
    START_SECONDS,
    STATE,
    STOPPED_WORDS,
    Busy,
    Jobs,
    _is_id,
    new_job,
    spawn,
    write,
)

JOBS_TABLE = "feedback_jobs"
FILES_TABLE = "feedback_job_files"
#: Taken for the moment a job is started, so that one job of a kind starts at a time.
START_LOCK = 0x46454544_0030
#: The first number of every job process's own lock (the second is the job's ``lock_key``).
JOB_LOCK_CLASS = 0x46454A42


class JobTable(SharedTable):
    name = JOBS_TABLE
    statements = (
        f"""CREATE TABLE IF NOT EXISTS {JOBS_TABLE} (
            id text PRIMARY KEY,
            kind text NOT NULL,
            lock_key integer NOT NULL,
            created double precision NOT NULL,
            document text NOT NULL)""",
        f"CREATE INDEX IF NOT EXISTS {JOBS_TABLE}_kind ON {JOBS_TABLE} (kind, id)",
        f"""CREATE TABLE IF NOT EXISTS {FILES_TABLE} (
            job_id text NOT NULL REFERENCES {JOBS_TABLE} (id) ON DELETE CASCADE,
            name text NOT NULL,
            data bytea NOT NULL,
            PRIMARY KEY (job_id, name))""",
    )

    def save(self, job: dict) -> None:
        """Insert or replace the job's row (``job`` without its local ``dir``)."""
        document = json.dumps({k: v for k, v in job.items() if k != "dir"}, ensure_ascii=False)
        with self.durable() as connection:
            connection.execute(
                f"""INSERT INTO {JOBS_TABLE} (id, kind, lock_key, created, document)
                    VALUES (%s, %s, %s, %s, %s)
                    ON CONFLICT (id) DO UPDATE SET document = EXCLUDED.document""",
                (job["id"], job["kind"], lock_key(job["id"]), job["created"], document),
            )

    def jobs(self, kind: str, job_id: str | None = None) -> list[tuple[dict, bool]]:
        """The kind's jobs newest first (or the one ``job_id``), each with whether its process
        holds its lock (is alive)."""
        where, params = "kind = %s", [JOB_LOCK_CLASS, kind]
        if job_id is not None:
            where, params = where + " AND id = %s", [*params, job_id]
        with self.durable() as connection:
            rows = connection.execute(
                f"""SELECT j.document, EXISTS (
                        SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted
                        AND l.classid = %s::bigint::oid AND l.objid = j.lock_key::bigint::oid
                        AND l.objsubid = 2)
                    FROM {JOBS_TABLE} j WHERE {where} ORDER BY j.id DESC""",
                params,
            ).fetchall()
        return [(json.loads(document), alive) for document, alive in rows]

    def hold(self, job_id: str) -> psycopg.Connection:
        """A connection holding the job's own lock: keep it open for as long as the job runs."""
        connection = psycopg.connect(self.url, autocommit=True, application_name="feedback job")
        connection.execute("SELECT pg_advisory_lock(%s, %s)", (JOB_LOCK_CLASS, lock_key(job_id)))
        return connection

    def keep_files(self, job_id: str, folder: Path, leave: set[str]) -> None:
        """Copy the files the job made (those directly in ``folder``, but ``leave``) in."""
        with self.durable() as connection:
            for path in sorted(Path(folder).iterdir()):
                if path.is_file() and path.name not in leave and not path.name.startswith("."):
                    connection.execute(
                        f"INSERT INTO {FILES_TABLE} (job_id, name, data) VALUES (%s, %s, %s) "
                        "ON CONFLICT (job_id, name) DO UPDATE SET data = EXCLUDED.data",
                        (job_id, path.name, path.read_bytes()),
                    )

    def file(self, job_id: str, name: str) -> bytes | None:
        with self.durable() as connection:
            row = connection.execute(
                f"SELECT data FROM {FILES_TABLE} WHERE job_id = %s AND name = %s", (job_id, name)
            ).fetchone()
        return None if row is None else bytes(row[0])

    def remove(self, job_ids: list[str]) -> None:
        if job_ids:
            with self.durable() as connection:
                connection.execute(f"DELETE FROM {JOBS_TABLE} WHERE id = ANY(%s)", (job_ids,))


def lock_key(job_id: str) -> int:
    """The second number of the job's own lock: a 31-bit hash of its id."""
    return zlib.crc32(job_id.encode()) & 0x7FFFFFFF


def start_lock(connection: psycopg.Connection) -> None:
    """Hold the start lock until the caller's transaction ends."""
    connection.execute("SELECT pg_advisory_xact_lock(%s)", (START_LOCK,))


def fetch_file(table: JobTable, job: dict, name: str) -> Path | None:
    """The job's file ``name`` in the local job folder, fetched from the database when this
    server did not run the job."""
    path = Path(job["dir"]) / name
    if path.is_file():
        return path
    data = table.file(job["id"], name)
    if data is None:
        return None
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = path.with_name(f".{name}.{os.getpid()}")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)
    os.replace(partial, path)
    return path


class DatabaseJobs(Jobs):
    """``Jobs`` with the jobs' state in the database at ``url`` (see the module's words)."""

    def __init__(self, data_dir: Path | str, url: str | None = None):
        super().__init__(data_dir)
        self.table = JobTable(url or database_for(data_dir))

    def _as_it_stands(self, kind: str, job: dict, alive: bool) -> dict:
        job["dir"] = str(self.folder(kind) / job["id"])
        if job["state"] == RUNNING and not alive:
            job.update(state=FAILED, words=STOPPED_WORDS)
        elif job["state"] == QUEUED and time.time() - job["created"] > START_SECONDS:
            job.update(state=FAILED, words=NOT_STARTED_WORDS)
        return job

    def all(self, kind: str) -> list[dict]:
        return [self._as_it_stands(kind, job, alive) for job, alive in self.table.jobs(kind)]

    def get(self, kind: str, job_id: str) -> dict | None:
        if not _is_id(job_id):
            return None
        found = self.table.jobs(kind, job_id)
        return self._as_it_stands(kind, *found[0]) if found else None

    def output(self, job: dict, name: str) -> Path | None:
        if not name or "/" in name or name in (STATE, LOG) or name.startswith("."):
            return None
        return fetch_file(self.table, job, name)

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
        """As ``Jobs.start``, the one-at-a-time rule decided in the database."""
        self.folder(kind).mkdir(parents=True, exist_ok=True, mode=0o700)
        with self.table.durable() as connection:
            start_lock(connection)
            running = next((j for j in self.all(kind) if j["state"] in (QUEUED, RUNNING)), None)
            if running is not None:
                raise Busy(running)
            self.clean(kind)
            job = new_job(kind, params, actor, steps)
            self.table.save(job)
        job_dir = self.folder(kind) / job["id"]
        job_dir.mkdir(mode=0o700)
        write(job_dir, job)
        # The job's process records its steps in the same database (the URL, which may hold
        # a password, goes by the environment, never into the job's files).
        spawn(job_dir, module, settings_path, data_dir, {URL_VARIABLE: self.table.url})
        job["dir"] = str(job_dir)
        return job

    def clean(self, kind: str, now: float | None = None) -> None:
        now = time.time() if now is None else now
        old = [
            job["id"]
            for job in self.all(kind)
            if job["state"] in (DONE, FAILED) and now - job["updated"] > KEEP_SECONDS
        ]
        self.table.remove(old)
        # The local folders: of jobs run here, and of files fetched here from the database.
        super().clean(kind, now)
