"""The small SQLite files beside the data (``storage.sqlite_files``): a new one opened by
several processes at the same moment, as gunicorn's workers do when they start together on a
new data directory, opens in every one of them."""

from __future__ import annotations

import multiprocessing

from forms_app.messages.outbox import _SCHEMA
from forms_app.storage.sqlite_files import open_durable

PROCESSES = 4
ROUNDS = 40


def _open(path, barrier, errors) -> None:
    barrier.wait()
    try:
        open_durable(path, _SCHEMA).close()
    except Exception as error:  # noqa: BLE001 - any failure is what the test counts
        errors.put(f"{type(error).__name__}: {error}")


def test_a_new_file_opened_by_several_processes_at_once_opens_in_each(tmp_path):
    # Switching a new file to write-ahead logging needs SQLite's exclusive lock; a process that
    # finds another switching it is answered "database is locked" at once, without waiting.
    context = multiprocessing.get_context("fork")
    failures = []
    for round_number in range(ROUNDS):
        path = tmp_path / f"round-{round_number}" / "outbox.sqlite"
        barrier, errors = context.Barrier(PROCESSES), context.Queue()
        processes = [
            context.Process(target=_open, args=(path, barrier, errors)) for _ in range(PROCESSES)
        ]
        for process in processes:
            process.start()
        for process in processes:
            process.join(timeout=60)
        while not errors.empty():
            failures.append(errors.get())
        assert all(process.exitcode == 0 for process in processes)
    assert failures == []
