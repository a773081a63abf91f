"""Under a real gunicorn with several workers: each worker's requests reach one scrape (the
Prometheus client's multiprocess mode), a worker gunicorn replaces keeps its counts, a new
server starts from nothing, and the JSON log lines reach standard output."""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.observing.test_metrics import _value
from tests.support.served import Gunicorn
from tests.support.tls import production_env

pytestmark = pytest.mark.slow
COUNT = "feedback_http_request_duration_seconds_count"


def capturing(server: Gunicorn) -> Gunicorn:
    """The server's standard output goes to its log file too (gunicorn's --capture-output)."""
    server.extra_args += ["--error-logfile", str(server.log_path), "--capture-output"]
    return server


def _get(url: str, headers: dict | None = None) -> tuple[int, dict, str]:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, dict(response.headers), response.read().decode()


def _json_lines(server: Gunicorn) -> list[dict]:
    text = server.log_path.read_text("utf-8", "replace")
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def _healthz_many(server: Gunicorn, number: int) -> None:
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: _get(server.url + "/healthz")[0], range(number)))
    assert statuses == [200] * number


def _wait_until(condition, server: Gunicorn) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, server.log()
        time.sleep(0.1)


def _wait_for_workers(server: Gunicorn, number: int, without: int | None = None) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        pids = server.worker_pids()
        if len(pids) == number and without not in pids:
            return
        time.sleep(0.1)
    raise AssertionError(f"gunicorn did not bring back its workers: {server.log()}")


@pytest.mark.parametrize("mode", ["testing", "production"])
def test_one_scrape_adds_up_every_worker_even_one_that_was_replaced(tmp_path, mode):
    # In production the guard refuses to start while any file in the data directory is open
    # to others: the replacement worker must still boot beside the metrics files.
    env = production_env() if mode == "production" else {}
    server = capturing(Gunicorn(tmp_path / "data", workers=2, threads=2, env=env))
    server.start()
    try:
        _healthz_many(server, 40)
        served = {line["pid"] for line in _json_lines(server) if line.get("route") == "/healthz"}
        # A worker that answered some of them ends; gunicorn starts another in its place.
        gone = sorted(served)[0]
        os.kill(gone, signal.SIGTERM)
        _wait_for_workers(server, 2, without=gone)
        # The ended worker's files are folded into the archive as its successor starts.
        (folder,) = (tmp_path / "data" / "run" / "metrics").iterdir()
        _wait_until(lambda: not list(folder.glob(f"*_{gone}.db")), server)
        assert (folder / "histogram_archive.db").exists()
        _healthz_many(server, 10)
        _status, _headers, text = _get(server.url + "/metrics")
        assert _value(text, COUNT, route="/healthz", method="GET") == 50
        assert _value(text, "feedback_drafts") == 0
        if mode == "production":  # where the guard's umask (077) is in force for the workers
            loose = [p.name for p in folder.iterdir() if p.stat().st_mode & 0o077]
            assert loose == [], loose
    finally:
        server.stop()
    # A new server on the same data starts counting from nothing, and the old one's files go.
    again = capturing(Gunicorn(tmp_path / "data", workers=2, threads=2))
    again.start()
    try:
        _healthz_many(again, 3)
        _status, _headers, text = _get(again.url + "/metrics")
        assert _value(text, COUNT, route="/healthz", method="GET") == 3
        runs = list((tmp_path / "data" / "run" / "metrics").iterdir())
        assert len(runs) == 1
        # As private as the rest of the data directory.
        for folder in (tmp_path / "data" / "run", runs[0].parent, runs[0]):
            assert folder.stat().st_mode & 0o077 == 0, oct(folder.stat().st_mode)
    finally:
        again.stop()


def test_json_lines_reach_standard_output_with_the_request_id(tmp_path):
    server = capturing(Gunicorn(tmp_path / "data", workers=2, threads=2))
    server.start()
    try:
        status, headers, _body = _get(
            server.url + "/complaint/?q=anything",
            {"X-Request-Id": "0f9e8d7c6b5a49382716a5b4c3d2e1f0"},
        )
        assert status == 200
        assert headers["X-Request-Id"] == "0f9e8d7c6b5a49382716a5b4c3d2e1f0"
    finally:
        server.stop()
    lines = _json_lines(server)
    (line,) = [
        line for line in lines if line.get("request_id") == "0f9e8d7c6b5a49382716a5b4c3d2e1f0"
    ]
    assert line["route"] == "/<journey>/" and line["status"] == 200 and line["method"] == "GET"
    assert line["pid"] in {entry["pid"] for entry in lines}
    assert "anything" not in json.dumps(lines)
    # The app's own info lines reach standard output too (they were dropped before).
    assert any(
        line["logger"].startswith("forms_app.") and line["level"] == "INFO" for line in lines
    )
