"""The sync worker as an operator runs it (``feedback sheets sync`` in its own process), and
a Google Sheets stand-in slow enough for a kill to land while an append is on the wire.

``SlowSheets`` is the stand-in of ``tests/support/fake_sheets.py`` (real HTTP on 127.0.0.1,
driven by gspread's real client), holding every request ``delay`` seconds before it is applied and
``delay`` seconds after, before the reply goes. It counts requests as they arrive and knows,
at any moment, which appends are in flight and whether each has been applied yet.

``SyncProcess`` starts the worker with ``FORMS_APP_SETTINGS`` naming a settings file whose
``sheets.api_base_url`` points at the stand-in (no credentials are read or sent), and
``FORMS_APP_DATA_DIR`` naming the data directory; it kills it (SIGKILL) or stops it (SIGTERM,
as ``systemctl stop`` would). Its output goes to one log file, shown when something fails.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from tests.support.fake_sheets import FakeSheets

FEEDBACK = Path(sys.executable).parent / "feedback"
ON_THE_WIRE, APPLIED = "on the wire", "applied, not yet answered"


class SlowSheets(FakeSheets):
    """The stand-in, ``delay`` seconds slower before and after applying each request."""

    def __init__(self, *args, delay: float = 0.05, **kwargs):
        super().__init__(*args, **kwargs)
        self.delay = delay
        self.received = 0  # requests that have arrived, in all
        self.appends_received = 0  # of which appends
        self._flight_lock = threading.Lock()
        self._appends: dict[object, str] = {}  # appends in flight -> ON_THE_WIRE or APPLIED

    def handle(self, method: str, path: str, query: dict, body: bytes):
        append = method == "POST" and path.endswith(":append")
        token = object()
        with self._flight_lock:
            self.received += 1
            if append:
                self.appends_received += 1
                self._appends[token] = ON_THE_WIRE
        try:
            time.sleep(self.delay)
            status, payload, headers = super().handle(method, path, query, body)
            if append:
                with self.lock:
                    # One worker sends one request at a time, so the last entry is this one.
                    applied = status == 200 or self.log[-1].fault == "ambiguous"
                if applied:
                    with self._flight_lock:
                        self._appends[token] = APPLIED
            time.sleep(self.delay)
            return status, payload, headers
        finally:
            with self._flight_lock:
                self._appends.pop(token, None)

    def start(self) -> str:
        url = super().start()
        plain = self._server.handle_error

        def handle_error(request, client_address):
            if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
                return  # a killed worker's connection: expected, not worth a traceback
            plain(request, client_address)

        self._server.handle_error = handle_error
        return url

    def appends_in_flight(self) -> list[str]:
        """The state of each append not yet answered (ON_THE_WIRE or APPLIED)."""
        with self._flight_lock:
            return list(self._appends.values())

    def arrived(self) -> tuple[int, int]:
        """(requests, appends) that have arrived so far."""
        with self._flight_lock:
            return self.received, self.appends_received


class SyncProcess:
    """``feedback sheets sync`` (or ``command``) in a subprocess, one life at a time."""

    def __init__(
        self,
        settings_file: Path,
        data_dir: Path,
        log_file: Path,
        command: Sequence[str] | None = None,
    ):
        self.command = list(command) if command else [str(FEEDBACK), "sheets", "sync"]
        self.env = {
            **os.environ,
            "FORMS_APP_SETTINGS": str(settings_file),
            "FORMS_APP_DATA_DIR": str(data_dir),
            "PYTHONUNBUFFERED": "1",
        }
        self.log_file = Path(log_file)
        self.process: subprocess.Popen | None = None
        self.lives = 0

    def start(self) -> None:
        assert self.process is None, "the previous worker is still running"
        self.lives += 1
        with self.log_file.open("a", encoding="utf-8") as log:
            log.write(f"\n--- worker life {self.lives} ---\n")
            log.flush()
            self.process = subprocess.Popen(
                self.command,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> int:
        """SIGKILL: no handler runs, nothing is flushed. Returns the exit status."""
        return self._end(signal.SIGKILL, timeout=30)

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM: the worker finishes its step and exits. Returns the exit status."""
        return self._end(signal.SIGTERM, timeout=timeout)

    def _end(self, signum: int, timeout: float) -> int:
        process, self.process = self.process, None
        assert process is not None, "no worker is running"
        if process.poll() is None:
            process.send_signal(signum)
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()  # never leave a worker behind
            process.wait(timeout=30)
            raise AssertionError(
                f"the worker did not end within {timeout} s of {signum!r}"
            ) from None

    def tail(self, chars: int = 3000) -> str:
        """The end of the workers' combined output (for failure messages)."""
        try:
            return self.log_file.read_text("utf-8", errors="replace")[-chars:]
        except OSError:
            return "(no log)"
