"""One-time offers of a questionnaire that name nobody: the way in to equality monitoring.

The satisfaction survey's invitations name the case they were made for (``store``), because
each case may answer once and the tracking page gives a new link to that case. Questions about
who a person is must not be tied to their feedback at all, so their offer is kept in a table of
its own in the same file, ``offers``, holding only:

- the keyed hash of the link's random token (the token itself is never kept),
- the questionnaire's key,
- the UK day the link stops working (a day, never a moment: a moment would match the offer to
  the time the feedback came in).

No reference, no draft, no session. Answering (``answer``) or skipping (``withdraw``) removes
the offer in the same transaction that keeps the answers, so a link works once and a used one
leaves no row behind that could say who answered; the responses table (``store``) keeps the
month only, with no row order. The write-ahead log is then folded into the file, so the order
in which rows were written, which could pair an answer with its offer, is not kept there
either. Offers that ran out go when the next one is made.
"""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from forms_app.procedures.profiles import local_date
from forms_app.storage.sqlite_files import Transaction

from .store import OK, TOKEN, UNKNOWN, Answers

#: How long an offered link works: whole UK days after the day it was made.
OFFER_DAYS = 30

_SCHEMA = """
CREATE TABLE IF NOT EXISTS offers (
    token_hash TEXT PRIMARY KEY,
    questionnaire TEXT NOT NULL,
    last_day TEXT NOT NULL
) WITHOUT ROWID;
"""


def _day(moment: float) -> str:
    return local_date(datetime.fromtimestamp(moment, UTC)).isoformat()


class Offers(Answers):
    """The answers file with its table of offers that name nobody. ``key`` is the app's secret
    key (the tokens' hashes are keyed with it). The table is made with the first offer, so
    checking a link never changes the file."""

    def __init__(self, data_dir: Path, key: str | bytes):
        super().__init__(data_dir, key)

    def _has_offers(self) -> bool:
        found = self.db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'offers'"
        ).fetchone()
        return found is not None

    def make_table(self) -> None:
        """Make the table of offers if it is not there yet (the first offer, or a copy)."""
        self.db.executescript(_SCHEMA)

    def make(self, questionnaire: str, now: float | None = None) -> str:
        """A new link's token for ``questionnaire``; offers that ran out are removed."""
        now = time.time() if now is None else now
        token = secrets.token_urlsafe(24)
        today = _day(now)
        last = (datetime.fromisoformat(today).date() + timedelta(days=OFFER_DAYS)).isoformat()
        self.make_table()
        with Transaction(self.db):
            self.db.execute("DELETE FROM offers WHERE last_day < ?", (today,))
            self.db.execute(
                "INSERT INTO offers (token_hash, questionnaire, last_day) VALUES (?, ?, ?)",
                (self.hashed(token), questionnaire, last),
            )
        return token

    def is_open(self, token: str, questionnaire: str, now: float | None = None) -> bool:
        """Whether ``token`` is a working offer of ``questionnaire``."""
        if not isinstance(token, str) or not TOKEN.match(token) or not self._has_offers():
            return False
        now = time.time() if now is None else now
        row = self.db.execute(
            "SELECT last_day FROM offers WHERE token_hash = ? AND questionnaire = ?",
            (self.hashed(token), questionnaire),
        ).fetchone()
        return row is not None and row[0] >= _day(now)

    def answer_offer(
        self,
        token: str,
        questionnaire: str,
        version: int,
        answers: dict[str, str] | None,
        now: float | None = None,
    ) -> str:
        """Use the offer: keep ``answers`` (None: skipped, nothing kept) and remove the offer,
        in one transaction. OK, or UNKNOWN when the link was used, ran out or never was."""
        now = time.time() if now is None else now
        if not isinstance(token, str) or not TOKEN.match(token) or not self._has_offers():
            return UNKNOWN
        self.db.execute("PRAGMA secure_delete = ON")
        with Transaction(self.db):
            removed = self.db.execute(
                "DELETE FROM offers WHERE token_hash = ? AND questionnaire = ? AND last_day >= ?",
                (self.hashed(token), questionnaire, _day(now)),
            ).rowcount
            if removed != 1:
                return UNKNOWN
            if answers is not None:
                self.keep(questionnaire, version, answers, now)
        # Best effort: a reader holding the log open only delays this to the next answer.
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return OK

    def withdraw(self, token: str, questionnaire: str, now: float | None = None) -> str:
        """Skip: the offer goes and nothing is kept."""
        return self.answer_offer(token, questionnaire, 0, None, now)
