"""What the app keeps in the data directory besides the case tables, moved to and from
PostgreSQL.

Under a database (``store_url``) the staff accounts, the audit log, both outboxes, the tracking
page's codes and secrets, the questionnaires and the request links live in tables of that
database instead of files. ``feedback migrate-store`` moves them with the case tables, either
way, each copied as the rows it is:

- nothing is made again: password hashes, second-factor secrets, the keyed hashes of tracking
  codes, request links and questionnaire tokens are copied as they are. The keyed ones were
  made with the app's secret key (``FORMS_APP_SECRET_KEY``, or ``.secret_key`` in the data
  directory), so they still match after the move only while the app keeps that same key;
- the audit log's lines keep their order and hashes, so the chain carries on: the log must
  verify before it is moved, and its head is set to the entries copied and the last hash;
- the outboxes' rows keep their order (the order messages were queued in), so the workers
  send what waited in the order it waited.

Drafts, staff sessions, rate limits and the sign-in throttle are short-lived and are not moved.
Everything is read and checked before anything is written, and the target must hold none of
it. ``write_state`` and ``write_files_state`` write it and count it again where it arrived;
``feedback migrate-store`` runs them as the last part of one move that is all or nothing
(``all_or_nothing``): into the database inside the transaction that also writes the case
tables, into the files in the staging directory the case tables were written to.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from forms_app.casework.database_links import LINKS, REMINDERS, LinkTables
from forms_app.casework.request_links import Links, links_path
from forms_app.letters.database_letters import LetterTable
from forms_app.messages.database_outbox import MESSAGES, MessageTable
from forms_app.messages.database_outbox import META as MESSAGES_META
from forms_app.messages.outbox import Outbox as MessageOutbox
from forms_app.messages.outbox import outbox_path
from forms_app.questionnaires.database_store import (
    INVITATIONS,
    OFFERS,
    RESPONSES,
    QuestionnaireTables,
)
from forms_app.questionnaires.offers import Offers
from forms_app.questionnaires.store import answers_path
from forms_app.records import audit
from forms_app.sheets.database_outbox import ITEMS, REPORTED, SEEN, SheetTables
from forms_app.sheets.database_outbox import META as SHEET_META
from forms_app.sheets.outbox import Outbox as SheetOutbox
from forms_app.sheets.outbox import outbox_path as sheet_outbox_path
from forms_app.storage.postgres.accounts import TABLE as DOCUMENTS
from forms_app.storage.postgres.accounts import DocumentTable
from forms_app.storage.postgres.audit import HEAD, LINES, AuditTable
from forms_app.storage.postgres.files import FileTables
from forms_app.storage.postgres.moving import TargetNotEmpty
from forms_app.storage.postgres.shared import connections
from forms_app.storage.shared_database import database_for
from forms_app.storage.sqlite_files import Transaction
from forms_app.tracking.access import Access, access_path
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
    numbered: bool = False

    @property
    def database_order(self) -> str:
        """The order to read the database's rows in: as they were written, where it keeps a
        number for that, else by their key."""
        if self.numbered:
            return "position"
        return self.columns[0] if self.order == "rowid" else self.order


@dataclass(frozen=True)
class SqliteKind:
    """One kind of state kept in a SQLite file of the data directory."""

    name: str
    path: Callable[[Path], Path]
    maker: type
    tables: tuple[Table, ...]
    #: Opens the kind's own file in a data directory (made with its own schema if new).
    opener: Callable[[Path], object]


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
            Table("messages", MESSAGES, _MESSAGE_COLUMNS, numbered=True),
            Table("meta", MESSAGES_META, ("key", "value"), order="key", settings=True),
        ),
        lambda data_dir: MessageOutbox(outbox_path(data_dir)),
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
                numbered=True,
            ),
            Table("seen", SEEN, ("ref", "editable")),
            Table("reported", REPORTED, ("ref", "col", "value", "problem")),
            Table("meta", SHEET_META, ("key", "value"), order="key", settings=True),
        ),
        lambda data_dir: SheetOutbox(sheet_outbox_path(data_dir)),
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
        lambda data_dir: Access(data_dir, b""),
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
        lambda data_dir: Offers(data_dir, b""),
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
        lambda data_dir: Links(data_dir, b""),
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
    """Make the database's tables for every kind, and for the files' bytes and the letters
    (as the app does on first use), before the move's one transaction writes them."""
    for maker in (AuditTable, FileTables, LetterTable, *(kind.maker for kind in KINDS)):
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
    transaction (a part of the caller's, when this thread's connection is already in one:
    ``all_or_nothing.one_transaction``); then count it again there. Returns the count of each
    kind."""
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


# -- back out of the database -----------------------------------------------------------------


def read_database_state(url: str) -> State:
    """Read and check everything to move out of the database at ``url`` (as one moment);
    raises ``StateNotMovable`` if its audit log does not verify."""
    connection = connections(url).get()
    state = State()
    with connection.transaction():
        connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")

        def present(table: str) -> bool:
            return connection.execute("SELECT to_regclass(%s)", (table,)).fetchone()[0] is not None

        if present(DOCUMENTS):
            found = connection.execute(
                f"SELECT body FROM {DOCUMENTS} WHERE name = %s", (USERS_DOCUMENT,)
            ).fetchone()
            state.users = found[0] if found else None
        head = None
        if present(LINES):
            state.audit_lines = [
                line
                for (line,) in connection.execute(f"SELECT line FROM {LINES} ORDER BY position")
            ]
            found = connection.execute(f"SELECT entries, hash FROM {HEAD}").fetchone()
            head = None if found is None else (int(found[0]), found[1])
        for kind in KINDS:
            for table in kind.tables:
                if present(table.target):
                    state.tables[table.target] = connection.execute(
                        f"SELECT {', '.join(table.columns)} FROM {table.target} "
                        f"ORDER BY {table.database_order}"
                    ).fetchall()
    report = audit.verify_lines(state.audit_lines, head)
    if not report.ok:
        raise StateNotMovable(f"the audit log does not verify: {report.problem}")
    state.audit_head = report.head
    return state


def held_in_files(data_dir: Path) -> list[str]:
    """The kinds ``data_dir`` already holds something of (as ``held_in`` for a database)."""
    data_dir = Path(data_dir)
    if database_for(data_dir):
        raise StateNotMovable(f"{data_dir} is set to keep its state in a database")
    held = []
    users = data_dir / "users.json"
    if users.exists():
        try:
            if json.loads(users.read_text("utf-8")).get("users"):
                held.append("accounts")
        except (OSError, ValueError) as error:
            raise StateNotMovable(f"{users} cannot be read: {error}") from error
    log = data_dir / audit.LOG_NAME
    if (log.exists() and log.stat().st_size) or (data_dir / audit.HEAD_NAME).exists():
        held.append("audit")
    for kind in KINDS:
        items = tuple(table for table in kind.tables if not table.settings)
        if any(_read_sqlite(kind.path(data_dir), items).values()):
            held.append(kind.name)
    return held


def write_files_state(data_dir: Path, state: State) -> dict[str, int]:
    """Write ``state`` into the files of ``data_dir``, which must hold none of it; then read
    it back from there and count it. Returns the count of each kind."""
    data_dir = Path(data_dir)
    held = held_in_files(data_dir)
    if held:
        raise TargetNotEmpty(f"{data_dir} already holds {', '.join(held)}")
    if state.users is not None:
        _write_users(data_dir / "users.json", state.users)
    for kind in KINDS:
        if not any(state.tables.get(table.target) for table in kind.tables):
            continue
        opened = kind.opener(data_dir)
        try:
            if isinstance(opened, Offers) and state.tables.get(OFFERS):
                opened.make_table()
            with Transaction(opened.db):
                for table in kind.tables:
                    _insert_sqlite(opened.db, table, state.tables.get(table.target, []))
        finally:
            opened.close()
    if state.audit_lines:
        audit.write_copied(data_dir, state.audit_lines, state.audit_head)
    moved = read_state(data_dir).counts()
    expected = state.counts()
    if moved != expected:
        raise RuntimeError(f"the copy does not count the same: {moved} after {expected}")
    return moved


def _insert_sqlite(db: sqlite3.Connection, table: Table, rows: list[tuple]) -> None:
    if not rows:
        return
    verb = "INSERT OR REPLACE" if table.settings else "INSERT"
    marks = ", ".join(["?"] * len(table.columns))
    db.executemany(
        f"{verb} INTO {table.source} ({', '.join(table.columns)}) VALUES ({marks})", rows
    )


def _write_users(path: Path, document: dict) -> None:
    """The accounts file, written as ``accounts.users`` writes it (private, synced, renamed)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_suffix(".json.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2, ensure_ascii=False)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
