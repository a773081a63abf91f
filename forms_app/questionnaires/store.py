"""Where questionnaire answers are kept, apart from everything that says who gave them:
``<data_dir>/questionnaires/answers.sqlite3``, two tables that never point at each other.

- **invitations**: one row per case and questionnaire: the case's reference, a keyed hash
  (HMAC with the app's secret key) of a random token sent in a link, the month it was made,
  when it runs out and whether it has been used. The token itself is never kept: a link that
  is lost can only be replaced (``reissue``), never shown again. Nothing in this table says
  which answers came from it.
- **responses**: one row per questionnaire answered: a random id, the questionnaire and its
  version, the month (never a finer date) and the answers as JSON (question keys to choice
  keys, and any free text). No reference, no name, no token. The table has no row numbers
  (``WITHOUT ROWID``, ordered by the random id), so the order rows were written in, which
  would match them to the invitations used, is not kept either.

Using an invitation and storing the answers happen in one transaction: a link answers once, and
a crash leaves either both or neither. SQLite (WAL, ``synchronous=FULL``: a committed row
survives a power cut). Retention removes answers by their month (``remove_before``); the
invitations name references, so retention, subject access and erasure reach them (``for_refs``,
``forget``), while answers cannot be found by person: they are anonymous.

With a shared database (``store_url``), ``Answers(data_dir, key)`` (and ``offers.Offers``) give
the classes of ``database_store`` instead: the same methods and rules with the rows in that
database, so a link made through one app server is answered through another.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path

from forms_app.procedures.profiles import local_date
from forms_app.storage.shared_database import database_for
from forms_app.storage.sqlite_files import Transaction, open_durable

#: How long a link works from when it was made.
INVITATION_DAYS = 90
#: A token as it appears in a link: 24 random bytes, URL-safe base64.
TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")

OK, USED, UNKNOWN, EXPIRED = "ok", "used", "unknown", "expired"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS invitations (
    questionnaire TEXT NOT NULL,
    ref TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    made_month TEXT NOT NULL,
    expires REAL NOT NULL,
    used INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (questionnaire, ref)
);
CREATE TABLE IF NOT EXISTS responses (
    id TEXT PRIMARY KEY,
    questionnaire TEXT NOT NULL,
    version INTEGER NOT NULL,
    month TEXT NOT NULL,
    answers TEXT NOT NULL
) WITHOUT ROWID;
"""


def answers_path(data_dir: Path) -> Path:
    return Path(data_dir) / "questionnaires" / "answers.sqlite3"


def invitation_state(row: tuple | None, now: float) -> tuple[str, str]:
    """What an invitation's row (questionnaire, expires, used), or None, says at ``now``:
    (OK, USED, UNKNOWN or EXPIRED; the questionnaire's key, "" when UNKNOWN)."""
    if row is None:
        return UNKNOWN, ""
    questionnaire, expires, used = row
    if used:
        return USED, questionnaire
    return (EXPIRED if now > expires else OK), questionnaire


def month_of(moment: float) -> str:
    """``YYYY-MM``: the UK month of a moment (seconds since the epoch)."""
    return local_date(datetime.fromtimestamp(moment, UTC)).strftime("%Y-%m")


