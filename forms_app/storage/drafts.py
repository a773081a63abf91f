"""Answers in progress, kept on the server between question pages.

Flask's session cookie is signed, not encrypted, so it only carries a random draft id; the
answers live in one small JSON file per draft in the data directory, replaced atomically.
Drafts are deleted when they have been left for ``DRAFT_DAYS``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import time
from pathlib import Path

DRAFT_DAYS = 7
_ID = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
_READ = 1 << 16


def new_draft_id() -> str:
    return secrets.token_urlsafe(32)


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(24)


class Drafts:
    def __init__(self, directory: Path):
        self.directory = directory
        self._prefix = f"{directory}{os.sep}"  # a draft's file name is built on every request

    def _path(self, draft_id: str) -> Path | None:
        # The id comes from a cookie: never let it name a path outside the drafts directory.
        if not draft_id or not _ID.match(draft_id):
            return None
        return self.directory / f"{draft_id}.json"

    def load(self, draft_id: str | None) -> dict:
        if not draft_id or not _ID.match(draft_id):
            return {}
        try:
            fd = os.open(f"{self._prefix}{draft_id}.json", os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            return {}
        try:
            chunks = []
            while chunk := os.read(fd, _READ):
                chunks.append(chunk)
            return json.loads(b"".join(chunks))
        except (OSError, ValueError):
            return {}
        finally:
            os.close(fd)

    def save(self, draft_id: str, draft: dict) -> None:
        path = self._path(draft_id)
        if path is None:
            raise ValueError("not a draft id")
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        data = json.dumps(draft, ensure_ascii=False).encode("utf-8")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
        # Atomic against a crashed process, not fsynced against power loss: a draft is a
        # convenience, and the submission itself is fsynced by the store before any reference.
        os.replace(temporary, path)

    def delete(self, draft_id: str) -> None:
        path = self._path(draft_id)
        if path is not None:
            path.unlink(missing_ok=True)

    def purge(self, older_than_days: float = DRAFT_DAYS, now: float | None = None) -> int:
        """Delete drafts untouched for the given number of days; return how many."""
        if not self.directory.exists():
            return 0
        cutoff = (now or time.time()) - older_than_days * 86400
        removed = 0
        for path in self.directory.glob("*.json"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        # Files a person added to a draft go with it (``storage.evidence`` holds them there).
        held = self.directory / "files"
        if held.is_dir():
            for folder in held.iterdir():
                if not (self.directory / f"{folder.name}.json").exists():
                    shutil.rmtree(folder, ignore_errors=True)
        return removed
