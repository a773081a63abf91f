"""Small writes while large evidence files go up, with the case tables in PostgreSQL:
``python -m bench.postgres_upload_lock``.

Store calls only, no web server. One thread appends a small event to a case again and again,
as casework does for a note (``append_events``: one short transaction under the store's write
lock), and times each append. It runs twice in the same run on the same database:

- alone;
- while another thread attaches files of the largest size a form takes (``Limits.file_bytes``,
  random bytes so that nothing compresses them) to another case, one after another, through
  ``store.evidence.attach`` as a sent form does.

The figures are ratios, with uploads over without: the p95 and the longest wait of the small
appends. A ratio near 1 means the uploads do not hold the other writers up.

The server is the tests' own (``tests/support/postgres.py``): Debian's postgresql, started as
the postgres user in a temporary folder, with fsync on.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.postgres_store import TABLES, _person, _submission
from forms_app.casework.events import event
from forms_app.evidence.content import Limits
from forms_app.storage.postgres import PostgresStore
from tests.support.evidence_rows import evidence_row

SMALL_WRITES = 150
#: A pause between the small appends, so they sample the whole time the uploads run.
PAUSE_S = 0.02
FILE_BYTES = Limits().file_bytes


def _case(store: PostgresStore, key: str) -> str:
    ref, _new = store.commit_submission(
        idempotency_key=key, submission=_submission(key), personal=_person()
    )
    return ref


def _small_writes(store: PostgresStore, ref: str) -> list[float]:
    """Seconds each of the small appends took, waiting for the lock included."""
    took = []
    for _ in range(SMALL_WRITES):
        row = event(ref, "officer.a", "note", note="Rang the ward manager back.")
        started = time.perf_counter()
        store.append_events([row])
        took.append(time.perf_counter() - started)
        time.sleep(PAUSE_S)
    return took


def _uploads(store: PostgresStore, ref: str, stop: threading.Event, done: list[float]) -> None:
    data = os.urandom(FILE_BYTES)
    while not stop.is_set():
        started = time.perf_counter()
        store.evidence.attach(ref, [(evidence_row(data, "scan.pdf", "pdf"), data)])
        done.append(time.perf_counter() - started)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[int(len(ordered) * 0.95)]


def _run(url: str, data_dir: Path) -> dict:
    store = PostgresStore(url, data_dir, TABLES)
    store.recover()
    writer_case, upload_case = (
        _case(store, "bench-lock-writer-000001"),
        _case(store, "bench-lock-upload-000001"),
    )
    _small_writes(store, writer_case)  # warm up: connections, tables, plans
    alone = _small_writes(store, writer_case)
    stop, uploads = threading.Event(), []
    uploader = threading.Thread(target=_uploads, args=(store, upload_case, stop, uploads))
    uploader.start()
    time.sleep(0.5)  # the first upload is under way
    try:
        beside = _small_writes(store, writer_case)
    finally:
        stop.set()
        uploader.join()
    return {
        "postgres_upload_small_write_p95_ratio": round(_p95(beside) / _p95(alone), 2),
        "postgres_upload_small_write_max_ratio": round(max(beside) / max(alone), 2),
        "postgres_upload_lock_detail": {
            "file_mb": round(FILE_BYTES / 1024 / 1024, 1),
            "uploads": len(uploads),
            "upload_median_s": round(statistics.median(uploads), 3) if uploads else None,
            "small_write_p95_ms": {
                "alone": round(_p95(alone) * 1000, 1),
                "uploads": round(_p95(beside) * 1000, 1),
            },
            "small_write_max_ms": {
                "alone": round(max(alone) * 1000, 1),
                "uploads": round(max(beside) * 1000, 1),
            },
            "load_average": round(os.getloadavg()[0], 1),
        },
    }


def measure(scratch: Path) -> dict:
    from tests.support.postgres import start_server

    server = start_server()
    try:
        return _run(server.url(server.new_database()), scratch / "data")
    finally:
        server.stop()


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(dir="/var/tmp") as folder:
        json.dump(measure(Path(folder)), sys.stdout, indent=2)
        print()
