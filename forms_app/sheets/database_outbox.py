"""The sheet sync's outbox in the shared database, for an installation with one (``store_url``).

The same items, states and methods as the SQLite file (``outbox``): ``Outbox(path)`` gives this
one when its data directory was told to use a database (``storage.shared_database``, at
start-up), so the sync worker can run on any machine that reaches the database and pick up
where another left off. Every change commits durably (``synchronous_commit`` on), as the file
syncs every commit; ``position`` keeps the order items were queued in, as SQLite's ``rowid``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import psycopg

from forms_app.storage.postgres.shared import SharedTable
from forms_app.storage.shared_database import database_for

from .outbox import MAYBE, PENDING, WAITING_TABS, Outbox

ITEMS = "feedback_sheet_items"
SEEN = "feedback_sheet_seen"
REPORTED = "feedback_sheet_reported"
META = "feedback_sheet_meta"


class SheetTables(SharedTable):
    name = ITEMS
    statements = (
        f"""CREATE TABLE IF NOT EXISTS {ITEMS} (
            position bigserial UNIQUE,
            tab text NOT NULL,
            key text NOT NULL,
            state text NOT NULL CHECK (state IN ('pending', 'maybe', 'sent')),
            batch text,
            queued_at double precision NOT NULL,
            sent_at double precision,
            payload text,
            PRIMARY KEY (tab, key))""",
        f"CREATE INDEX IF NOT EXISTS {ITEMS}_waiting ON {ITEMS} (tab, state, queued_at)",
        f"CREATE INDEX IF NOT EXISTS {ITEMS}_key ON {ITEMS} (key)",
        f"CREATE TABLE IF NOT EXISTS {SEEN} (ref text PRIMARY KEY, editable text NOT NULL)",
        f"""CREATE TABLE IF NOT EXISTS {REPORTED} (
            ref text NOT NULL, col text NOT NULL, value text NOT NULL, problem text NOT NULL,
            PRIMARY KEY (ref, col))""",
        f"CREATE TABLE IF NOT EXISTS {META} (key text PRIMARY KEY, value text NOT NULL)",
    )


def _problem_of(ref: str) -> str:
    """The LIKE pattern of a Problems payload about ``ref`` (as the file's ``forget`` has it)."""
    return f'%"ref": {json.dumps(ref)}%'


class DatabaseOutbox(Outbox):
    """``sheets.outbox.Outbox`` with its rows in the shared database."""

    def __init__(self, path: Path, url: str | None = None):
        self.path = Path(path)
        self.table = SheetTables(url or database_for(Path(path).parent.parent))
        self._later: dict = {}

    def close(self) -> None:
        self.flush()

    def _rows(self, query: str, params=()) -> list[tuple]:
        with self.table.durable() as connection:
            return connection.execute(query, params).fetchall()

    def _many(self, query: str, rows: list) -> int:
        changed = 0
        with self.table.durable() as connection:
            for row in rows:
                changed += connection.execute(query, row).rowcount
        return changed

    # -- items ------------------------------------------------------------------------------

    def known(self, tab: str) -> set[str]:
        return {k for (k,) in self._rows(f"SELECT key FROM {ITEMS} WHERE tab = %s", (tab,))}

    def enqueue(self, tab: str, items: Iterable[tuple[str, float, str | None]]) -> int:
        return self._many(
            f"INSERT INTO {ITEMS} (tab, key, state, queued_at, payload) "
            "VALUES (%s, %s, 'pending', %s, %s) ON CONFLICT (tab, key) DO NOTHING",
            [(tab, key, at, payload) for key, at, payload in items],
        )

    def pending(self, tab: str, limit: int | None = None) -> list[tuple[str, str | None]]:
        query = f"SELECT key, payload FROM {ITEMS} WHERE tab = %s AND state = 'pending' "
        query += "ORDER BY queued_at, position"
        if limit is not None:
            query += f" LIMIT {int(limit)}"
        return [tuple(row) for row in self._rows(query, (tab,))]

    def mark_maybe(self, tab: str, keys: list[str], batch: str) -> None:
        self._rows_change(
            f"UPDATE {ITEMS} SET state = 'maybe', batch = %s WHERE tab = %s AND key = ANY(%s)",
            (batch, tab, list(keys)),
        )

    def _rows_change(self, query: str, params) -> int:
        with self.table.durable() as connection:
            return connection.execute(query, params).rowcount

    def mark_sent(self, tab: str, batch: str, at: float) -> None:
        self._rows_change(
            f"UPDATE {ITEMS} SET state = 'sent', sent_at = %s, batch = NULL "
            "WHERE tab = %s AND batch = %s AND state = 'maybe'",
            (at, tab, batch),
        )

    def maybe(self, tab: str) -> list[str]:
        return [
            k
            for (k,) in self._rows(
                f"SELECT key FROM {ITEMS} WHERE tab = %s AND state = 'maybe'", (tab,)
            )
        ]

    def resolve(self, tab: str, present: set[str], at: float) -> tuple[int, int]:
        keys = self.maybe(tab)
        found = [k for k in keys if k in present]
        lost = [k for k in keys if k not in present]
        with self.table.durable() as connection:
            connection.execute(
                f"UPDATE {ITEMS} SET state = 'sent', sent_at = %s, batch = NULL "
                "WHERE tab = %s AND key = ANY(%s)",
                (at, tab, found),
            )
            connection.execute(
                f"UPDATE {ITEMS} SET state = 'pending', batch = NULL "
                "WHERE tab = %s AND key = ANY(%s)",
                (tab, lost),
            )
        return len(found), len(lost)

    def requeue_missing(self, tab: str, present: set[str]) -> list[str]:
        sent = [
            k
            for (k,) in self._rows(
                f"SELECT key FROM {ITEMS} WHERE tab = %s AND state = 'sent'", (tab,)
            )
        ]
        lost = [k for k in sent if k not in present]
        if lost:
            self._rows_change(
                f"UPDATE {ITEMS} SET state = 'pending' WHERE tab = %s AND key = ANY(%s)",
                (tab, lost),
            )
        return lost

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for tab, state, n in self._rows(
            f"SELECT tab, state, COUNT(*) FROM {ITEMS} GROUP BY tab, state"
        ):
            out.setdefault(tab, {})[state] = n
        return out

    def oldest_waiting(self) -> float | None:
        (value,) = self._rows(
            f"SELECT MIN(queued_at) FROM {ITEMS} WHERE tab = ANY(%s) AND state = ANY(%s)",
            (list(WAITING_TABS), [PENDING, MAYBE]),
        )[0]
        return value

    def sent_times(self, tab: str) -> dict[str, float]:
        return dict(
            self._rows(
                f"SELECT key, sent_at FROM {ITEMS} WHERE tab = %s AND state = 'sent'", (tab,)
            )
        )

    # -- what staff last saw ----------------------------------------------------------------

    def editable(self) -> dict[str, dict[str, str]]:
        return {ref: json.loads(v) for ref, v in self._rows(f"SELECT ref, editable FROM {SEEN}")}

    def set_editable(self, values: dict[str, dict[str, str]]) -> None:
        if values:
            self._many(
                f"INSERT INTO {SEEN} (ref, editable) VALUES (%s, %s) "
                "ON CONFLICT (ref) DO UPDATE SET editable = EXCLUDED.editable",
                [(ref, json.dumps(v, sort_keys=True)) for ref, v in values.items()],
            )

    # -- problems reported --------------------------------------------------------------------

    def reported(self) -> dict[tuple[str, str], tuple[str, str]]:
        return {
            (ref, col): (value, problem)
            for ref, col, value, problem in self._rows(
                f"SELECT ref, col, value, problem FROM {REPORTED}"
            )
        }

    def add_reported(self, items: list[tuple[str, str, str, str]]) -> None:
        if items:
            self._many(
                f"INSERT INTO {REPORTED} (ref, col, value, problem) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (ref, col) DO UPDATE SET value = EXCLUDED.value, "
                "problem = EXCLUDED.problem",
                items,
            )

    def clear_reported(self, keys: list[tuple[str, str]]) -> None:
        if keys:
            self._many(f"DELETE FROM {REPORTED} WHERE ref = %s AND col = %s", keys)

    # -- meta -------------------------------------------------------------------------------

    def get(self, key: str, default=None):
        if key in self._later:
            return self._later[key]
        rows = self._rows(f"SELECT value FROM {META} WHERE key = %s", (key,))
        return json.loads(rows[0][0]) if rows else default

    def set(self, **values) -> None:
        self._many(
            f"INSERT INTO {META} (key, value) VALUES (%s, %s) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            [(k, json.dumps(v)) for k, v in values.items()],
        )

    # -- erasure ----------------------------------------------------------------------------

    def drop_pending(self, tab: str, key: str) -> None:
        self._rows_change(
            f"DELETE FROM {ITEMS} WHERE tab = %s AND key = %s AND state = 'pending'", (tab, key)
        )

    def drop(self, tab: str, key: str) -> None:
        self._rows_change(f"DELETE FROM {ITEMS} WHERE tab = %s AND key = %s", (tab, key))

    def forget(self, ref: str) -> None:
        with self.table.durable() as connection:
            connection.execute(f"DELETE FROM {ITEMS} WHERE key = %s", (ref,))
            connection.execute(f"DELETE FROM {SEEN} WHERE ref = %s", (ref,))
            connection.execute(f"DELETE FROM {REPORTED} WHERE ref = %s", (ref,))
            connection.execute(
                f"DELETE FROM {ITEMS} WHERE tab = 'Problems' AND payload LIKE %s",
                (_problem_of(ref),),
            )

    def secure_delete(self) -> None:
        """Nothing to set: ``scrub`` afterwards does what the database can."""

    def scrub(self) -> None:
        """Make the space of deleted rows reusable (VACUUM), so their bytes go sooner."""
        connection = self.table.connections.get()
        try:
            for name in (ITEMS, SEEN, REPORTED):
                connection.execute(f"VACUUM {name}")
        except psycopg.Error:
            self.table.connections.forget()

    def entries_for(self, refs: Iterable[str]) -> dict[str, dict]:
        """What the outbox holds about each case (subject access), as ``reach`` reports it."""
        out: dict[str, dict] = {}
        for ref in refs:
            items = [
                {"tab": tab, "state": state, "payload": payload}
                for tab, state, payload in self._rows(
                    f"SELECT tab, state, payload FROM {ITEMS} WHERE key = %s "
                    "OR (tab = 'Problems' AND payload LIKE %s) ORDER BY position",
                    (ref, _problem_of(ref)),
                )
            ]
            seen = [
                json.loads(v)
                for (v,) in self._rows(f"SELECT editable FROM {SEEN} WHERE ref = %s", (ref,))
            ]
            reported = [
                {"column": col, "value": value, "problem": problem}
                for col, value, problem in self._rows(
                    f"SELECT col, value, problem FROM {REPORTED} WHERE ref = %s", (ref,)
                )
            ]
            if items or seen or reported:
                out[ref] = {"items": items, "staff_columns": seen, "reported": reported}
        return out
