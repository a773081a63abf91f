"""Questionnaire invitations, offers and answers in the shared database, for app servers that
share one (``store_url``).

The same tables, keyed hashes and rules as the SQLite file (``store``, ``offers``), so a caller
that opens ``Answers(data_dir, key)`` or ``Offers(data_dir, key)`` cannot tell which it got:
they give these classes when their data directory was told to use a database (at start-up).
Using an invitation or an offer and keeping the answers are one transaction, and a link is
used by one statement whose row count says whether it was still unused, so of two app servers
answering through one link at the same moment exactly one keeps answers.

Answers stay apart from who gave them. No column points from one table to the other, and
PostgreSQL adds two links of its own that the answers must not keep:

- every row carries the id of the transaction that wrote it (the hidden ``xmin`` column), and
  the answers are written in the transaction that marks the invitation (which names the case)
  used;
- a table's rows lie in the order they were written, as the invitations are used.

So once the answers are committed, a second transaction (``_mix``) rewrites every answer of
that month in the order of their random ids, and the space of the old copies is vacuumed:
each answer then carries the id of a transaction that wrote none of the invitations, and lies
among the month's others in no order that says when it came. ``responses`` reads them in the
order of their random ids too. The database's own write-ahead log keeps the first transaction
until it is recycled after a checkpoint; only someone with the server's files could read it.
"""

from __future__ import annotations

import json
import secrets
import time
from datetime import datetime, timedelta
from pathlib import Path

from forms_app.storage.postgres.small_tables import SmallTable
from forms_app.storage.shared_database import database_for

from .offers import OFFER_DAYS, Offers, _day
from .store import (
    EXPIRED,
    INVITATION_DAYS,
    OK,
    TOKEN,
    UNKNOWN,
    USED,
    Answers,
    invitation_state,
    month_of,
)

INVITATIONS = "feedback_questionnaire_invitations"
RESPONSES = "feedback_questionnaire_responses"
OFFERS = "feedback_questionnaire_offers"


class QuestionnaireTables(SmallTable):
    name = "feedback_questionnaires"
    statements = (
        f"""CREATE TABLE IF NOT EXISTS {INVITATIONS} (
            questionnaire text NOT NULL,
            ref text NOT NULL,
            token_hash text NOT NULL UNIQUE,
            made_month text NOT NULL,
            expires double precision NOT NULL,
            used boolean NOT NULL DEFAULT false,
            PRIMARY KEY (questionnaire, ref))""",
        f"CREATE INDEX IF NOT EXISTS {INVITATIONS}_ref ON {INVITATIONS} (ref)",
        f"""CREATE TABLE IF NOT EXISTS {RESPONSES} (
            id text PRIMARY KEY,
            questionnaire text NOT NULL,
            version integer NOT NULL,
            month text NOT NULL,
            answers text NOT NULL)""",
        f"CREATE INDEX IF NOT EXISTS {RESPONSES}_month ON {RESPONSES} (month)",
        f"""CREATE TABLE IF NOT EXISTS {OFFERS} (
            token_hash text PRIMARY KEY,
            questionnaire text NOT NULL,
            last_day text NOT NULL)""",
    )


def in_database(cls: type) -> type:
    """The class that keeps in the database what ``cls`` keeps in the file."""
    return DatabaseOffers if issubclass(cls, Offers) else DatabaseAnswers


