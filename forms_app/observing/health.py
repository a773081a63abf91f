"""``/healthz`` and ``/readyz``, for the proxy and whatever restarts the app.

``/healthz`` says the process answers: 200 at once, with no disk work, so a slow disk never
gets a live process killed. ``/readyz`` says it can take a complaint now: the data directory
takes a new file, the store's lock is free within ``lock_seconds``, the disk has more than
``min_free_mb`` free, and (only when a sheet is configured) no row has waited longer than
``outbox_stuck_seconds`` to reach the sheet, and (only when the case tables are in PostgreSQL)
the database takes a new connection and answers a trivial query within a few seconds. Otherwise
it answers 503 naming the checks that failed, and nothing else: no path, no figure, nothing
about a person, no database address or password (a failed database check gives a plain reason).

The database check waits ``DATABASE_SECONDS`` at most, so a stalled database server never holds
the proxy's health check; one check at a time runs per process (a connection attempt left
waiting on a stalled server is not joined by another each time the proxy asks).

Neither page is rate limited, sets a cookie or writes the audit log: they are asked every few
seconds by machines, and none of that would mean anything.
"""

from __future__ import annotations

import fcntl
import logging
import os
import secrets
import shutil
import threading
import time

from flask import Blueprint, jsonify

from forms_app.storage.lock import LOCK_NAME

from .observed import Observed, observed

log = logging.getLogger(__name__)
blueprint = Blueprint("observing_health", __name__)

OK, FAILED, SKIPPED = "ok", "failed", "skipped"
#: Seconds the database may take to accept a connection and answer ``SELECT 1``.
DATABASE_SECONDS = 3.0
#: What a failed database check says (no address, no password, no driver message).
DATABASE_REASON = "the database could not be reached or did not answer in time"


@blueprint.get("/healthz")
def healthz():
    return jsonify(status="alive")


@blueprint.get("/readyz")
def readyz():
    checks = readiness(observed(), time.time())
    failed = [name for name, result in checks.items() if result == FAILED]
    if failed:
        log.warning("not ready: %s", ", ".join(failed))
        if "database" in failed:
            return jsonify(status="not ready", checks=checks, reason=DATABASE_REASON), 503
        return jsonify(status="not ready", checks=checks), 503
    return jsonify(status="ready", checks=checks)


def readiness(watched: Observed, now: float) -> dict[str, str]:
    """Each check's result (ok, failed or skipped), every check run even after one fails so
    that the answer names all that is wrong. A check that raises has failed."""
    checks = {
        "data_dir": lambda: data_dir_writable(watched),
        "store_lock": lambda: store_lock_free(watched),
        "disk_space": lambda: disk_space_left(watched),
        "sheet_outbox": lambda: outbox_moving(watched, now),
    }
    url = database_url(watched)
    if url:
        checks["database"] = lambda: database_answers(url)
    results = {}
    for name, check in checks.items():
        try:
            results[name] = check()
        except Exception as error:  # a check must answer, never give the orchestrator a 500
            log.warning("readiness check %s raised %s", name, type(error).__name__)
            results[name] = FAILED
    return results


def data_dir_writable(watched: Observed) -> str:
    """Make, write and remove a small file of its own (no fsync: this is asked often). Its
    name ends ``.tmp``, which backups pass over, so one taken meanwhile never misses it."""
    probe = watched.data_dir / f".ready-{os.getpid()}-{secrets.token_hex(4)}.tmp"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except OSError:
        return FAILED
    try:
        os.write(fd, b"ready\n")
    except OSError:
        return FAILED
    finally:
        os.close(fd)
        probe.unlink(missing_ok=True)
    return OK


def store_lock_free(watched: Observed) -> str:
    """Take the store's lock without waiting, again and again until ``lock_seconds`` pass.
    A writer holds it for a moment; one holding it longer has stalled every send."""
    path = watched.data_dir / LOCK_NAME
    try:
        # The same file and flags as the store's own lock: flock is per open file, so this
        # excludes (and is excluded by) every other holder, in this process too.
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError:
        return FAILED
    try:
        deadline = time.monotonic() + watched.monitoring.lock_seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return OK
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return FAILED
                time.sleep(0.02)
    finally:
        os.close(fd)  # closing releases the lock


def disk_space_left(watched: Observed) -> str:
    free = shutil.disk_usage(watched.data_dir).free
    return OK if free >= watched.monitoring.min_free_bytes else FAILED


def outbox_moving(watched: Observed, now: float) -> str:
    """Skipped without a sheet; failed when a row has waited longer than the limit."""
    if watched.sheets is None:
        return SKIPPED
    state = watched.outbox_state()
    if state is None or state.oldest_queued_at is None:
        return OK
    limit = watched.monitoring.outbox_stuck_seconds or watched.sheets.stale_after_seconds
    return OK if now - state.oldest_queued_at <= limit else FAILED


def database_url(watched: Observed) -> str:
    """The URL of the database holding the case tables, or "" for the data directory."""
    return getattr(watched.store, "url", "") or ""


_probing = threading.Lock()


def database_answers(url: str) -> str:
    """A new connection and ``SELECT 1`` within ``DATABASE_SECONDS``, in a thread of its own so
    that a server that accepts the connection and then stalls cannot hold this answer."""
    if not _probing.acquire(blocking=False):
        return FAILED  # the last probe is still waiting on the database
    outcome: list[str] = []

    def probe() -> None:
        try:
            outcome.append(_select_one(url))
        except Exception as error:  # noqa: BLE001 - any failure is "not ready"; logged by name
            log.warning("readiness: the database check raised %s", type(error).__name__)
            outcome.append(FAILED)
        finally:
            _probing.release()

    thread = threading.Thread(target=probe, name="readyz-database", daemon=True)
    thread.start()
    thread.join(DATABASE_SECONDS)
    return outcome[0] if outcome else FAILED


def _select_one(url: str) -> str:
    import psycopg  # only under a database: the data directory needs no database client

    # connect_timeout is whole seconds, at least 2 (libpq's rule); statement_timeout bounds a
    # query the server takes but does not run (a lock held on the catalogue).
    seconds = max(2, int(DATABASE_SECONDS) - 1)
    with psycopg.connect(
        url,
        connect_timeout=seconds,
        autocommit=True,
        options=f"-c statement_timeout={seconds * 1000}",
        application_name="feedback readyz",
    ) as connection:
        (one,) = connection.execute("SELECT 1").fetchone()
    return OK if one == 1 else FAILED
