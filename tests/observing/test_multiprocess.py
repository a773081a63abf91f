"""The metrics folder of a gunicorn server: the files of workers that have ended are folded into
one archive per type, counts unchanged, and a server's folder is its own."""

from __future__ import annotations

import os
import subprocess
import sys

from prometheus_client.mmap_dict import MmapedDict, mmap_key
from prometheus_client.multiprocess import MultiProcessCollector

from forms_app.observing import multiprocess

HELP = "Time to answer a request."


def _ended_pid() -> int:
    """The number of a process that has ended (so no running process has it, for now)."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                          capture_output=True, text=True)  # fmt: skip
    return int(done.stdout)


def _worker_files(folder, pid: int, requests: int, seconds_each: float, errors: int) -> None:
    """What a worker's counters and histogram leave behind after ``requests`` requests."""
    histogram = MmapedDict(str(folder / f"histogram_{pid}.db"))
    labels = (["route", "method"], ["/healthz", "GET"])
    for le, value in (("0.005", requests), ("0.01", 0.0), ("+Inf", 0.0)):
        key = mmap_key("latency", "latency_bucket", [*labels[0], "le"], [*labels[1], le], HELP)
        histogram.write_value(key, float(value), 0.0)
    histogram.write_value(
        mmap_key("latency", "latency_sum", *labels, HELP), requests * seconds_each, 0.0
    )
    histogram.close()
    counter = MmapedDict(str(folder / f"counter_{pid}.db"))
    key = mmap_key("errors", "errors_total", ["status_class"], ["4xx"], "Errors.")
    counter.write_value(key, float(errors), 0.0)
    counter.close()


def _totals(folder) -> dict[tuple, float]:
    found = {}
    for metric in MultiProcessCollector.merge([str(p) for p in folder.glob("*.db")]):
        for sample in metric.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_files_of_ended_workers_are_folded_with_their_counts_kept(tmp_path):
    first, second = _ended_pid(), _ended_pid()
    _worker_files(tmp_path, first, requests=7, seconds_each=0.002, errors=2)
    _worker_files(tmp_path, second, requests=5, seconds_each=0.002, errors=1)
    _worker_files(tmp_path, os.getpid(), requests=3, seconds_each=0.002, errors=4)  # running
    before = _totals(tmp_path)
    assert multiprocess.compact(tmp_path) == 4
    assert _totals(tmp_path) == before
    assert before[("latency_count", (("method", "GET"), ("route", "/healthz")))] == 15
    assert before[("errors_total", (("status_class", "4xx"),))] == 7
    names = sorted(path.name for path in tmp_path.glob("*.db"))
    mine = os.getpid()
    assert names == sorted(
        ["counter_archive.db", "histogram_archive.db", f"counter_{mine}.db", f"histogram_{mine}.db"]
    )
    # Another worker ends later: its counts join the archive's.
    third = _ended_pid()
    _worker_files(tmp_path, third, requests=10, seconds_each=0.002, errors=1)
    assert multiprocess.compact(tmp_path) == 2
    after = _totals(tmp_path)
    assert after[("latency_count", (("method", "GET"), ("route", "/healthz")))] == 25
    assert after[("errors_total", (("status_class", "4xx"),))] == 8
    assert multiprocess.compact(tmp_path) == 0


def test_the_server_key_is_shared_by_a_process_group_and_new_for_a_new_server():
    # Each server is its own process group, led by its master (as gunicorn under systemd or in
    # a container is); the test runs in processes of that kind, since its own group's leader
    # may have exited (as under some CI runners).
    code = (
        "import os; from forms_app.observing import multiprocess as m; "
        "print(m.server_key(), m.server_key(os.getpgid(0)), os.getpgid(0))"
    )

    def new_server() -> list[str]:
        return subprocess.run(
            [sys.executable, "-c", code], check=True, capture_output=True, text=True,
            start_new_session=True, env={**os.environ},
        ).stdout.split()  # fmt: skip

    key, again, group_id = new_server()
    assert key == again
    group, started = key.split("-")
    assert group == group_id and started.isdigit()
    other = new_server()[0]
    assert other != key