class DatabaseAnswers(Answers):
    """``Answers`` with its rows in the database the data directory uses (or at ``url``)."""

    in_database = True

    def __init__(self, data_dir: Path, key: str | bytes = b"", url: str | None = None):
        self.key = key.encode() if isinstance(key, str) else bytes(key)
        self.table = QuestionnaireTables(url or database_for(data_dir))

    def close(self) -> None:
        """Nothing to close: the process's connections stay open for the next call."""

    # -- invitations ------------------------------------------------------------------------

    def invite(self, questionnaire: str, ref: str, now: float | None = None) -> str | None:
        now = time.time() if now is None else now
        token = secrets.token_urlsafe(24)
        made = self.table.change(
            f"INSERT INTO {INVITATIONS} (questionnaire, ref, token_hash, made_month, expires, "
            "used) VALUES (%s, %s, %s, %s, %s, false) ON CONFLICT DO NOTHING",
            (questionnaire, ref, self.hashed(token), month_of(now), now + INVITATION_DAYS * 86400),
        )
        return token if made == 1 else None

    def reissue(self, questionnaire: str, ref: str, now: float | None = None) -> str | None:
        now = time.time() if now is None else now
        token = secrets.token_urlsafe(24)
        # One statement: an invitation used meanwhile is left as it is (no row changes).
        made = self.table.change(
            f"INSERT INTO {INVITATIONS} AS kept (questionnaire, ref, token_hash, made_month, "
            "expires, used) VALUES (%s, %s, %s, %s, %s, false) "
            "ON CONFLICT (questionnaire, ref) DO UPDATE SET token_hash = EXCLUDED.token_hash, "
            "made_month = EXCLUDED.made_month, expires = EXCLUDED.expires WHERE NOT kept.used",
            (questionnaire, ref, self.hashed(token), month_of(now), now + INVITATION_DAYS * 86400),
        )
        return token if made == 1 else None

    def answered(self, questionnaire: str, ref: str) -> bool:
        rows = self.table.rows(
            f"SELECT used FROM {INVITATIONS} WHERE questionnaire = %s AND ref = %s",
            (questionnaire, ref),
        )
        return bool(rows and rows[0][0])

    def check(self, token: str, now: float | None = None) -> tuple[str, str]:
        if not isinstance(token, str) or not TOKEN.match(token):
            return UNKNOWN, ""
        now = time.time() if now is None else now
        rows = self.table.rows(
            f"SELECT questionnaire, expires, used FROM {INVITATIONS} WHERE token_hash = %s",
            (self.hashed(token),),
        )
        return invitation_state(rows[0] if rows else None, now)

    # -- answering ---------------------------------------------------------------------------

    def answer(
        self,
        token: str,
        questionnaire: str,
        version: int,
        answers: dict[str, str],
        now: float | None = None,
    ) -> str:
        now = time.time() if now is None else now
        if not isinstance(token, str) or not TOKEN.match(token):
            return UNKNOWN
        hashed = self.hashed(token)
        with self.table.durable() as connection:
            used = connection.execute(
                f"UPDATE {INVITATIONS} SET used = true WHERE token_hash = %s "
                "AND questionnaire = %s AND NOT used AND %s <= expires",
                (hashed, questionnaire, now),
            ).rowcount
            if used != 1:
                row = connection.execute(
                    f"SELECT used FROM {INVITATIONS} WHERE token_hash = %s AND questionnaire = %s",
                    (hashed, questionnaire),
                ).fetchone()
                return UNKNOWN if row is None else USED if row[0] else EXPIRED
            _keep(connection, questionnaire, version, answers, now)
        self._mix(month_of(now))
        return OK

    def keep(self, questionnaire: str, version: int, answers: dict[str, str], now: float) -> None:
        with self.table.durable() as connection:
            _keep(connection, questionnaire, version, answers, now)
        self._mix(month_of(now))

    def _mix(self, month: str) -> None:
        """Rewrite the month's answers in the order of their random ids, in a transaction of
        their own, and vacuum away the copies written with the invitations (see the module's
        words). Best effort: answers already kept are never at risk here, and the next answer
        of the month mixes them again."""
        try:
            with self.table.durable() as connection:
                rows = connection.execute(
                    f"DELETE FROM {RESPONSES} WHERE month = %s "
                    "RETURNING id, questionnaire, version, month, answers",
                    (month,),
                ).fetchall()
                with connection.cursor() as cursor:
                    cursor.executemany(
                        f"INSERT INTO {RESPONSES} (id, questionnaire, version, month, answers) "
                        "VALUES (%s, %s, %s, %s, %s)",
                        sorted(rows),
                    )
        except OSError:
            return
        self.table.vacuum(RESPONSES)

    def responses(self, questionnaire: str) -> list[tuple[str, dict[str, str]]]:
        return [
            (month, json.loads(answers))
            for month, answers in self.table.rows(
                f"SELECT month, answers FROM {RESPONSES} WHERE questionnaire = %s ORDER BY id",
                (questionnaire,),
            )
        ]

    # -- retention, subject access, erasure ---------------------------------------------------

    def remove_before(self, month: str) -> int:
        return self._remove(f"DELETE FROM {RESPONSES} WHERE month < %s", (month,), RESPONSES)

    def for_refs(self, refs: list[str]) -> dict[str, list[dict]]:
        found: dict[str, list[dict]] = {}
        for ref, questionnaire, month, used in self.table.rows(
            f"SELECT ref, questionnaire, made_month, used FROM {INVITATIONS} "
            "WHERE ref = ANY(%s) ORDER BY questionnaire",
            (list(refs),),
        ):
            found.setdefault(ref, []).append(
                {"questionnaire": questionnaire, "invited_in": month, "answered": bool(used)}
            )
        return found

    def forget(self, refs: list[str]) -> int:
        return self._remove(
            f"DELETE FROM {INVITATIONS} WHERE ref = ANY(%s)", (list(refs),), INVITATIONS
        )

    def _remove(self, statement: str, params: tuple, table: str) -> int:
        removed = self.table.change(statement, params)
        if removed:
            self.table.vacuum(table)
        return removed


