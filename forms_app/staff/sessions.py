"""Server-side staff sessions: the cookie holds only a random token; the record of who is
signed in, since when and when they were last seen lives in ``<data_dir>/staff_sessions/``
(one small file per session, named by the token's SHA-256), so signing out, disabling an
account or a timeout ends the session everywhere, in every worker process.

Idle timeout 30 minutes, absolute limit 12 hours. A new token is issued at every sign-in (the
cookie session is cleared first), so a token planted before sign-in is worth nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

IDLE_SECONDS = 30 * 60
ABSOLUTE_SECONDS = 12 * 60 * 60
# Write "last seen" at most this often: the idle limit is then exact to within a minute.
TOUCH_SECONDS = 60


@dataclass
class StaffSession:
    token: str
    username: str
    started: float
    seen: float


class SessionStore:
    def __init__(self, data_dir: Path):
        self.directory = Path(data_dir) / "staff_sessions"

    def _path(self, token: str) -> Path:
        return self.directory / (hashlib.sha256(token.encode()).hexdigest() + ".json")

    def start(self, username: str, now: float | None = None) -> StaffSession:
        now = time.time() if now is None else now
        session = StaffSession(secrets.token_urlsafe(32), username, now, now)
        self._write(session)
        return session

    def load(self, token: str | None, now: float | None = None) -> tuple[StaffSession | None, str]:
        """The live session for a token, or (None, reason): 'none', 'idle' or 'expired'."""
        if not token or not isinstance(token, str):
            return None, "none"
        now = time.time() if now is None else now
        path = self._path(token)
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            return None, "none"
        session = StaffSession(token, data["username"], data["started"], data["seen"])
        if now - session.started > ABSOLUTE_SECONDS:
            self.end(token)
            return None, "expired"
        if now - session.seen > IDLE_SECONDS:
            self.end(token)
            return None, "idle"
        if now - session.seen > TOUCH_SECONDS:
            session.seen = now
            self._write(session)
        return session, ""

    def end(self, token: str | None) -> None:
        if token:
            with contextlib.suppress(FileNotFoundError):
                self._path(token).unlink()

    def end_all(self, username: str) -> int:
        """End every session of one account (disabled, password or second factor reset)."""
        ended = 0
        for path in self.directory.glob("*.json"):
            try:
                if json.loads(path.read_text("utf-8")).get("username") == username:
                    path.unlink()
                    ended += 1
            except (OSError, ValueError):
                continue
        return ended

    def _write(self, session: StaffSession) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self._path(session.token)
        temporary = path.with_suffix(f".{secrets.token_hex(4)}.tmp")
        data = {"username": session.username, "started": session.started, "seen": session.seen}
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        os.replace(temporary, path)
