"""Server-side staff sessions: the cookie holds only a random token; the record of who is
signed in, since when and when they were last seen lives in ``<data_dir>/staff_sessions/``
(one small file per session, named by the token's SHA-256), so signing out, disabling an
account or a timeout ends the session everywhere, in every worker process.

Idle timeout 30 minutes, absolute limit 12 hours. A new token is issued at every sign-in (the
cookie session is cleared first), so a token planted before sign-in is worth nothing.

The step between a right password and the one-time code is kept the same way, in
``<data_dir>/staff_pending/`` (``PendingStore``): the cookie holds only a random id, never who
typed the password, so a cookie forged with the secret key or copied from someone's browser
cannot stand in for the password. A pending sign-in lasts 5 minutes and is used once: taken
(renamed away, which only one request can do) by each code attempt, put back after a wrong
code until the third, deleted when sign-in completes or the password is typed again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

IDLE_SECONDS = 30 * 60
ABSOLUTE_SECONDS = 12 * 60 * 60
# Write "last seen" at most this often: the idle limit is then exact to within a minute.
TOUCH_SECONDS = 60
PENDING_SECONDS = 5 * 60
MAX_CODE_TRIES = 3


@dataclass
class StaffSession:
    token: str
    username: str
    started: float
    seen: float
    # For a single sign-on: the provider's issuer, subject and session id (sid), the ID token
    # (for the sign-out hint) and its expiry; empty for a local sign-in.
    details: dict = field(default_factory=dict)


class SessionStore:
    def __init__(self, data_dir: Path):
        self.directory = Path(data_dir) / "staff_sessions"

    def _path(self, token: str) -> Path:
        return self.directory / (hashlib.sha256(token.encode()).hexdigest() + ".json")

    def start(
        self, username: str, now: float | None = None, *, details: dict | None = None
    ) -> StaffSession:
        now = time.time() if now is None else now
        session = StaffSession(secrets.token_urlsafe(32), username, now, now, dict(details or {}))
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
        session = StaffSession(
            token, data["username"], data["started"], data["seen"], data.get("details") or {}
        )
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

    def end_where(self, **match: str) -> int:
        """End every session whose details hold all these values (a provider's back-channel
        logout names the person's ``sid`` or ``sub`` with its ``iss``)."""
        ended = 0
        for path in self.directory.glob("*.json"):
            try:
                details = json.loads(path.read_text("utf-8")).get("details") or {}
                if match and all(details.get(key) == value for key, value in match.items()):
                    path.unlink()
                    ended += 1
            except (OSError, ValueError, AttributeError):
                continue
        return ended

    def _write(self, session: StaffSession) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self._path(session.token)
        temporary = path.with_suffix(f".{secrets.token_hex(4)}.tmp")
        data = {"username": session.username, "started": session.started, "seen": session.seen}
        if session.details:
            data["details"] = session.details
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        os.replace(temporary, path)


@dataclass
class PendingSignIn:
    token: str
    username: str
    started: float
    tries: int = 0


class PendingStore:
    """Sign-ins waiting for their one-time code, one small file each (named by the id's
    SHA-256, so the directory does not hold the ids the cookies carry)."""

    def __init__(self, data_dir: Path):
        self.directory = Path(data_dir) / "staff_pending"

    def _path(self, token: str) -> Path:
        return self.directory / (hashlib.sha256(token.encode()).hexdigest() + ".json")

    def start(self, username: str, now: float | None = None) -> PendingSignIn:
        now = time.time() if now is None else now
        self.purge(now)
        pending = PendingSignIn(secrets.token_urlsafe(32), username, now)
        self.put_back(pending)
        return pending

    def peek(self, token, now: float | None = None) -> PendingSignIn | None:
        """The pending sign-in for this id if it is still waiting, without using it."""
        if not token or not isinstance(token, str):
            return None
        pending = self._read(self._path(token), token)
        now = time.time() if now is None else now
        if pending is None or now - pending.started > PENDING_SECONDS:
            return None
        return pending

    def take(self, token, now: float | None = None) -> PendingSignIn | None:
        """Use the pending sign-in: it is gone afterwards (``put_back`` returns it after a wrong
        code). Of two requests taking the same id at once, only one gets it."""
        if not token or not isinstance(token, str):
            return None
        path = self._path(token)
        taken = path.with_suffix(f".{secrets.token_hex(4)}.taken")
        try:
            os.rename(path, taken)
        except FileNotFoundError:
            return None
        pending = self._read(taken, token)
        with contextlib.suppress(FileNotFoundError):
            taken.unlink()
        now = time.time() if now is None else now
        if pending is None or now - pending.started > PENDING_SECONDS:
            return None
        return pending

    def put_back(self, pending: PendingSignIn) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self._path(pending.token)
        temporary = path.with_suffix(f".{secrets.token_hex(4)}.tmp")
        data = {"username": pending.username, "started": pending.started, "tries": pending.tries}
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        os.replace(temporary, path)

    def end(self, token) -> None:
        if token and isinstance(token, str):
            with contextlib.suppress(FileNotFoundError):
                self._path(token).unlink()

    def purge(self, now: float | None = None) -> None:
        """Remove what has waited longer than it may (and leftovers of a crash mid-take)."""
        now = time.time() if now is None else now
        for path in self.directory.glob("*"):
            with contextlib.suppress(OSError):
                if now - path.stat().st_mtime > PENDING_SECONDS:
                    path.unlink()

    @staticmethod
    def _read(path: Path, token: str) -> PendingSignIn | None:
        try:
            data = json.loads(path.read_text("utf-8"))
            return PendingSignIn(
                token, str(data["username"]), float(data["started"]), int(data.get("tries", 0))
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None
