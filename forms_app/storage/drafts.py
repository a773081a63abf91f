"""Answers in progress, kept on the server between question pages.

Flask's session cookie is signed, not encrypted, so it only carries a random draft id; the
answers live in one small JSON file per draft in the data directory, replaced atomically.

Anyone can start a draft without signing in, so drafts are bounded, or a stranger could fill
the disk the complaints are written to:

- a draft is at most ``MAX_DRAFT_BYTES`` (the caller checks each answer against its field's
  length first; this is the last guard);
- a draft id starts with its owner, a keyed hash of the network it was started from, and the
  draft lives in that owner's folder (``drafts/<owner>/<token>.json``): one owner keeps at most
  ``per_owner`` live drafts, counted by listing that one small folder;
- a draft left unchanged for ``DRAFT_IDLE_HOURS`` is deleted: by ``purge`` (the
  ``feedback purge-drafts`` command, run on a timer), at start-up, and every ``PURGE_EVERY``
  seconds by the process that saves a draft, so a deployment without the timer stays bounded.

A sent draft keeps only its idempotency keys, in ``<token>.sent`` beside where the draft was:
the answers are gone, a second click on Send still finds the reference, and it does not count
against the owner's drafts. Ids from before owners were recorded (``drafts/<id>.json``) are
still read, and purged the same.
"""

from __future__ import annotations

import contextlib
import errno
import hmac
import json
import os
import re
import secrets
import shutil
import time
from pathlib import Path

DRAFT_IDLE_HOURS = 4
DRAFT_IDLE_SECONDS = DRAFT_IDLE_HOURS * 3600
# One journey's answers at every field's longest, in four-byte characters, fit with room over.
MAX_DRAFT_BYTES = 128 * 1024
PER_OWNER = 100
SENT = ".sent"
SENT_BYTES = 4096
PURGE_EVERY = 300

_LEGACY_ID = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
_ID = re.compile(r"^([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$")
_OWNER = re.compile(r"^[0-9a-f]{16}$")
_READ = 1 << 16


class DraftRefused(Exception):
    """The draft was not stored; nothing on disk changed."""


class DraftTooLarge(DraftRefused):
    """The draft is over ``MAX_DRAFT_BYTES``."""


class TooManyDrafts(DraftRefused):
    """The draft's owner already keeps as many live drafts as it may."""


def draft_owner(network: str, secret: str | bytes) -> str:
    """The owner part of a draft id for a network (``accounts.throttle.address_key``): a keyed
    hash, so the data directory never holds an address."""
    key = secret.encode() if isinstance(secret, str) else bytes(secret)
    return hmac.new(key, f"draft\0{network}".encode("utf-8", "replace"), "sha256").hexdigest()[:16]


def new_draft_id(owner: str) -> str:
    if not _OWNER.match(owner):
        raise ValueError("not a draft owner")
    return f"{owner}.{secrets.token_urlsafe(32)}"


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(24)


def limits_from(raw: dict | None) -> dict:
    """The per-owner limit from the settings (``drafts: {per_address: 100}``)."""
    configured = (raw or {}).get("drafts") or {}
    return {"per_owner": int(configured.get("per_address", PER_OWNER))}


