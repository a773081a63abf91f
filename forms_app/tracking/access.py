"""Who may see a case on the tracking page: one-time codes and tracking secrets, kept in
``<data_dir>/tracking/access.sqlite3``.

- A **tracking secret** is made when feedback is sent online and shown once, on the
  confirmation page: twenty random symbols of 22 (89 bits), so a plain SHA-256 of it with a
  salt of its own is as strong as any slow hash (slow hashes are for guessable passwords).
  Only the salt and the hash are kept.
- A **one-time code** is six digits, sent to the email address or mobile number the person
  gave. It works once, for ``CODE_MINUTES`` minutes, and at most ``MAX_TRIES`` wrong tries
  (codes or secrets) are allowed before it stops working and a new one must be asked for. It
  is kept as a keyed hash (HMAC with the app's secret key): six digits are too few to hide
  behind a plain hash.

A code row is made for **every** reference someone asks about, whether or not it is a case:
the row of a reference that is not ours holds a code nobody was sent. So asking, trying and
being locked out go the same way for a reference that exists and one that does not, and the
page never tells which it is.

SQLite (WAL, ``synchronous=FULL``: a committed row survives a power cut). The file names
references, so retention, subject access and erasure reach it (``for_refs``, ``forget``).

With a shared database (``store_url``), ``Access(data_dir, key)`` gives
``database_access.DatabaseAccess`` instead: the same methods and rules with the rows in that
database, so a code asked for through one app server works through another.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from forms_app.storage.references import ALPHABET
from forms_app.storage.shared_database import database_for
from forms_app.storage.sqlite_files import open_durable

CODE_MINUTES = 10
MAX_TRIES = 5
#: Code rows of references that are not cases, and spent codes, go after a day.
KEEP_CODES_SECONDS = 24 * 3600
#: Symbols of a tracking secret: those of references, with no look-alikes (0/O, 1/I/L, 5/S...).
SECRET_ALPHABET = ALPHABET
SECRET_GROUPS = 4
SECRET_GROUP_LENGTH = 5

OK, WRONG, EXPIRED, LOCKED = "ok", "wrong", "expired", "locked"
#: What a try changes in its code's row: nothing, the code spent, or one more try counted.
KEEP, SPEND, COUNT = "", "spend", "count"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS secrets (
    ref TEXT PRIMARY KEY,
    salt TEXT NOT NULL,
    hash TEXT NOT NULL,
    made_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS codes (
    ref TEXT PRIMARY KEY,
    hash TEXT NOT NULL,
    expires REAL NOT NULL,
    tries INTEGER NOT NULL DEFAULT 0,
    used INTEGER NOT NULL DEFAULT 0,
    made_at REAL NOT NULL
);
"""


def access_path(data_dir: Path) -> Path:
    return Path(data_dir) / "tracking" / "access.sqlite3"


def new_secret() -> str:
    """A tracking secret such as ``K7RMX-3QXHA-...``: four groups of five symbols."""
    symbols = "".join(
        secrets.choice(SECRET_ALPHABET) for _ in range(SECRET_GROUPS * SECRET_GROUP_LENGTH)
    )
    size = SECRET_GROUP_LENGTH
    return "-".join(symbols[i : i + size] for i in range(0, len(symbols), size))


