"""What the app keeps in the data directory besides the case tables, moved into PostgreSQL.

Under a database (``store_url``) the staff accounts, the audit log, both outboxes, the tracking
page's codes and secrets, the questionnaires and the request links live in tables of that
database instead of files. ``feedback migrate-store --to`` moves them with the case tables,
each copied as the rows it is:

- nothing is made again: password hashes, second-factor secrets, the keyed hashes of tracking
  codes, request links and questionnaire tokens are copied as they are. The keyed ones were
  made with the app's secret key (``FORMS_APP_SECRET_KEY``, or ``.secret_key`` in the data
  directory), so they still match under the database only while the app keeps that same key;
- the audit log's lines keep their order and hashes, so the chain carries on: the log must
  verify before it is moved, and its head is set to the entries copied and the last hash;
- the outboxes' rows keep their order (the order messages were queued in), so the workers
  send what waited in the order it waited.

Drafts, staff sessions, rate limits and the sign-in throttle are short-lived and are not moved.
Everything is read and checked before anything is written, the target must hold none of it,
and it is written in one transaction (all or nothing), then counted again.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from forms_app.casework.database_links import LINKS, REMINDERS, LinkTables
from forms_app.casework.request_links import links_path
from forms_app.messages.database_outbox import MESSAGES, MessageTable
from forms_app.messages.database_outbox import META as MESSAGES_META
from forms_app.messages.outbox import outbox_path
from forms_app.questionnaires.database_store import (
    INVITATIONS,
    OFFERS,
    RESPONSES,
    QuestionnaireTables,
)
from forms_app.questionnaires.store import answers_path
from forms_app.records import audit
from forms_app.sheets.database_outbox import ITEMS, REPORTED, SEEN, SheetTables
from forms_app.sheets.database_outbox import META as SHEET_META
from forms_app.sheets.outbox import outbox_path as sheet_outbox_path
from forms_app.storage.postgres.accounts import TABLE as DOCUMENTS
from forms_app.storage.postgres.accounts import DocumentTable
from forms_app.storage.postgres.audit import HEAD, LINES, AuditTable
from forms_app.storage.postgres.moving import TargetNotEmpty
from forms_app.storage.postgres.shared import connections
from forms_app.tracking.access import access_path
from forms_app.tracking.database_access import CODES, SECRETS, AccessTables

#: The name of the staff accounts' document in the database (as ``web.parts`` opens it).
USERS_DOCUMENT = "users"


class StateNotMovable(ValueError):
    """Something in the data directory cannot be moved as it is (the audit log does not
    verify, a file cannot be read): nothing was moved."""


@dataclass(frozen=True)
class Table:
    """One SQLite table and the database table that holds the same rows.

    ``booleans`` are columns SQLite keeps as 0 or 1 and the database as true or false;
    ``order`` is the order the rows were written in (the database numbers them in that order
    where it keeps one); ``settings`` tables hold facts about a worker, not items: they do not
    make a target count as holding something."""

    source: str
    target: str
    columns: tuple[str, ...]
    booleans: tuple[str, ...] = ()
    order: str = "rowid"
    settings: bool = False


@dataclass(frozen=True)
class SqliteKind:
    """One kind of state kept in a SQLite file of the data directory."""

    name: str
    path: Callable[[Path], Path]
    maker: type
    tables: tuple[Table, ...]


_MESSAGE_COLUMNS = (
    *("id", "ref", "type", "channel", "recipient", "language", "wording", "payload"),
    *("state", "attempts", "next_try", "queued_at", "sent_at", "provider_id", "reason"),
)

KINDS = (
    SqliteKind(
        "messages",
        outbox_path,
        MessageTable,
        (
            Table("messages", MESSAGES, _MESSAGE_COLUMNS),
            Table("meta", MESSAGES_META, ("key", "value"), order="key", settings=True),
        ),
    ),
    SqliteKind(
        "sheet_outbox",
        sheet_outbox_path,
        SheetTables,
        (
            Table(
                "items",
                ITEMS,
                ("tab", "key", "state", "batch", "queued_at", "sent_at", "payload"),
            ),
            Table("seen", SEEN, ("ref", "editable")),
            Table("reported", REPORTED, ("ref", "col", "value", "problem")),
            Table("meta", SHEET_META, ("key", "value"), order="key", settings=True),
        ),
    ),
    SqliteKind(
        "tracking",
        access_path,
        AccessTables,
        (
            Table("secrets", SECRETS, ("ref", "salt", "hash", "made_at")),
            Table(
                "codes",
                CODES,
                ("ref", "hash", "expires", "tries", "used", "made_at"),
                booleans=("used",),
            ),
        ),
    ),
    SqliteKind(
        "questionnaires",
        answers_path,
        QuestionnaireTables,
        (
            Table(
                "invitations",
                INVITATIONS,
                ("questionnaire", "ref", "token_hash", "made_month", "expires", "used"),
                booleans=("used",),
            ),
            # Kept without row order on purpose (an answer must not be paired with its offer
            # by when it was written), so none is made up here either.
            Table(
                "responses",
                RESPONSES,
                ("id", "questionnaire", "version", "month", "answers"),
                order="id",
            ),
            Table(
                "offers", OFFERS, ("token_hash", "questionnaire", "last_day"), order="token_hash"
            ),
        ),
    ),
    SqliteKind(
        "request_links",
        links_path,
        LinkTables,
        (
            Table(
                "links",
                LINKS,
                ("request", "ref", "hash", "expires", "spent", "made_at"),
                booleans=("spent",),
            ),
            Table("reminders", REMINDERS, ("message_id", "ref", "sent_at")),
        ),
    ),
)

#: The kinds, in the order they are reported.
KIND_NAMES = ("accounts", "audit") + tuple(kind.name for kind in KINDS)


@dataclass
class State:
    """Everything read from one data directory, checked and ready to write."""

    users: dict | None = None
    audit_lines: list[str] = field(default_factory=list)
    audit_head: str = audit.GENESIS
    tables: dict[str, list[tuple]] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """How many of each kind: accounts, audit entries, and the items of each SQLite kind
        (its first table's rows: messages, sheet rows, secrets, invitations, links)."""
        found = {
            "accounts": len((self.users or {}).get("users", {})),
            "audit": len(self.audit_lines),
        }
        for kind in KINDS:
            found[kind.name] = sum(
                len(self.tables.get(table.target, []))
                for table in kind.tables
                if not table.settings
            )
        return found


def read_state(data_dir: Path) -> State:
    """Read and check everything to move from ``data_dir``; raises ``StateNotMovable``."""
    data_dir = Path(data_dir)
    state = State()
    users = data_dir / "users.json"
    if users.exists():
        try:
            state.users = json.loads(users.read_text("utf-8"))
        except (OSError, ValueError) as error:
            raise StateNotMovable(f"{users} cannot be read: {error}") from error
    log = data_dir / audit.LOG_NAME
    if log.exists() or (data_dir / audit.HEAD_NAME).exists():
        report = audit.verify(data_dir)
        if not report.ok:
            raise StateNotMovable(f"the audit log does not verify: {report.problem}")
        data = log.read_bytes() if log.exists() else b""
        state.audit_lines = data.decode("utf-8").splitlines()
        if len(state.audit_lines) != report.entries:
            raise StateNotMovable("the audit log changed while it was read")
        state.audit_head = report.head
    for kind in KINDS:
        state.tables.update(_read_sqlite(kind.path(data_dir), kind.tables))
    return state


def _read_sqlite(path: Path, tables: tuple[Table, ...]) -> dict[str, list[tuple]]:
    """Every row of ``tables`` in the SQLite file at ``path`` (none if there is no file, or no
    such table in it: it is made on first use)."""
    if not path.exists():
        return {}
    found: dict[str, list[tuple]] = {}
    try:
        db = sqlite3.connect(path, timeout=30)
        try:
            present = {
                name
                for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            for table in tables:
                if table.source not in present:
                    continue
                rows = db.execute(
                    f"SELECT {', '.join(table.columns)} FROM {table.source} ORDER BY {table.order}"
                ).fetchall()
                flags = [table.columns.index(name) for name in table.booleans]
                found[table.target] = [_with_booleans(row, flags) for row in rows]
        finally:
            db.close()
    except sqlite3.Error as error:
        raise StateNotMovable(f"{path} cannot be read: {error}") from error
    return found


def _with_booleans(row: tuple, flags: list[int]) -> tuple:
    if not flags:
        return tuple(row)
    cells = list(row)
    for index in flags:
        cells[index] = bool(cells[index])
    return tuple(cells)


def _make_tables(url: str) -> None:
    """Make the database's tables for every kind (as the app does on first use)."""
    for maker in (AuditTable, *(kind.maker for kind in KINDS)):
        with maker(url).durable():
            pass
    with DocumentTable(url, USERS_DOCUMENT).durable():
        pass


def held_in(url: str) -> list[str]:
    """The kinds the database at ``url`` already holds something of (made tables with no rows,
    an accounts document with no account, and a worker's settings do not count)."""
    _make_tables(url)
    connection = connections(url).get()
    with connection.transaction():
        held = []
        (accounts,) = connection.execute(
            f"SELECT body FROM {DOCUMENTS} WHERE name = %s", (USERS_DOCUMENT,)
        ).fetchone() or (None,)
        if accounts and accounts.get("users"):
            held.append("accounts")
        if connection.execute(f"SELECT EXISTS (SELECT 1 FROM {LINES})").fetchone()[0]:
            held.append("audit")
        for kind in KINDS:
            for table in kind.tables:
                if table.settings:
                    continue
                query = f"SELECT EXISTS (SELECT 1 FROM {table.target})"
                if connection.execute(query).fetchone()[0]:
                    held.append(kind.name)
                    break
    return held


def write_state(url: str, state: State) -> dict[str, int]:
    """Write ``state`` into the database at ``url``, which must hold none of it, in one durable
    transaction; then count it again there. Returns the count of each kind."""
    held = held_in(url)
    if held:
        raise TargetNotEmpty(f"the target already holds {', '.join(held)}")
    from psycopg.types.json import Jsonb

    connection = connections(url).get()
    with connection.transaction():
        if state.users is not None:
            connection.execute(
                f"""INSERT INTO {DOCUMENTS} (name, version, body) VALUES (%s, 1, %s)
                    ON CONFLICT (name) DO UPDATE SET
                    version = {DOCUMENTS}.version + 1, body = EXCLUDED.body""",
                (USERS_DOCUMENT, Jsonb(state.users)),
            )
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {LINES} (position, line) VALUES (%s, %s)",
                list(enumerate(state.audit_lines, start=1)),
            )
        if state.audit_lines:
            # Anchored at what was copied: a log whose last write stopped before its head
            # moved on verified above, and its head now says so.
            connection.execute(
                f"""INSERT INTO {HEAD} (one, entries, hash) VALUES (true, %s, %s)
                    ON CONFLICT (one) DO UPDATE SET entries = EXCLUDED.entries,
                    hash = EXCLUDED.hash""",
                (len(state.audit_lines), state.audit_head),
            )
        for kind in KINDS:
            for table in kind.tables:
                _insert(connection, table, state.tables.get(table.target, []))
    moved = _count(url)
    expected = state.counts()
    if moved != expected:
        raise RuntimeError(f"the copy does not count the same: {moved} after {expected}")
    return moved


def _insert(connection, table: Table, rows: list[tuple]) -> None:
    if not rows:
        return
    columns = ", ".join(table.columns)
    marks = ", ".join(["%s"] * len(table.columns))
    query = f"INSERT INTO {table.target} ({columns}) VALUES ({marks})"
    if table.settings:
        # A worker's facts the app may have noted there already: the data directory's win.
        query += " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"
    with connection.cursor() as cursor:
        cursor.executemany(query, rows)


def _count(url: str) -> dict[str, int]:
    """How many of each kind the database at ``url`` holds (as ``State.counts``)."""
    connection = connections(url).get()
    with connection.transaction():
        (body,) = connection.execute(
            f"SELECT body FROM {DOCUMENTS} WHERE name = %s", (USERS_DOCUMENT,)
        ).fetchone() or (None,)
        found = {
            "accounts": len((body or {}).get("users", {})),
            "audit": connection.execute(f"SELECT count(*) FROM {LINES}").fetchone()[0],
        }
        for kind in KINDS:
            found[kind.name] = sum(
                connection.execute(f"SELECT count(*) FROM {table.target}").fetchone()[0]
                for table in kind.tables
                if not table.settings
            )
    return found
