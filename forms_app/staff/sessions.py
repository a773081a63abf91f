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

With a shared database (``store_url``), both are rows there instead (``records``, from
``storage.postgres.sessions``), so every app server behind the proxy sees every session:
``open_sessions`` and ``open_pending`` choose.
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


def open_sessions(data_dir: Path, url: str = "") -> SessionStore:
    """The staff sessions: files in the data directory, or the shared database at ``url``."""
    if not url:
        return SessionStore(data_dir)
    from forms_app.storage.postgres.sessions import session_records

    return SessionStore(data_dir, records=session_records(url))


def open_pending(data_dir: Path, url: str = "") -> PendingStore:
    """The sign-ins waiting for a code: files, or the shared database at ``url``."""
    if not url:
        return PendingStore(data_dir)
    from forms_app.storage.postgres.sessions import pending_records

    return PendingStore(data_dir, records=pending_records(url))


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SessionStore:
    """Sessions in ``<data_dir>/staff_sessions/``, or in ``records`` (keyed by the token's
    hash) when given."""

    def __init__(self, data_dir: Path, *, records=None):
        self.directory = Path(data_dir) / "staff_sessions"
        self.records = records

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
        data = self._read(token)
        if data is None:
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

    def _read(self, token: str) -> dict | None:
        if self.records is not None:
            return self.records.get(_key(token))
        try:
            data = json.loads(self._path(token).read_text("utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def end(self, token: str | None) -> None:
        if token and self.records is not None:
            self.records.delete(_key(token))
        elif token:
            with contextlib.suppress(FileNotFoundError):
                self._path(token).unlink()

    def end_all(self, username: str) -> int:
        """End every session of one account (disabled, password or second factor reset)."""
        if self.records is not None:
            return self.records.delete_user(username)
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
        if self.records is not None:
            return self.records.delete_details(match)
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
        data = {"username": session.username, "started": session.started, "seen": session.seen}
        if session.details:
            data["details"] = session.details
        if self.records is not None:
            self.records.put(_key(session.token), data)
            return
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self._path(session.token)
        temporary = path.with_suffix(f".{secrets.token_hex(4)}.tmp")
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

    def __init__(self, data_dir: Path, *, records=None):
        self.directory = Path(data_dir) / "staff_pending"
        self.records = records

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
        if self.records is not None:
            pending = _pending(self.records.get(_key(token)), token)
        else:
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
        if self.records is not None:
            pending = _pending(self.records.take(_key(token)), token)
            if pending is None:
                return None
        else:
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
        data = {"username": pending.username, "started": pending.started, "tries": pending.tries}
        if self.records is not None:
            self.records.put(_key(pending.token), data)
            return
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self._path(pending.token)
        temporary = path.with_suffix(f".{secrets.token_hex(4)}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        os.replace(temporary, path)

    def end(self, token) -> None:
        if token and isinstance(token, str) and self.records is not None:
            self.records.delete(_key(token))
        elif token and isinstance(token, str):
            with contextlib.suppress(FileNotFoundError):
                self._path(token).unlink()

    def purge(self, now: float | None = None) -> None:
        """Remove what has waited longer than it may (and leftovers of a crash mid-take)."""
        now = time.time() if now is None else now
        if self.records is not None:
            self.records.purge(now - PENDING_SECONDS)
            return
        for path in self.directory.glob("*"):
            with contextlib.suppress(OSError):
                if now - path.stat().st_mtime > PENDING_SECONDS:
                    path.unlink()

    @staticmethod
    def _read(path: Path, token: str) -> PendingSignIn | None:
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            return None
        return _pending(data, token)


def _pending(data, token: str) -> PendingSignIn | None:
    try:
        return PendingSignIn(
            token, str(data["username"]), float(data["started"]), int(data.get("tries", 0))
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