class Answers:
    """The invitations and answers of one data directory. ``key`` keys the tokens' hashes (it
    may be empty for work that never sees a token: retention, subject access, erasure)."""

    #: True for the classes that keep their rows in the shared database.
    in_database = False

    def __new__(cls, *args, **kwargs):
        data_dir = args[0] if args else kwargs["data_dir"]
        if not cls.in_database and database_for(data_dir):
            from .database_store import in_database

            return super().__new__(in_database(cls))
        return super().__new__(cls)

    def __init__(self, data_dir: Path, key: str | bytes = b""):
        self.path = answers_path(data_dir)
        self.key = key.encode() if isinstance(key, str) else bytes(key)
        self.db = open_durable(self.path, _SCHEMA)

    @classmethod
    def existing(cls, data_dir: Path, key: str | bytes = b"") -> Answers | None:
        """The store if its file exists or the data directory uses a database, else None
        (reading never makes the file)."""
        held = answers_path(data_dir).exists() or database_for(data_dir)
        return cls(data_dir, key) if held else None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Answers:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def hashed(self, token: str) -> str:
        """The keyed hash of ``token`` that is kept in its place."""
        if not self.key:
            raise ValueError("tokens need the app's secret key")
        return hmac.new(self.key, token.encode(), hashlib.sha256).hexdigest()

    # -- invitations ------------------------------------------------------------------------

    def invite(self, questionnaire: str, ref: str, now: float | None = None) -> str | None:
        """A new link's token for ``ref``, or None if the case has been invited already (each
        case is invited once; a lost link is replaced with ``reissue``)."""
        now = time.time() if now is None else now
        token = secrets.token_urlsafe(24)
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO invitations "
            "(questionnaire, ref, token_hash, made_month, expires, used) VALUES (?, ?, ?, ?, ?, 0)",
            (questionnaire, ref, self.hashed(token), month_of(now), now + INVITATION_DAYS * 86400),
        )
        return token if cursor.rowcount == 1 else None

    def reissue(self, questionnaire: str, ref: str, now: float | None = None) -> str | None:
        """A new token for ``ref`` replacing any earlier one (which stops working), or None
        when the case has answered already."""
        now = time.time() if now is None else now
        token = secrets.token_urlsafe(24)
        with Transaction(self.db):
            row = self.db.execute(
                "SELECT used FROM invitations WHERE questionnaire = ? AND ref = ?",
                (questionnaire, ref),
            ).fetchone()
            if row is not None and row[0]:
                return None
            self.db.execute(
                "INSERT OR REPLACE INTO invitations "
                "(questionnaire, ref, token_hash, made_month, expires, used) "
                "VALUES (?, ?, ?, ?, ?, 0)",
                (
                    questionnaire,
                    ref,
                    self.hashed(token),
                    month_of(now),
                    now + INVITATION_DAYS * 86400,
                ),
            )
        return token

    def answered(self, questionnaire: str, ref: str) -> bool:
        row = self.db.execute(
            "SELECT used FROM invitations WHERE questionnaire = ? AND ref = ?",
            (questionnaire, ref),
        ).fetchone()
        return bool(row and row[0])

    def check(self, token: str, now: float | None = None) -> tuple[str, str]:
        """(OK, USED, UNKNOWN or EXPIRED; the questionnaire's key, "" when UNKNOWN)."""
        if not isinstance(token, str) or not TOKEN.match(token):
            return UNKNOWN, ""
        now = time.time() if now is None else now
        row = self.db.execute(
            "SELECT questionnaire, expires, used FROM invitations WHERE token_hash = ?",
            (self.hashed(token),),
        ).fetchone()
        return invitation_state(row, now)

    # -- answering ---------------------------------------------------------------------------

    def answer(
        self,
        token: str,
        questionnaire: str,
        version: int,
        answers: dict[str, str],
        now: float | None = None,
    ) -> str:
        """Use the invitation and keep the answers, in one transaction. Returns OK, or why not
        (USED, UNKNOWN, EXPIRED: nothing is kept)."""
        now = time.time() if now is None else now
        if not isinstance(token, str) or not TOKEN.match(token):
            return UNKNOWN
        hashed = self.hashed(token)
        with Transaction(self.db):
            row = self.db.execute(
                "SELECT expires, used FROM invitations WHERE token_hash = ? AND questionnaire = ?",
                (hashed, questionnaire),
            ).fetchone()
            if row is None:
                return UNKNOWN
            if row[1]:
                return USED
            if now > row[0]:
                return EXPIRED
            self.db.execute("UPDATE invitations SET used = 1 WHERE token_hash = ?", (hashed,))
            self.keep(questionnaire, version, answers, now)
        return OK

    def keep(self, questionnaire: str, version: int, answers: dict[str, str], now: float) -> None:
        """Write one response (inside the caller's transaction): a random id, the month only."""
        self.db.execute(
            "INSERT INTO responses (id, questionnaire, version, month, answers) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                secrets.token_hex(16),
                questionnaire,
                version,
                month_of(now),
                json.dumps(answers, ensure_ascii=False, sort_keys=True),
            ),
        )

    def responses(self, questionnaire: str) -> list[tuple[str, dict[str, str]]]:
        """(month, answers) of every response to ``questionnaire``, in no meaningful order."""
        rows = self.db.execute(
            "SELECT month, answers FROM responses WHERE questionnaire = ?", (questionnaire,)
        )
        return [(month, json.loads(answers)) for month, answers in rows]

    # -- retention, subject access, erasure ---------------------------------------------------

    def remove_before(self, month: str) -> int:
        """Remove the answers given before ``month`` (``YYYY-MM``), leaving no copy behind."""
        return self._remove("DELETE FROM responses WHERE month < ?", [(month,)])

    def for_refs(self, refs: list[str]) -> dict[str, list[dict]]:
        """What is held about each case (never a hash): which questionnaires it was invited to,
        in what month, and whether the invitation was used. The answers cannot be told apart
        from anyone else's."""
        found: dict[str, list[dict]] = {}
        for ref in refs:
            rows = self.db.execute(
                "SELECT questionnaire, made_month, used FROM invitations WHERE ref = ?", (ref,)
            ).fetchall()
            if rows:
                found[ref] = [
                    {"questionnaire": q, "invited_in": month, "answered": bool(used)}
                    for q, month, used in rows
                ]
        return found

    def forget(self, refs: list[str]) -> int:
        """Remove the invitations of these cases, leaving no copy in the file, its log or its
        free pages. Returns how many rows went."""
        return self._remove("DELETE FROM invitations WHERE ref = ?", [(r,) for r in refs])

    def _remove(self, statement: str, params: list[tuple]) -> int:
        self.db.execute("PRAGMA secure_delete = ON")
        before = self.db.total_changes
        with Transaction(self.db):
            self.db.executemany(statement, params)
        removed = self.db.total_changes - before
        if removed:
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self.db.execute("VACUUM")
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return removed
