"""D7: atomic rewrites (erasures) while other processes commit and a reader reads.

Three writer processes commit submissions without pause; the test process erases cases one at
a time with ``remove_cases`` (intent file, then each table rewritten under the store lock:
temporary file, fsync, ``os.replace``, fsync of the directory); a reader process reads the
table with the store's own reader, paced so that the rewrites fall among its reads. No append
may be lost to a rewrite (a rewrite that read the table before an append and replaced it after
would drop it), and the reader must never see a parse error or a missing file.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

import pytest

from forms_app.records.retention.rewrite import remove_cases
from forms_app.storage import Store
from tests.support.tier import scaled

pytestmark = pytest.mark.slow

TABLES = {
    "submissions": ["ref", "idempotency_key", "kind", "language", "text", "crc"],
    "personal": ["ref", "name", "address", "crc"],
    "events": ["ref", "type", "detail", "crc"],
}
WRITERS = 3
PACE = 5  # reads per commit, per writer


def commit(store: Store, key: str) -> str:
    ref, _ = store.commit_submission(
        idempotency_key=key,
        submission={"kind": "complaint", "language": "cy", "text": f'{key}: Dŵr, "tŷ"\n😀'},
        personal={"name": f"Gwenllian Parry {key}", "address": "4 Stryd y Bont\nAberhonddu"},
    )
    return ref


def _write_until_stopped(data_dir: Path, worker: int, stop, done, queue) -> None:
    store = Store(data_dir, TABLES)
    made: list[tuple[str, str]] = []
    try:
        number = 0
        while not stop.is_set():
            # Paced by the reader's progress (one commit per PACE reads), not by the clock:
            # appends keep falling among the rewrites on any machine, and the table the reader
            # reads whole each time stays small (unpaced, a fast disk made it quadratic).
            if done.value < number * PACE:
                time.sleep(0.0005)
                continue
            key = f"w{worker}-{number}"
            made.append((key, commit(store, key)))  # acknowledged: commit returned
            number += 1
        queue.put((worker, made, None))
    except BaseException as error:  # report, never hang the parent
        queue.put((worker, made, repr(error)))


def _read(data_dir: Path, reads: int, done, queue) -> None:
    store = Store(data_dir, TABLES)
    parse_errors = missing = 0
    examples: list[str] = []
    for _ in range(reads):
        try:
            os.stat(data_dir / "submissions.csv")
            rows = list(store.rows("submissions"))
            if not rows:
                missing += 1  # there is always a seed row left: empty means no file was read
        except FileNotFoundError as error:
            missing += 1
            examples.append(repr(error))
        except Exception as error:  # a read the store could not parse
            parse_errors += 1
            examples.append(repr(error))
        with done.get_lock():
            done.value += 1
    queue.put(("reader", parse_errors, missing, examples[:3]))


def test_rewrites_lose_no_appends_and_readers_never_fail(tmp_path: Path) -> None:
    """D7: PR 5 rewrites / 1,000 reads, nightly 20 / 10,000, under 3 committing processes."""
    rewrites, reads = scaled(5, 20), scaled(1000, 10_000)
    data_dir = tmp_path / "data"
    store = Store(data_dir, TABLES)
    store.recover()
    seeds = [commit(store, f"seed-{number}") for number in range(rewrites + 3)]
    context = multiprocessing.get_context("fork")
    stop, done, queue = context.Event(), context.Value("i", 0), context.Queue()
    writers = [
        context.Process(target=_write_until_stopped, args=(data_dir, worker, stop, done, queue))
        for worker in range(WRITERS)
    ]
    reader = context.Process(target=_read, args=(data_dir, reads, done, queue))
    for process in [*writers, reader]:
        process.start()
    erased = []
    try:
        for number in range(rewrites):
            # Spread the rewrites over the reader's run (by its count of reads, not by time).
            target = (number + 1) * reads // (rewrites + 1)
            while done.value < target and reader.is_alive():
                os.sched_yield()
            victim = seeds[number]
            counts = remove_cases(store, [victim], operation="erasure")
            assert counts["submissions"] == 1 and counts["personal"] == 1, counts
            erased.append(victim)
        reader_result = queue.get(timeout=300)
    finally:
        stop.set()
    writer_results = [queue.get(timeout=60) for _ in writers]
    for process in [*writers, reader]:
        process.join(timeout=30)

    assert reader_result[0] == "reader", reader_result
    _, parse_errors, missing, examples = reader_result
    assert [error for _, _, error in writer_results] == [None] * WRITERS
    acknowledged = dict(pair for _, made, _ in writer_results for pair in made)

    Store(data_dir, TABLES).recover()
    stored = {
        row["idempotency_key"]: row["ref"] for row in Store(data_dir, TABLES).rows("submissions")
    }
    refs = list(stored.values())
    lost = [key for key, ref in acknowledged.items() if stored.get(key) != ref]
    duplicates = len(refs) - len(set(refs))
    personal = [row["ref"] for row in Store(data_dir, TABLES).rows("personal")]
    summary = (
        f"{rewrites} rewrites, {reads} reads, {len(acknowledged)} appends acknowledged during "
        f"them: {len(lost)} lost, {duplicates} duplicates; reader {parse_errors} parse errors, "
        f"{missing} missing file; {examples}"
    )
    print(summary)
    assert len(acknowledged) >= rewrites, "too few appends for the rewrites to race with"
    assert not lost and not duplicates, summary
    assert parse_errors == 0 and missing == 0, summary
    assert not set(erased) & set(refs), "an erased case is still in submissions"
    assert sorted(personal) == sorted(refs), "every submission has its personal row, once"
