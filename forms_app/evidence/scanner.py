"""ClamAV's verdict on a file, from a running ``clamd`` over its socket.

``clamd`` is the ClamAV daemon (Debian's ``clamav-daemon``). A file is sent with the
``INSTREAM`` command: a 4-byte big-endian length before each chunk and a zero length to end;
``clamd`` answers ``stream: OK``, ``stream: <signature> FOUND`` or ``... ERROR``. The ``z``
prefix makes commands and answers end with a NUL byte rather than a newline (see the
``clamd(8)`` manual page).

The scanner is named by a setting: ``unix:/run/clamav/clamd.ctl`` (or just the socket's path)
or ``tcp:host:port``. ``none`` means no scanner: allowed only outside production, where files
are kept marked "not scanned"; in production without a scanner no file is taken at all.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

CLEAN = "clean"
INFECTED = "infected"
NOT_SCANNED = "not_scanned"
PENDING = "pending"

_CHUNK = 64 * 1024
_ANSWER_LIMIT = 4096


class ScannerUnavailable(RuntimeError):
    """The scanner could not give a verdict (not running, refused, timed out, over its own
    size limit): the file is neither clean nor infected yet."""


@dataclass(frozen=True)
class Verdict:
    """A scanner's answer: ``state`` is CLEAN, INFECTED or NOT_SCANNED; ``signature`` names
    what was found (empty otherwise)."""

    state: str
    signature: str = ""


class Clamd:
    """A ``clamd`` reached over a unix socket (``path``) or TCP (``host``, ``port``)."""

    def __init__(
        self,
        *,
        path: str | None = None,
        host: str | None = None,
        port: int = 3310,
        timeout: float = 30.0,
    ):
        if not path and not host:
            raise ValueError("clamd needs a socket path or a host")
        self.path, self.host, self.port, self.timeout = path, host, port, timeout

    def __repr__(self) -> str:
        return f"Clamd({self.path or f'{self.host}:{self.port}'})"

    def _connect(self) -> socket.socket:
        try:
            if self.path:
                conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                conn.settimeout(self.timeout)
                conn.connect(self.path)
            else:
                conn = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as exc:
            raise ScannerUnavailable(f"clamd cannot be reached: {exc}") from None
        return conn

    def ping(self) -> bool:
        """Whether ``clamd`` answers ``PONG``."""
        try:
            return self._ask(b"zPING\0", b"") == "PONG"
        except ScannerUnavailable:
            return False

    def scan(self, data: bytes) -> Verdict:
        """The verdict on ``data``; ScannerUnavailable when there is none."""
        answer = self._ask(b"zINSTREAM\0", data)
        if answer.endswith("ERROR") or not answer.startswith("stream:"):
            raise ScannerUnavailable(f"clamd could not scan the file: {answer[:200]}")
        result = answer.removeprefix("stream:").strip()
        if result == "OK":
            return Verdict(CLEAN)
        if result.endswith(" FOUND"):
            return Verdict(INFECTED, result.removesuffix(" FOUND").strip()[:200])
        raise ScannerUnavailable(f"clamd gave an answer not understood: {answer[:200]}")

    def _ask(self, command: bytes, data: bytes) -> str:
        conn = self._connect()
        try:
            conn.sendall(command)
            if command.startswith(b"zINSTREAM"):
                for start in range(0, len(data), _CHUNK):
                    chunk = data[start : start + _CHUNK]
                    conn.sendall(struct.pack(">I", len(chunk)) + chunk)
                conn.sendall(struct.pack(">I", 0))
            answer = b""
            while not answer.endswith(b"\0") and len(answer) < _ANSWER_LIMIT:
                part = conn.recv(_ANSWER_LIMIT)
                if not part:
                    break
                answer += part
        except OSError as exc:
            # clamd closes the connection when a stream passes its StreamMaxLength.
            raise ScannerUnavailable(f"clamd stopped answering: {exc}") from None
        finally:
            conn.close()
        return answer.rstrip(b"\0\n").decode("utf-8", "replace")


class NoScanner:
    """The explicit "no scanner" of demo and development: every file is NOT_SCANNED."""

    def __repr__(self) -> str:
        return "NoScanner()"

    def ping(self) -> bool:
        return True

    def scan(self, data: bytes) -> Verdict:
        return Verdict(NOT_SCANNED)


def scanner_from(setting: str | None, *, production: bool) -> Clamd | NoScanner | None:
    """The scanner a setting names; None when there is none to use (the upload pages are then
    not offered). ``none`` is refused in production: files are never stored unscanned there."""
    setting = (setting or "").strip()
    if not setting:
        return None
    if setting.lower() == "none":
        return None if production else NoScanner()
    if setting.startswith("tcp:"):
        host, _, port = setting.removeprefix("tcp:").rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"a clamd address is tcp:host:port, not {setting!r}")
        return Clamd(host=host.strip("[]"), port=int(port))
    return Clamd(path=setting.removeprefix("unix:"))
