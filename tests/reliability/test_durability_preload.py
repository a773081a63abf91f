"""D8: gunicorn ``--preload`` regression (plan gotcha 1).

With ``--preload`` the app is imported and built in the master before the workers fork. A lock
descriptor opened then would be shared by every worker (one open file description), and
``flock`` would exclude nobody: rows would interleave. D1 over HTTP under ``--preload -w 4``
must lose, duplicate and tear nothing; and while the test holds the store lock, every worker
blocked on it must hold a lock descriptor of its own that the master does not have.
"""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from forms_app.storage import Store
from forms_app.storage.contract import Contract
from tests.support.http_submitter import Submitter
from tests.support.oracle import oracle_rows
from tests.support.served import Gunicorn
from tests.support.tier import scaled

pytestmark = pytest.mark.slow
CLIENTS = 8
CONTRACT = Contract()
TABLES = {name: CONTRACT.columns(name) for name in CONTRACT.resource_names}


def _client(url: str, client: int, numbers: range, queue) -> None:
    outcomes = []
    try:
        for number in numbers:
            # Each submission is a new person: a fresh session, so a fresh CSRF token first.
            submitter = Submitter(url, timeout=30)
            outcomes.append(submitter.submit(f"p{number:05d}", resend=number % 10 == 9))
        queue.put((client, outcomes, None))
    except BaseException as error:  # report, never hang the parent
        queue.put((client, outcomes, repr(error)))


def test_d1_over_http_with_preload(tmp_path: Path) -> None:
    """D8: PR 100 submissions, nightly 1,000, from 8 processes; 10 % sent twice."""
    total = scaled(100, 1000)
    served = Gunicorn(tmp_path / "data", workers=4, threads=2, preload=True)
    served.start()
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    clients = [
        context.Process(
            target=_client, args=(served.url, client, range(client, total, CLIENTS), queue)
        )
        for client in range(CLIENTS)
    ]
    try:
        for process in clients:
            process.start()
        results = [queue.get(timeout=600) for _ in clients]
        for process in clients:
            process.join(timeout=30)
    finally:
        served.stop()
    assert [error for _, _, error in results] == [None] * CLIENTS
    outcomes = [outcome for _, batch, _ in results for outcome in batch]
    assert len(outcomes) == total

    raw = (served.data_dir / "submissions.csv").read_bytes()
    header = raw.split(b"\n", 1)[0] + b"\n"
    reports = Store(served.data_dir, TABLES).recover()
    rows = oracle_rows(served.data_dir / "submissions.csv", TABLES["submissions"])  # torn: raises
    details_at = TABLES["submissions"].index("details")
    tokens = Counter(row[details_at].rsplit("\n", 1)[-1] for row in rows)
    ref_of = {row[details_at].rsplit("\n", 1)[-1]: row[0] for row in rows}
    failed = [o for o in outcomes if o.error or not o.acknowledged or not o.reference]
    lost = [o.token for o in outcomes if o.acknowledged and ref_of.get(o.token) != o.reference]
    duplicates = sum(count - 1 for count in tokens.values() if count > 1)
    resent = [o for o in outcomes if o.token.endswith("9")]
    resent_wrong = [o.token for o in resent if o.resent_reference != o.reference]
    torn = sum(report.removed_records for report in reports)
    figures = (
        f"{len(outcomes)} submissions from {CLIENTS} processes under --preload -w 4: "
        f"{len(failed)} failed, {len(lost)} lost, {duplicates} duplicated, {torn} torn rows, "
        f"{raw.count(header)} header rows; {len(resent) - len(resent_wrong)}/{len(resent)} "
        f"re-POSTs returned the original reference"
    )
    print(figures)
    assert not failed, f"{figures}; {[o.error for o in failed[:3]]}"
    assert not lost and not duplicates and not torn, figures
    assert raw.count(header) == 1 and len(rows) == len(outcomes), figures
    assert resent and not resent_wrong, figures


def lock_holders(pid: int, lock_path: Path) -> int:
    """How many descriptors of ``pid`` point at the lock file."""
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            count += os.readlink(fd) == str(lock_path)
        except OSError:
            continue  # closed while being looked at
    return count


def test_each_preloaded_worker_opens_its_own_lock_descriptor(tmp_path: Path) -> None:
    """D8 (unit): the lock fd is opened after fork, in each worker, never in the master.

    Sync workers (one request at a time) so that blocked sends spread over all four. The test
    holds the store lock; each worker's send then blocks inside ``flock`` with its descriptor
    open, where /proc shows it."""
    served = Gunicorn(tmp_path / "data", workers=4, threads=1, preload=True)
    served.start()
    lock_path = (served.data_dir / ".lock").resolve()
    try:
        submitters = [Submitter(served.url, timeout=60) for _ in range(8)]
        assert all(s.prepare(f"lock-{n}") for n, s in enumerate(submitters))
        workers = served.worker_pids()
        assert len(workers) == 4
        master = served.process.pid
        assert lock_holders(master, lock_path) == 0, "the master holds the lock file open"
        outcomes = []
        held = os.open(lock_path, os.O_RDWR | os.O_CLOEXEC)
        try:
            fcntl.flock(held, fcntl.LOCK_EX)
            senders = [
                threading.Thread(target=lambda s=s: outcomes.append(s.send())) for s in submitters
            ]
            for thread in senders:
                thread.start()
            holding: dict[int, int] = {}
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                holding = {pid: lock_holders(pid, lock_path) for pid in workers}
                if all(holding.values()):
                    break
                time.sleep(0.05)
            in_master = lock_holders(master, lock_path)
            assert not outcomes, "a send finished while the test held the store lock"
        finally:
            os.close(held)  # releases the flock: the blocked sends go through
        for thread in senders:
            thread.join(timeout=60)
    finally:
        served.stop()
    print(f"lock descriptors while blocked: workers {holding}, master {in_master}")
    assert all(count == 1 for count in holding.values()), holding
    assert in_master == 0, "the master has the lock file open: inherited by every worker"
    assert len(outcomes) == 8 and all(o.acknowledged and o.reference for o in outcomes)
