"""Two app servers on one PostgreSQL database behind nginx, one killed with SIGKILL during a
stream of public submissions: no acknowledged submission is lost or stored twice.

Each server has a data directory of its own, so the database is the only thing they share:
drafts, rate limits and the case tables. nginx spreads requests over both (round robin), so a
person's pages are served by either server in turn; the session cookie is signed with one
secret key that both servers are given. When one server dies, nginx sends new requests to the
other; a POST that had already reached the dead one is answered 502 and is not retried (nginx
never resends a non-idempotent request), so it is not acknowledged: the person would send it
again. Some clients do send their last POST again, to whichever server answers, and must get
the same reference (the idempotency key is in the draft, which both servers read).

Acknowledged means the send POST was answered 303 to the confirmation page, which happens only
after the commit is durable (``tests/support/http_submitter.py``).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from forms_app.storage.contract import Contract
from forms_app.storage.postgres import PostgresStore
from tests.support.http_submitter import Outcome, Submitter
from tests.support.served import Gunicorn, free_port
from tests.support.tls import DEPLOY, HOST, nginx_path, render

pytestmark = pytest.mark.slow
CLIENTS = 4
CONTRACT = Contract()


class RoundRobin:
    """Debian's nginx on a free port, plain HTTP, round robin over ``upstreams``."""

    def __init__(self, folder: Path, upstreams: list[int]):
        self.folder = folder
        self.port = free_port()
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        servers = "\n".join(
            f"    server {HOST}:{port} max_fails=1 fail_timeout=30s;" for port in upstreams
        )
        site = folder / "site.conf"
        site.write_text(
            f"""log_format upstreams '$request_method $uri $status $upstream_addr';
upstream app {{
{servers}
}}
server {{
    listen {HOST}:{self.port};
    access_log {folder}/access.log upstreams;
    location / {{
        proxy_pass http://app;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto http;
        proxy_next_upstream error timeout;
        proxy_connect_timeout 2s;
        proxy_read_timeout 30s;
    }}
}}
""",
            "ascii",
        )
        conf = folder / "nginx.conf"
        conf.write_text(
            render(
                DEPLOY / "nginx" / "standalone.conf.template",
                {
                    "USER": "user root;" if os.geteuid() == 0 else "",
                    "RUN_DIR": str(folder),
                    "INCLUDE": str(site),
                },
            ),
            "ascii",
        )
        self.process = subprocess.Popen(
            [nginx_path(), "-c", str(conf), "-p", str(folder), "-e", str(folder / "error.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def wait(self, timeout: float = 20) -> None:
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("nginx did not answer in time")

    def log(self) -> str:
        return (self.folder / "access.log").read_text("ascii", "replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def client(url: str, prefix: str, stop: threading.Event, outcomes: list) -> None:
    """Submit one comment after another until told to stop; every third one is sent twice
    (the browser's back button, or a reply lost on the way)."""
    number = 0
    while not stop.is_set():
        outcome = Submitter(url, timeout=10).submit(
            f"{prefix}-{number:05d}", resend=number % 3 == 0
        )
        outcomes.append(outcome)
        number += 1
        if outcome.error:
            stop.wait(0.05)


def test_postgres_two_servers_behind_nginx_lose_and_duplicate_nothing_when_one_is_killed(
    postgres_url, tmp_path
):
    env = {
        "FORMS_APP_STORE_URL": postgres_url,
        "FORMS_APP_SECRET_KEY": secrets.token_hex(32),
        "FORMS_APP_PROXY_COUNT": "1",
    }
    servers = [Gunicorn(tmp_path / name / "data", workers=2, threads=4, env=env) for name in "ab"]
    for server in servers:
        server.data_dir.mkdir(parents=True, mode=0o700)
        server.start(timeout=60)
    proxy = RoundRobin(tmp_path / "nginx", [server.port for server in servers])
    outcomes: list[Outcome] = []
    stop = threading.Event()
    threads = [
        threading.Thread(target=client, args=(proxy.url, f"c{n}", stop, outcomes), daemon=True)
        for n in range(CLIENTS)
    ]
    try:
        proxy.wait()
        for thread in threads:
            thread.start()
        _wait_for(lambda: sum(o.acknowledged for o in outcomes) >= 12, 120)
        before = sum(o.acknowledged for o in outcomes)
        servers[0].kill()
        _wait_for(lambda: sum(o.acknowledged for o in outcomes) >= before + 12, 120)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        proxy.stop()
        for server in servers:
            server.stop()
    assert not any(thread.is_alive() for thread in threads)

    tables = {name: CONTRACT.columns(name) for name in CONTRACT.resource_names}
    store = PostgresStore(postgres_url, tmp_path / "check", tables)
    rows = list(store.rows("submissions"))
    tokens = Counter(row["details"].rsplit("\n", 1)[-1] for row in rows)
    ref_of = {row["details"].rsplit("\n", 1)[-1]: row["ref"] for row in rows}
    acknowledged = [o for o in outcomes if o.acknowledged]
    lost = [o.token for o in acknowledged if tokens[o.token] == 0]
    duplicates = {token: count for token, count in tokens.items() if count > 1}
    wrong = [o.token for o in acknowledged if o.reference and ref_of.get(o.token) != o.reference]
    resent = [o for o in acknowledged if o.resent_reference]
    changed = [o.token for o in resent if o.resent_reference != ref_of.get(o.token)]
    after_kill = acknowledged[before:]
    figures = (
        f"{len(outcomes)} submissions started, {len(acknowledged)} acknowledged "
        f"({len(after_kill)} after the kill), {len(resent)} sent twice, {len(lost)} lost, "
        f"{len(duplicates)} duplicated, {len(wrong)} with another reference, {len(rows)} rows"
    )
    print(figures)
    assert not lost and not duplicates and not wrong and not changed, figures
    assert resent, f"no submission was sent twice: the idempotency check tested nothing; {figures}"
    assert after_kill, figures
    assert len(set(ref_of.values())) == len(rows), "every stored submission has its own reference"
    # Both servers acknowledged sends (the load was really shared), as nginx's log shows.
    for server in servers:
        assert f"/check-your-answers 303 {HOST}:{server.port}" in proxy.log(), figures


def _wait_for(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the stream of submissions did not get far enough in time")
        time.sleep(0.05)
