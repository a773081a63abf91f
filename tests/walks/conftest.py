"""The service as it runs for real, for the end-to-end walks: the app under gunicorn, the message
worker (``feedback messages send``) in its own process sending to the Notify stand-in over
HTTP, and a real clamd scanning the files people add.

``World.message_to`` waits for a message to arrive at the stand-in, reading its
``/messages.json`` over HTTP as a person reading their inbox would."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from forms_app.messages.config import NOTIFY_URL_ENV
from tests.support import notify_standin
from tests.support.clamd import running_clamd
from tests.support.served import PROJECT, Gunicorn
from tests.support.staff import PEOPLE, make_people

FEEDBACK = Path(sys.executable).parent / "feedback"


@dataclass
class World:
    url: str
    data_dir: Path
    catcher_url: str
    staff_secrets: dict[str, str]

    def caught(self) -> list[dict]:
        """Every message the stand-in has received, oldest first (its ``/messages.json``)."""
        with urllib.request.urlopen(self.catcher_url + "/messages.json", timeout=5) as answer:
            return json.load(answer)["messages"]

    def message_to(
        self, recipient: str, wanted: Callable[[dict], bool], timeout: float = 30
    ) -> dict:
        """The first message to ``recipient`` that ``wanted`` accepts, waiting for the worker
        to send it."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.caught() if m["recipient"] == recipient and wanted(m)]
            if found:
                return found[0]
            if time.monotonic() > deadline:
                seen = [(m["recipient"], m["subject"]) for m in self.caught()]
                raise AssertionError(f"no such message to {recipient} in time; caught {seen}")
            time.sleep(0.25)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture
def world(tmp_path):
    """The app, the worker, the stand-in and clamd, with Olive's staff account."""
    # A short folder name: a unix socket's path must fit in 108 bytes.
    with running_clamd(tmp_path / "av") as socket_path:
        standin = notify_standin.serve()
        data_dir = tmp_path / "data"
        env = {
            "FORMS_APP_CLAMD": f"unix:{socket_path}",
            NOTIFY_URL_ENV: standin.url,
            "NOTIFY_API_KEY": notify_standin.KEY,
        }
        server = Gunicorn(data_dir, workers=1, threads=4, env=env)
        worker = None
        try:
            server.start(timeout=60)
            secrets = make_people(data_dir, {"olive": PEOPLE["olive"]})
            log = (tmp_path / "worker.log").open("wb")
            worker = subprocess.Popen(
                [str(FEEDBACK), "messages", "send"],
                cwd=PROJECT,
                env={
                    **os.environ,
                    **env,
                    "FORMS_APP_DATA_DIR": str(data_dir),
                    "FORMS_APP_SETTINGS": str(server.settings_file()),
                },
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            log.close()
            yield World(server.url, data_dir, standin.url, secrets)
        finally:
            if worker is not None:
                _stop(worker)
            server.stop()
            standin.stop()