class DatabaseOffers(DatabaseAnswers, Offers):
    """``Offers`` with its rows in the database the data directory uses."""

    def make(self, questionnaire: str, now: float | None = None) -> str:
        now = time.time() if now is None else now
        token = secrets.token_urlsafe(24)
        today = _day(now)
        last = (datetime.fromisoformat(today).date() + timedelta(days=OFFER_DAYS)).isoformat()
        with self.table.durable() as connection:
            connection.execute(f"DELETE FROM {OFFERS} WHERE last_day < %s", (today,))
            connection.execute(
                f"INSERT INTO {OFFERS} (token_hash, questionnaire, last_day) VALUES (%s, %s, %s)",
                (self.hashed(token), questionnaire, last),
            )
        return token

    def is_open(self, token: str, questionnaire: str, now: float | None = None) -> bool:
        if not isinstance(token, str) or not TOKEN.match(token):
            return False
        now = time.time() if now is None else now
        rows = self.table.rows(
            f"SELECT last_day FROM {OFFERS} WHERE token_hash = %s AND questionnaire = %s",
            (self.hashed(token), questionnaire),
        )
        return bool(rows) and rows[0][0] >= _day(now)

    def answer_offer(
        self,
        token: str,
        questionnaire: str,
        version: int,
        answers: dict[str, str] | None,
        now: float | None = None,
    ) -> str:
        now = time.time() if now is None else now
        if not isinstance(token, str) or not TOKEN.match(token):
            return UNKNOWN
        with self.table.durable() as connection:
            removed = connection.execute(
                f"DELETE FROM {OFFERS} WHERE token_hash = %s AND questionnaire = %s "
                "AND last_day >= %s",
                (self.hashed(token), questionnaire, _day(now)),
            ).rowcount
            if removed != 1:
                return UNKNOWN
            if answers is not None:
                _keep(connection, questionnaire, version, answers, now)
        if answers is not None:
            self._mix(month_of(now))
        self.table.vacuum(OFFERS)
        return OK


def _keep(connection, questionnaire: str, version: int, answers: dict, now: float) -> None:
    """Write one response inside the caller's transaction: a random id, the month only."""
    connection.execute(
        f"INSERT INTO {RESPONSES} (id, questionnaire, version, month, answers) "
        "VALUES (%s, %s, %s, %s, %s)",
        (
            secrets.token_hex(16),
            questionnaire,
            version,
            month_of(now),
            json.dumps(answers, ensure_ascii=False, sort_keys=True),
        ),
    )
