"""Sign-ins on their way through the provider, kept on the server: for each ``state`` sent,
the ``nonce``, the PKCE verifier and where to go afterwards, in
``<data_dir>/staff_sso_states/`` (one small file each, named by the state's SHA-256).

A state is used once: the callback takes its file (a rename, which only one request can do),
so a callback address replayed, or sent twice at once, finds nothing. A state lasts 10
minutes, long enough to type a password and approve a phone prompt at the provider.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import time
from pathlib import Path

STATE_SECONDS = 10 * 60


class AuthorizationStates:
    def __init__(self, data_dir: Path):
        self.directory = Path(data_dir) / "staff_sso_states"

    def _path(self, state: str) -> Path:
        return self.directory / (hashlib.sha256(state.encode()).hexdigest() + ".json")

    def put(
        self,
        state: str,
        *,
        nonce: str,
        code_verifier: str,
        next_page: str,
        now: float | None = None,
    ) -> None:
        now = time.time() if now is None else now
        self.purge(now)
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self._path(state)
        temporary = path.with_suffix(f".{secrets.token_hex(4)}.tmp")
        data = {"nonce": nonce, "code_verifier": code_verifier, "next": next_page, "started": now}
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        os.replace(temporary, path)

    def take(self, state, now: float | None = None) -> dict | None:
        """The sign-in this state began, once; None if unknown, used or too old."""
        if not state or not isinstance(state, str) or len(state) > 200:
            return None
        path = self._path(state)
        taken = path.with_suffix(f".{secrets.token_hex(4)}.taken")
        try:
            os.rename(path, taken)
        except FileNotFoundError:
            return None
        try:
            data = json.loads(taken.read_text("utf-8"))
        except (OSError, ValueError):
            data = None
        finally:
            with contextlib.suppress(FileNotFoundError):
                taken.unlink()
        now = time.time() if now is None else now
        if not isinstance(data, dict) or now - float(data.get("started", 0)) > STATE_SECONDS:
            return None
        return data

    def purge(self, now: float | None = None) -> None:
        """Remove states never come back for (the person closed the tab at the provider)."""
        now = time.time() if now is None else now
        for path in self.directory.glob("*"):
            with contextlib.suppress(OSError):
                if now - path.stat().st_mtime > STATE_SECONDS:
                    path.unlink()
