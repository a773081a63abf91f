"""Submissions under the production server with 16 concurrent clients on loopback.

A full submission is what happens when a person presses Send: the POST (CSRF, validation
against the schemas, durable append with fsync) and the confirmation page it redirects to.
The drafts are made before the clock starts. The baseline is a bare Flask endpoint that only
appends a line and fsyncs, served the same way, hit the same number of times. A third run puts
the same bare append behind a redirect and a second GET: the ratio it reaches is the ceiling
for any app that, as GOV.UK forms do, shows the reference on a page of its own.
"""

from __future__ import annotations

import http.client
import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
CLIENTS = 16
PER_CLIENT = 30
TOKEN = re.compile(rb'name="csrf_token" value="([^"]+)"')


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(app: str, env: dict, workers: int = 2, threads: int = 4):
    port = free_port()
    process = subprocess.Popen(
        [
            str(GUNICORN),
            "-w",
            str(workers),
            "--threads",
            str(threads),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app,
        ],
        cwd=PROJECT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/")
            connection.getresponse().read()
            return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{app} did not start")


class Connection:
    """A keep-alive connection that reconnects when the server has closed an idle one."""

    def __init__(self, port: int):
        self.port = port
        self.http = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def send(self, method, path, body, headers):
        for attempt in (1, 2):
            try:
                self.http.request(method, path, body=body, headers=headers)
                return self.http.getresponse()
            except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
                self.http.close()
                self.http = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


class Session:
    """One person's browser: a shared keep-alive connection and their own cookies."""

    def __init__(self, connection: Connection):
        self.connection = connection
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None):
        headers = {"Accept-Encoding": "identity"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        response = self.connection.send(method, path, body, headers)
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response.status, response.headers, data


def _prepare(session: Session) -> dict:
    """Answer the comment journey up to the check page (not timed)."""
    _status, _headers, page = session.request("GET", "/comment/service")
    token = TOKEN.search(page).group(1).decode()
    for path, data in (
        ("/comment/service", {"service": "home-care"}),
        ("/comment/comment", {"details": "Larger print on the leaflets, please. Diolch."}),
        ("/comment/your-details", {"anonymous": "true"}),
    ):
        status, _headers, _page = session.request("POST", path, {"csrf_token": token, **data})
        assert status == 302, (path, status)
    status, _headers, _page = session.request("GET", "/comment/check-your-answers")
    assert status == 200, status
    return {"csrf_token": token}


def _client(mode: str, port: int, count: int, barrier, results) -> None:
    try:
        results.put(_timed_client(mode, port, count, barrier))
    except Exception as error:  # reported, so the run fails fast instead of waiting
        barrier.abort()
        results.put(error)


def _timed_client(mode: str, port: int, count: int, barrier):
    connection = Connection(port)
    prepared = []
    for _ in range(count):
        session = Session(connection)
        if mode == "app":
            form = _prepare(session)
        elif mode == "framework":
            _status, _headers, token = session.request("GET", "/framework/start")
            form = {"csrf_token": token.decode(), "text": "Larger print, please."}
        else:
            form = {"text": "Larger print, please."}
        prepared.append((session, form))
    barrier.wait()
    latencies = []
    start = time.perf_counter()
    for session, form in prepared:
        began = time.perf_counter()
        if mode == "app":
            status, headers, _ = session.request("POST", "/comment/check-your-answers", form)
            assert status == 303, status
            status, _, page = session.request(
                "GET", urllib.parse.urlsplit(headers["Location"]).path
            )
            assert status == 200 and b"data-reference" in page
        elif mode in ("prg", "framework"):
            action = "/append-and-redirect" if mode == "prg" else "/framework/append"
            status, headers, _ = session.request("POST", action, form)
            assert status == 303, status
            status, _, _ = session.request("GET", headers["Location"])
            assert status == 200
        else:
            status, _, _ = session.request("POST", "/append", form)
            assert status == 200
        latencies.append(time.perf_counter() - began)
    return start, time.perf_counter(), latencies


def _run(mode: str, port: int) -> dict:
    barrier = multiprocessing.Barrier(CLIENTS)
    results = multiprocessing.Queue()
    processes = [
        multiprocessing.Process(target=_client, args=(mode, port, PER_CLIENT, barrier, results))
        for _ in range(CLIENTS)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=300) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    failures = [o for o in outcomes if isinstance(o, BaseException)]
    if failures:
        raise RuntimeError(f"{mode}: {len(failures)} clients failed: {failures[0]!r}")
    began = min(o[0] for o in outcomes)
    ended = max(o[1] for o in outcomes)
    latencies = sorted(latency for o in outcomes for latency in o[2])
    return {
        "per_second": len(latencies) / (ended - began),
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
        "count": len(latencies),
    }


def _settings(scratch: str) -> Path:
    """The example settings with the per-address limits (rate and drafts) lifted: 16 clients on
    one loopback address would hit them. The limiter's cost per request is still measured."""
    import yaml

    from forms_app.organisation.settings import EXAMPLE_SETTINGS

    raw = yaml.safe_load(EXAMPLE_SETTINGS.read_text("utf-8"))
    raw["rate_limits"] = {
        "send": {"limit": 1_000_000, "seconds": 60},
        "post": {"limit": 1_000_000, "seconds": 60},
    }
    # The drafts one address may keep too: the clients make all their drafts before the clock.
    raw["drafts"] = {"per_address": 1_000_000}
    path = Path(scratch) / "settings.yaml"
    path.write_text(yaml.safe_dump(raw), "utf-8")
    return path


def measure() -> dict:
    with tempfile.TemporaryDirectory(dir=PROJECT / "build") as scratch:
        data_dir = Path(scratch) / "data"
        bare_dir = Path(scratch) / "bare"
        bare_dir.mkdir()
        app_process, app_port = start_server(
            "forms_app:create_app()",
            {"FORMS_APP_DATA_DIR": str(data_dir), "FORMS_APP_SETTINGS": str(_settings(scratch))},
        )
        bare_process, bare_port = start_server(
            "bench.bare_app:create_bare_app()", {"BENCH_BARE_DIR": str(bare_dir)}
        )
        try:
            # Alternate the two, twice, so neither gets the quieter moment.
            runs = {"app": [], "bare": [], "prg": [], "framework": []}
            for _ in range(2):
                runs["bare"].append(_run("bare", bare_port))
                runs["app"].append(_run("app", app_port))
                runs["prg"].append(_run("prg", bare_port))
                runs["framework"].append(_run("framework", bare_port))
        finally:
            for process in (app_process, bare_process):
                os.killpg(process.pid, 15)
                process.wait(timeout=10)
    app, bare, prg, framework = (max(runs[mode], key=lambda r: r["per_second"]) for mode in runs)
    return {
        "submit_throughput_ratio": round(app["per_second"] / bare["per_second"], 3),
        "submit_p99_ratio": round(app["p99_ms"] / bare["p99_ms"], 3),
        "detail": {
            "app": app,
            "bare": bare,
            # The bare append behind a redirect and a second request: no app that shows the
            # reference on its own page (POST, 303, GET) can have a better ratio than this.
            "bare_post_redirect_get": prg,
            "ceiling_throughput_ratio": round(prg["per_second"] / bare["per_second"], 3),
            # The same with a signed session cookie and a CSRF token checked on the POST: the
            # floor of any Flask form, before it does anything of its own.
            "bare_session_csrf_prg": framework,
            "framework_ceiling_ratio": round(framework["per_second"] / bare["per_second"], 3),
            "clients": CLIENTS,
            "per_client": PER_CLIENT,
        },
    }


if __name__ == "__main__":
    import json

    print(json.dumps(measure(), indent=2))