def normalise_secret(text: str) -> str:
    """A secret as typed: case, spaces and hyphens do not matter."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def _secret_hash(salt: str, secret: str) -> str:
    return hashlib.sha256(f"{salt}\0{normalise_secret(secret)}".encode()).hexdigest()


def _matches(row, secret: str) -> bool:
    """Whether ``secret`` is the one whose (salt, hash) is ``row`` (None: the case has none)."""
    # A reference with no secret is checked against a made-up one, the same work either way.
    salt, kept = row or ("0" * 32, "0" * 64)
    return hmac.compare_digest(_secret_hash(salt, secret), kept) and row is not None


@dataclass(frozen=True)
class Attempt:
    """The result of trying a code or secret: ``outcome`` is OK, WRONG, EXPIRED or LOCKED."""

    outcome: str
    tries_left: int = 0


def access_exists(data_dir: Path) -> bool:
    """Whether anything may be held: the file exists, or the data directory uses a database."""
    return access_path(data_dir).exists() or bool(database_for(data_dir))


class Access:
    """The codes and secrets of one data directory. ``key`` keys the codes' hashes."""

    def __new__(cls, *args, **kwargs):
        data_dir = args[0] if args else kwargs["data_dir"]
        if cls is Access and database_for(data_dir):
            from .database_access import DatabaseAccess

            return super().__new__(DatabaseAccess)
        return super().__new__(cls)

    def __init__(self, data_dir: Path, key: str | bytes):
        self.path = access_path(data_dir)
        self.key = key.encode() if isinstance(key, str) else bytes(key)
        self.db = open_durable(self.path, _SCHEMA)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Access:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def _code_hash(self, ref: str, code: str) -> str:
        return hmac.new(self.key, f"{ref}\0{code}".encode(), hashlib.sha256).hexdigest()

    # -- tracking secrets ---------------------------------------------------------------------

    def make_secret(self, ref: str) -> str | None:
        """A new secret for ``ref``, or None if the case has one already (it is shown once)."""
        secret, salt = new_secret(), secrets.token_hex(16)
        self.db.execute("BEGIN IMMEDIATE")
        try:
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO secrets (ref, salt, hash, made_at) VALUES (?, ?, ?, ?)",
                (ref, salt, _secret_hash(salt, secret), time.time()),
            )
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return secret if cursor.rowcount == 1 else None

    def _secret_matches(self, ref: str, secret: str) -> bool:
        row = self.db.execute("SELECT salt, hash FROM secrets WHERE ref = ?", (ref,)).fetchone()
        return _matches(row, secret)

    # -- one-time codes -----------------------------------------------------------------------

    def make_code(self, ref: str, now: float | None = None) -> str:
        """A new code for ``ref``, replacing any earlier one (with its tries)."""
        now = time.time() if now is None else now
        code = f"{secrets.randbelow(10**6):06d}"
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.execute(
                "INSERT OR REPLACE INTO codes (ref, hash, expires, tries, used, made_at) "
                "VALUES (?, ?, ?, 0, 0, ?)",
                (ref, self._code_hash(ref, code), now + CODE_MINUTES * 60, now),
            )
            self.db.execute(
                "DELETE FROM codes WHERE made_at < ? AND ref != ?", (now - KEEP_CODES_SECONDS, ref)
            )
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return code

    def attempt(self, ref: str, typed: str, now: float | None = None) -> Attempt:
        """Try a code or a tracking secret for ``ref``. Every try counts against the code asked
        for last; a right code is spent, a right secret leaves the code as it was."""
        now = time.time() if now is None else now
        typed = (typed or "").strip()
        self.db.execute("BEGIN IMMEDIATE")
        try:
            row = self.db.execute(
                "SELECT hash, expires, tries, used FROM codes WHERE ref = ?", (ref,)
            ).fetchone()
            result = self._attempt(ref, typed, row, now)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return result

    def _attempt(self, ref: str, typed: str, row, now: float) -> Attempt:
        result, change = self._judge(ref, typed, row, now)
        if change == SPEND:
            self.db.execute("UPDATE codes SET used = 1 WHERE ref = ?", (ref,))
        elif change == COUNT:
            self.db.execute("UPDATE codes SET tries = tries + 1 WHERE ref = ?", (ref,))
        return result

    def _judge(self, ref: str, typed: str, row, now: float) -> tuple[Attempt, str]:
        """The outcome of a try against the code row ``row`` (hash, expires, tries, used; None
        when no code was asked for), and what it changes in that row (KEEP, SPEND, COUNT).
        The caller holds the row's lock, so no other try can count in between."""
        if row is None:
            return Attempt(EXPIRED), KEEP  # nothing asked for: ask for a code first
        kept, expires, tries, used = row
        if tries >= MAX_TRIES:
            return Attempt(LOCKED), KEEP
        is_code = typed.isdigit() and len(typed) == 6
        if is_code:
            right = hmac.compare_digest(self._code_hash(ref, typed), kept)
            if right and not used and now <= expires:
                return Attempt(OK), SPEND
            if right:
                return Attempt(EXPIRED), KEEP
        elif typed and self._secret_matches(ref, typed):
            return Attempt(OK), KEEP
        left = MAX_TRIES - tries - 1
        return (Attempt(LOCKED) if left <= 0 else Attempt(WRONG, left)), COUNT

    # -- retention, subject access, erasure ------------------------------------------------------

    def for_refs(self, refs: list[str]) -> dict[str, dict]:
        """What is held about each case (never a hash): whether it has a secret, when made, and
        whether a code is waiting."""
        found: dict[str, dict] = {}
        for ref in refs:
            secret = self.db.execute("SELECT made_at FROM secrets WHERE ref = ?", (ref,)).fetchone()
            code = self.db.execute(
                "SELECT made_at, expires, used FROM codes WHERE ref = ?", (ref,)
            ).fetchone()
            if secret or code:
                found[ref] = {
                    "tracking_secret_made_at": secret[0] if secret else None,
                    "code_asked_at": code[0] if code else None,
                    "code_used": bool(code[2]) if code else None,
                }
        return found

    def forget(self, refs: list[str]) -> int:
        """Remove everything held about these cases, leaving no copy in the file, its log or
        its free pages. Returns how many rows went."""
        self.db.execute("PRAGMA secure_delete = ON")
        self.db.execute("BEGIN IMMEDIATE")
        before = self.db.total_changes
        try:
            for table in ("secrets", "codes"):
                self.db.executemany(f"DELETE FROM {table} WHERE ref = ?", [(r,) for r in refs])
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        removed = self.db.total_changes - before
        if removed:
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self.db.execute("VACUUM")
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return removed
