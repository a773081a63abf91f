"""The app under its production server (gunicorn) in a subprocess, as it runs for real."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """``preload`` imports the app in the master before forking the workers (as ``--preload``
    does in production set-ups that want fast worker restarts); ``extra_args`` go to gunicorn
    before the app; ``env`` adds environment variables for the app (e.g. production mode)."""

    def __init__(
        self,
        data_dir: Path,
        workers: int = 2,
        threads: int = 4,
        *,
        preload: bool = False,
        extra_args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
    ):
        self.data_dir = data_dir
        self.workers = workers
        self.threads = threads
        self.preload = preload
        self.extra_args = list(extra_args)
        self.env = dict(env or {})
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        # Gunicorn's own log goes to a file, never to a pipe nobody reads while it runs: a full
        # pipe would stall the master and the workers at their next log line.
        self.log_path = data_dir.parent / f"gunicorn-{self.port}.log"

    def settings_file(self) -> Path:
        """The example settings, with the per-address limits (rate and drafts) lifted: every
        test client comes from 127.0.0.1, and these tests are about durability, not limits."""
        import yaml

        from forms_app.organisation.settings import EXAMPLE_SETTINGS

        raw = yaml.safe_load(EXAMPLE_SETTINGS.read_text("utf-8"))
        raw["rate_limits"] = {
            "send": {"limit": 1_000_000, "seconds": 60},
            "post": {"limit": 1_000_000, "seconds": 60},
        }
        # The drafts one address may keep too: a test client walks many people's answers.
        raw["drafts"] = {"per_address": 1_000_000}
        path = self.data_dir.parent / "settings.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(raw), "utf-8")
        return path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> None:
        env = {**os.environ, **self.env, "FORMS_APP_DATA_DIR": str(self.data_dir)}
        # Production is the app's default; a test server is testing unless a test says otherwise
        # (tests/support/tls.py runs production).
        env.setdefault("FORMS_APP_ENV", "testing")
        env["FORMS_APP_SETTINGS"] = str(self.settings_file())
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:  # the server keeps its own copy of the file
            self.process = subprocess.Popen(
                [
                    str(GUNICORN),
                    "-w",
                    str(self.workers),
                    "--threads",
                    str(self.threads),
                    "-b",
                    f"127.0.0.1:{self.port}",
                    "--graceful-timeout",
                    "2",
                    # Gunicorn's control socket is one fixed path in the home folder: servers that
                    # tests run side by side would take it from each other, and no test uses it.
                    "--no-control-socket",
                    *(["--preload"] if self.preload else []),
                    *self.extra_args,
                    "forms_app:create_app()",
                ],
                cwd=PROJECT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=log,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start in time")

    def log(self) -> str:
        """The end of what gunicorn wrote to its standard error (why it stopped, say)."""
        try:
            return self.log_path.read_bytes()[-3000:].decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def worker_pids(self) -> list[int]:
        """The master's child processes (its workers) now, from /proc."""
        if not self.process or self.process.poll() is not None:
            return []
        pids = []
        for children in Path(f"/proc/{self.process.pid}/task").glob("*/children"):
            try:
                pids.extend(int(pid) for pid in children.read_text().split())
            except OSError:
                continue  # the thread ended while being read
        return sorted(set(pids))

    def kill(self) -> None:
        """kill -9 the whole server: master and workers at once."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        stop_group(self.process)


def stop_group(process: subprocess.Popen | None, timeout: float = 10) -> None:
    """Stop a server started in a process group of its own: SIGTERM to the group, then
    SIGKILL if it has not ended within ``timeout`` seconds."""
    if process and process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=timeout)
