"""Concurrent processes and a writer killed mid-stream, against both engines.

Each test takes ``engine`` (``datapackage`` or ``postgres``, a real server: ``pytest -k postgres``
runs the PostgreSQL half). The oracle is the set of references the writers were given: every
one must be stored, none twice, and nothing stored that no writer was told about twice.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from forms_app.storage import Store
from forms_app.storage.postgres import PostgresStore

TABLES = {
    "submissions": ["ref", "idempotency_key", "kind", "text", "crc"],
    "personal": ["ref", "name", "crc"],
    "events": ["ref", "type", "detail", "crc"],
}
WRITERS = 4
CALLS = 100
PROJECT = Path(__file__).resolve().parents[2]


def open_engine(url: str | None, data_dir: Path):
    store = PostgresStore(url, data_dir, TABLES) if url else Store(data_dir, TABLES)
    store.recover()
    return store


@pytest.fixture(params=["datapackage", "postgres"])
def where(request, tmp_path) -> tuple[str | None, Path]:
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    open_engine(url, tmp_path / "data")  # the tables exist before the writers start
    return url, tmp_path / "data"


def _write(url, data_dir, worker, barrier, queue) -> None:
    results = []
    try:
        store = open_engine(url, data_dir)
        barrier.wait()
        for call in range(CALLS):
            # Every tenth call re-sends the call before it, as a browser's second click does.
            number = call - 1 if call % 10 == 9 else call
            key = f"writer-{worker}-call-{number:04d}"
            ref, created = store.commit_submission(
                idempotency_key=key,
                submission={"kind": "complaint", "text": f"from {key}"},
                personal={"name": f"Person {key}"},
            )
            store.append_events([{"ref": ref, "type": "received", "detail": key}])
            results.append((key, ref, created))
        queue.put((worker, results, None))
    except BaseException as exc:  # report, never leave the parent waiting
        queue.put((worker, results, repr(exc)))


@pytest.mark.slow
def test_four_processes_submitting_lose_nothing_and_store_nothing_twice(where):
    url, data_dir = where
    context = multiprocessing.get_context("fork")
    barrier, queue = context.Barrier(WRITERS), context.Queue()
    processes = [
        context.Process(target=_write, args=(url, data_dir, worker, barrier, queue))
        for worker in range(WRITERS)
    ]
    for process in processes:
        process.start()
    outcomes = [queue.get(timeout=300) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    assert [error for _, _, error in outcomes] == [None] * WRITERS

    calls = [call for _, results, _ in outcomes for call in results]
    assert len(calls) == WRITERS * CALLS
    given = {}
    for key, ref, created in calls:
        if created:
            assert key not in given, "one key was stored twice"
            given[key] = ref
    assert all(given[key] == ref for key, ref, _ in calls), "a re-send got another reference"
    assert len(given) == WRITERS * (CALLS - CALLS // 10)

    store = open_engine(url, data_dir)
    rows = list(store.rows("submissions"))
    assert len(rows) == len(given), "lost or extra submissions"
    assert {row["idempotency_key"]: row["ref"] for row in rows} == given
    assert len({row["ref"] for row in rows}) == len(rows), "a reference given twice"
    people = {row["ref"]: row["name"] for row in store.rows("personal")}
    assert people == {ref: f"Person {key}" for key, ref in given.items()}
    assert len(list(store.rows("events"))) == WRITERS * CALLS


WRITER = """
import sys
from pathlib import Path
from tests.storage.test_engine_processes import open_engine

url, data_dir = sys.argv[1] or None, Path(sys.argv[2])
store = open_engine(url, data_dir)
for number in range(100000):
    key = f"killed-writer-{number:06d}"
    ref, _ = store.commit_submission(
        idempotency_key=key,
        submission={"kind": "complaint", "text": "x" * 2000},
        personal={"name": "Person " + key},
    )
    print(key, ref, flush=True)
"""


@pytest.mark.slow
def test_a_writer_killed_mid_stream_loses_no_reference_it_printed(where):
    """kill -9 while it writes: every reference it printed (shown to a person only after the
    commit returned) is found afterwards, with its own key and details."""
    url, data_dir = where
    environment = {**os.environ, "PYTHONPATH": str(PROJECT)}
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, url or "", str(data_dir)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=PROJECT,
        env=environment,
    )
    printed = []
    deadline = time.monotonic() + 120
    try:
        while len(printed) < 60 and time.monotonic() < deadline:
            line = writer.stdout.readline()
            if not line.endswith("\n"):
                break
            printed.append(line.split())
        # A few more commits in flight when the kill lands.
        time.sleep(0.05)
        os.kill(writer.pid, signal.SIGKILL)
        # Only whole lines were printed: the kill can land part-way through the last one (the
        # pipe's buffer is written out when it fills, which may be mid-line).
        rest = writer.stdout.read().split("\n")
        printed.extend(line.split() for line in rest[:-1])
    finally:
        writer.kill()
        writer.wait()
    assert writer.returncode == -signal.SIGKILL
    assert len(printed) >= 60, "the writer did not get going"

    store = open_engine(url, data_dir)
    for key, ref in printed:
        found = store.find(ref)
        assert found is not None, f"{ref} was printed and then lost"
        assert found["idempotency_key"] == key
        assert store.find_personal(ref)["name"] == f"Person {key}"
    rows = list(store.rows("submissions"))
    # At most the one commit the kill interrupted after it landed and before it was printed.
    assert len(printed) <= len(rows) <= len(printed) + 1
    assert len({row["ref"] for row in rows}) == len(rows)
    # And the store takes the next submission as usual.
    ref, created = store.commit_submission(
        idempotency_key="after-the-kill-0001",
        submission={"kind": "complaint", "text": "after"},
        personal={"name": "After"},
    )
    assert created and store.find(ref)["text"] == "after"