class Drafts:
    def __init__(
        self,
        directory: Path,
        *,
        per_owner: int = PER_OWNER,
        max_bytes: int = MAX_DRAFT_BYTES,
        idle_seconds: float = DRAFT_IDLE_SECONDS,
    ):
        self.directory = Path(directory)
        self.per_owner = per_owner
        self.max_bytes = max_bytes
        self.idle_seconds = idle_seconds
        self._next_purge = time.monotonic() + PURGE_EVERY  # start-up has just purged

    def _path(self, draft_id: str | None) -> Path | None:
        # The id comes from a cookie: never let it name a path outside the drafts directory.
        if not draft_id:
            return None
        match = _ID.match(draft_id)
        if match:
            return self.directory / match.group(1) / f"{match.group(2)}.json"
        if _LEGACY_ID.match(draft_id):
            return self.directory / f"{draft_id}.json"
        return None

    def load(self, draft_id: str | None) -> dict:
        path = self._path(draft_id)
        if path is None:
            return {}
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            try:
                fd = os.open(path.with_suffix(SENT), os.O_RDONLY | os.O_CLOEXEC)
            except OSError:
                return {}
        try:
            chunks = []
            while chunk := os.read(fd, _READ):
                chunks.append(chunk)
            loaded = json.loads(b"".join(chunks))
            return loaded if isinstance(loaded, dict) else {}
        except (OSError, ValueError):
            return {}
        finally:
            os.close(fd)

    def save(self, draft_id: str, draft: dict) -> None:
        """Store the draft whole. Raises DraftTooLarge or TooManyDrafts (nothing stored) and
        OSError when the disk cannot take it (a full disk: the earlier version is kept)."""
        path = self._path(draft_id)
        if path is None:
            raise ValueError("not a draft id")
        data = json.dumps(draft, ensure_ascii=False).encode("utf-8")
        if len(data) > self.max_bytes:
            raise DraftTooLarge(f"a draft of {len(data)} bytes is over {self.max_bytes}")
        self.purge_when_due()
        folder = path.parent
        if not path.exists() and folder != self.directory and self._full(folder):
            raise TooManyDrafts("this owner keeps as many drafts as it may")
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        except FileNotFoundError:
            # A purge removed the owner's empty folder between mkdir and here: make it again.
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        except OSError:
            os.close(fd)
            # A full disk leaves a part-written file: never keep it, the last whole draft stays.
            temporary.unlink(missing_ok=True)
            raise
        os.close(fd)
        # Atomic against a crashed process, not fsynced against power loss: a draft is a
        # convenience, and the submission itself is fsynced by the store before any reference.
        os.replace(temporary, path)

    def _full(self, folder: Path) -> bool:
        """Whether the owner's folder already holds ``per_owner`` drafts."""
        try:
            with os.scandir(folder) as entries:
                count = sum(1 for entry in entries if entry.name.endswith(".json"))
        except FileNotFoundError:
            count = 0
        return count >= self.per_owner

    def mark_sent(self, draft_id: str, keys: dict) -> None:
        """Replace the draft by what is left once it is sent: ``keys`` (each journey's
        idempotency key, no answers). The draft's file goes."""
        path = self._path(draft_id)
        if path is None:
            raise ValueError("not a draft id")
        data = json.dumps(keys).encode("utf-8")
        if len(data) > SENT_BYTES:
            raise DraftTooLarge("what is left of a sent draft is only its keys")
        sent = path.with_suffix(SENT)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            if os.write(fd, data) != len(data):
                raise OSError(errno.ENOSPC, "short write")
        except OSError:
            os.close(fd)
            temporary.unlink(missing_ok=True)
            raise
        os.close(fd)
        os.replace(temporary, sent)
        path.unlink(missing_ok=True)

    def delete(self, draft_id: str) -> None:
        path = self._path(draft_id)
        if path is not None:
            path.unlink(missing_ok=True)
            path.with_suffix(SENT).unlink(missing_ok=True)

    def purge_when_due(self) -> int:
        """``purge`` if this process has not purged for ``PURGE_EVERY`` seconds."""
        if time.monotonic() < self._next_purge:
            return 0
        self._next_purge = time.monotonic() + PURGE_EVERY
        try:
            return self.purge()
        except OSError:
            return 0  # a purge that cannot list the folder must not cost the person their page

    def purge(self, idle_seconds: float | None = None, now: float | None = None) -> int:
        """Delete drafts unchanged for ``idle_seconds`` (the idle lifetime unless given), and
        what a crashed save left; return how many drafts went. One pass over the folders."""
        if not self.directory.exists():
            return 0
        cutoff = (now or time.time()) - (
            self.idle_seconds if idle_seconds is None else idle_seconds
        )
        removed = _purge_folder(self.directory, cutoff)
        with os.scandir(self.directory) as entries:
            owners = [e.path for e in entries if _OWNER.match(e.name) and e.is_dir()]
        for owner in owners:
            removed += _purge_folder(Path(owner), cutoff)
            with contextlib.suppress(OSError):
                os.rmdir(owner)  # only when empty; a draft saved meanwhile keeps it
        self._purge_held_files()
        return removed

    def _purge_held_files(self) -> None:
        """Files a person added to a draft (``storage.evidence`` holds them in
        ``files/<draft id>/``) go with the draft: when it is purged, or sent and its files
        attached."""
        held = self.directory / "files"
        if not held.is_dir():
            return
        for folder in held.iterdir():
            found = _ID.match(folder.name)
            draft = (
                self.directory / found.group(1) / f"{found.group(2)}.json"
                if found
                else self.directory / f"{folder.name}.json"
            )
            if not draft.exists():
                shutil.rmtree(folder, ignore_errors=True)


def count_drafts(directory: Path) -> int:
    """How many drafts are kept now (answers in progress, not the keys of sent ones), in the
    top folder and in each network's folder."""
    count = 0
    try:
        entries = list(os.scandir(directory))
    except FileNotFoundError:
        return 0
    for entry in entries:
        if entry.name.endswith(".json"):
            count += 1
        elif _OWNER.match(entry.name) and entry.is_dir():
            with contextlib.suppress(FileNotFoundError), os.scandir(entry.path) as inner:
                count += sum(1 for item in inner if item.name.endswith(".json"))
    return count


def _purge_folder(folder: Path, cutoff: float) -> int:
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return 0
    for entry in entries:
        if not entry.name.endswith((".json", SENT, ".tmp")) or not entry.is_file():
            continue
        try:
            if entry.stat().st_mtime < cutoff:
                os.unlink(entry.path)
                removed += entry.name.endswith(".json")
        except FileNotFoundError:
            continue
    return removed


def open_drafts(directory: Path, url: str = "", **limits) -> Drafts:
    """The drafts for this installation: files in ``directory``, or rows in the database at
    ``url`` (``store_url``: then every app server on that database sees every draft)."""
    if url:
        # Imported only when chosen: the files engine needs no database client.
        from .postgres.drafts import PostgresDrafts

        return PostgresDrafts(url, directory, **limits)
    return Drafts(directory, **limits)
