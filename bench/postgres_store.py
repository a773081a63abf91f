"""The store on PostgreSQL beside the data package: ``python -m bench.postgres_store``.

Store calls only, no web server: four writer processes each commit the same number of
submissions (a personal row each) through ``commit_submission``, once into a data directory and
once into a PostgreSQL database, in the same run on the same machine. The figures are ratios,
PostgreSQL over the data package: throughput (above 1 is faster) and p99 latency (below 1 is
faster). Also how long a reader that is up to date takes to ask again (``changes_since`` with
nothing new), over the data package's, with the same rows stored.

The server is the tests' own (``tests/support/postgres.py``): Debian's postgresql, started as
the postgres user in a temporary folder, with fsync on.
"""

from __future__ import annotations

import json
import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path

from forms_app.storage import Store
from forms_app.storage.contract import Contract
from forms_app.storage.postgres import PostgresStore

WRITERS = 4
CALLS = 150
CONTRACT = Contract()
TABLES = {name: CONTRACT.columns(name) for name in CONTRACT.resource_names}


def _submission(key: str) -> dict[str, str]:
    row = {name: "" for name in CONTRACT.columns("submissions") if name not in ("ref", "crc")}
    row.update(
        idempotency_key=key,
        received="2026-11-30T09:15:00+00:00",
        kind="complaint",
        variant="standard",
        language="en",
        channel="online",
        procedure="nhs-england",
        details="The evening visit was four hours late and my father missed his medication.",
        anonymous="false",
    )
    return row


def _person() -> dict[str, str]:
    row = {name: "" for name in CONTRACT.columns("personal") if name not in ("ref", "crc")}
    row.update(name="Alys Example", email="alys@example.com", phone="07700 900123")
    return row


def _open(url: str | None, data_dir: Path):
    store = PostgresStore(url, data_dir, TABLES) if url else Store(data_dir, TABLES)
    store.recover()
    return store


def _write(url, data_dir, worker, barrier, queue) -> None:
    store = _open(url, data_dir)
    barrier.wait()
    took = []
    for call in range(CALLS):
        key = f"bench-writer-{worker}-{call:06d}"
        started = time.perf_counter()
        store.commit_submission(
            idempotency_key=key, submission=_submission(key), personal=_person()
        )
        took.append(time.perf_counter() - started)
    queue.put(took)


def _commits(url: str | None, data_dir: Path) -> tuple[float, float]:
    """(submissions a second, p99 seconds) with WRITERS processes writing at once."""
    _open(url, data_dir)
    context = multiprocessing.get_context("fork")
    barrier, queue = context.Barrier(WRITERS + 1), context.Queue()
    processes = [
        context.Process(target=_write, args=(url, data_dir, worker, barrier, queue))
        for worker in range(WRITERS)
    ]
    for process in processes:
        process.start()
    barrier.wait()
    started = time.perf_counter()
    took = sorted(sum((queue.get(timeout=600) for _ in processes), []))
    elapsed = time.perf_counter() - started
    for process in processes:
        process.join()
    return WRITERS * CALLS / elapsed, took[int(len(took) * 0.99)]


def _asking_again(url: str | None, data_dir: Path) -> float:
    """Median seconds of ``changes_since`` for a reader already up to date."""
    store = _open(url, data_dir)
    cursor = store.changes_since(None).cursor
    times = []
    for _ in range(30):
        started = time.perf_counter()
        cursor = store.changes_since(cursor).cursor
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(scratch: Path) -> dict:
    from tests.support.postgres import start_server

    server = start_server()
    try:
        url = server.url(server.new_database())
        files = scratch / "data"
        package_rate, package_p99 = _commits(None, files)
        database_rate, database_p99 = _commits(url, files)
        package_tail = _asking_again(None, files)
        database_tail = _asking_again(url, files)
    finally:
        server.stop()
    return {
        "postgres_submit_throughput_ratio": round(database_rate / package_rate, 3),
        "postgres_submit_p99_ratio": round(database_p99 / package_p99, 3),
        "postgres_changes_since_ratio": round(database_tail / package_tail, 3),
        "detail": {
            "postgres_submissions_per_second": round(database_rate, 1),
            "package_submissions_per_second": round(package_rate, 1),
            "postgres_changes_since_ms": round(database_tail * 1000, 3),
            "package_changes_since_ms": round(package_tail * 1000, 3),
        },
    }


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(dir="/var/tmp") as folder:
        json.dump(measure(Path(folder)), sys.stdout, indent=2)
        print()
