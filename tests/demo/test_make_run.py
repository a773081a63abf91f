"""The demo as a new user meets it: the servers ``make run`` starts, started the same way (demo
mode, the example settings, demo data, the message catcher, the message worker, gunicorn), but
on free ports. A complaint with an email address gets an acknowledgement naming its reference
in the catcher's ``/messages.json``; ``/track`` then shows the case with the code sent; the
journey offers to take files on the way.

The catcher's port is ``MESSAGES_PORT`` in the Makefile (8025 unless given); ``make run`` tells
the app and the worker where it is through ``FORMS_APP_NOTIFY_URL``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from forms_app.demo.notify_standin import DEMO_API_KEY
from forms_app.messages.config import NOTIFY_URL_ENV
from forms_app.organisation.settings import EXAMPLE_SETTINGS
from tests.support.http_client import Fetcher
from tests.support.served import PROJECT, free_port
from tests.support.walker import COMPLAINT, csrf_token, walk

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent
EMAIL = "rhian.demo@example.com"
CODE = re.compile(r"\b(\d{6})\b")


def test_make_run_tells_the_app_and_the_worker_where_the_catcher_is():
    makefile = (PROJECT / "Makefile").read_text("utf-8")
    assert "MESSAGES_PORT ?= 8025" in makefile
    assert (
        f"run: export {NOTIFY_URL_ENV} := $(or $({NOTIFY_URL_ENV}),http://127.0.0.1:$(MESSAGES_PORT))"
        in makefile
    )
    assert "forms_app.demo.catcher --port $(MESSAGES_PORT)" in makefile


class Demo:
    """The processes of ``make run`` on free ports; ``stop`` ends them all."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.catcher_url = f"http://127.0.0.1:{free_port()}"
        self.url = f"http://127.0.0.1:{free_port()}"
        self.env = {
            **os.environ,
            "FORMS_APP_ENV": "demo",
            "FORMS_APP_CLAMD": "none",
            "FORMS_APP_DATA_DIR": str(folder / "data"),
            "FORMS_APP_SETTINGS": str(EXAMPLE_SETTINGS),
            "NOTIFY_API_KEY": DEMO_API_KEY,
            NOTIFY_URL_ENV: self.catcher_url,
        }
        self.processes: list[subprocess.Popen] = []

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [str(BIN / "feedback"), *args],
            cwd=PROJECT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    def start(self, name: str, *command: str) -> None:
        log = (self.folder / f"{name}.log").open("wb")
        self.processes.append(
            subprocess.Popen(
                command,
                cwd=PROJECT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        log.close()

    def wait_until_up(self, url: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2):
                    return
            except OSError:
                stopped = [p.args for p in self.processes if p.poll() is not None]
                assert not stopped, f"stopped: {stopped}; {self.logs()}"
                assert time.monotonic() < deadline, f"{url} did not answer; {self.logs()}"
                time.sleep(0.2)

    def logs(self) -> str:
        return " | ".join(
            f"{log.name}: {log.read_text(errors='replace')[-800:]}"
            for log in self.folder.glob("*.log")
        )

    def caught(self) -> list[dict]:
        with urllib.request.urlopen(self.catcher_url + "/messages.json", timeout=5) as answer:
            return json.load(answer)["messages"]

    def message(self, wanted, timeout: float = 30) -> dict:
        """The first caught message ``wanted`` accepts, waiting for the worker to send it."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.caught() if wanted(m)]
            if found:
                return found[0]
            assert time.monotonic() < deadline, f"not caught in time: {self.caught()}"
            time.sleep(0.25)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


@pytest.fixture
def demo(tmp_path):
    demo = Demo(tmp_path)
    try:
        # The steps of `make run`: the data directory upgraded and filled, then the servers.
        demo.run("migrate")
        assert "demo staff accounts" in demo.run("demo-data", "--if-empty")
        port = demo.catcher_url.rsplit(":", 1)[1]
        demo.start(
            "catcher",
            *(str(BIN / "python"), "-m", "forms_app.demo.catcher", "--port", port),
            *("--smtp-port", str(free_port())),
        )
        demo.start("worker", str(BIN / "feedback"), "messages", "send")
        bind = demo.url.removeprefix("http://")
        demo.start(
            "gunicorn",
            *(str(BIN / "gunicorn"), "-w", "2", "--threads", "4", "-b", bind),
            *("--no-control-socket", "forms_app:create_app()"),
        )
        demo.wait_until_up(demo.catcher_url + "/messages.json")
        demo.wait_until_up(demo.url + "/")
        yield demo
    finally:
        demo.stop()


def test_a_new_user_sends_a_complaint_reads_its_acknowledgement_and_tracks_it(demo):
    person = Fetcher(demo.url)
    answers = {**COMPLAINT, "email": EMAIL, "preferred_contact": "email"}
    sent = walk(person.get, person.post, "/complaint/", answers)
    assert any(page.endswith("/complaint/add-files") for page in sent.pages), sent.pages
    reference = sent.reference

    ack = demo.message(lambda m: m["recipient"] == EMAIL and reference in m["subject"])
    assert reference in ack["body"]
    assert ack["channel"] == "email" and ack["via"] == "notify"

    _, status, page = person.get("/track")
    assert status == 200
    _, status, page = person.post(
        "/track", {"csrf_token": csrf_token(page), "reference": reference}
    )
    assert status == 200 and 'name="code"' in page
    code_message = demo.message(lambda m: m["recipient"] == EMAIL and "code" in m["subject"])
    code = CODE.search(code_message["body"]).group(1)
    url, status, page = person.post("/track/code", {"csrf_token": csrf_token(page), "code": code})
    assert status == 200 and url.endswith("/track/case"), (url, status)
    assert f"data-reference>{reference}<" in page
    assert "We are looking into it" in page
