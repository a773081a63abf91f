"""The case tables in PostgreSQL, behind the same methods as the data package's ``Store``.

Callers cannot tell the engines apart: the same writing methods (``commit_submission``,
``append_events``, ``append``, ``commit_batch``, ``rewrite``, ``remove_cases``), the same
reading methods (``rows``, ``scan``, ``find``, ``find_by_key``, ``find_personal``,
``changes_since``), the same rows (dicts of strings, "" for an empty cell) and the same errors
(``StoreWriteError`` when nothing was stored; ``ValueError``/``TypeError`` for a row that does
not fit). The guarantees are the same too, kept by the database instead of by files:

- a reference is returned only after COMMIT has returned with ``synchronous_commit`` on, so it
  is on disk (``connection``);
- a known idempotency key returns its reference and stores nothing (a UNIQUE constraint, and
  ``INSERT ... ON CONFLICT DO NOTHING`` behind the check);
- writers take one lock for the length of their transaction, so concurrent writers, in any
  number of processes on any number of machines, wait their turn and lose nothing, and the
  positions ``changes_since`` follows grow in the order rows became visible (``schema``).

The bytes of the files added to cases are in the same database (``files``), beside their rows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import psycopg
from psycopg import sql

from ..contract import Contract
from ..evidence import EVIDENCE
from ..records import normalise_newlines
from ..references import new_reference, normalise_reference
from ..store import COMMIT_ORDER, EVENTS, PERSONAL, SUBMISSIONS, StoreWriteError
from ..table import RecoveryReport
from ..tailing import Changes
from .connection import Connections, WriteLock
from .files import DatabaseEvidenceFiles
from .schema import GENERATIONS, POSITION, TableShape, create_tables, shapes

log = logging.getLogger(__name__)

_REFERENCE_ATTEMPTS = 100
_T = TypeVar("_T")


class RowRefused(StoreWriteError, ValueError):
    """The database refused a row (a value outside the schema's rules): nothing was stored."""


@dataclass(frozen=True)
class PositionCursor:
    """Where a reader has read some tables up to: each table's rewrite count and the last
    position read. Opaque to callers: they only give it back."""

    names: tuple[str, ...]
    generations: tuple[int, ...]
    positions: tuple[int, ...]


class _Seen(Exception):
    """Raised inside a transaction to roll it back: the key was stored meanwhile."""

    def __init__(self, ref: str):
        self.ref = ref


class PostgresStore:
    """The case tables in the database at ``url``; ``data_dir`` is the data directory.

    One instance per process, safe to make before gunicorn forks (it connects on first use),
    thread-safe (each thread has its own connection)."""

    def __init__(
        self,
        url: str,
        data_dir: Path,
        tables: Mapping[str, Sequence[str]],
        contract: Contract | None = None,
    ):
        self.url = url
        self.data_dir = Path(data_dir)
        if contract is None:
            contract = Contract()
        self.shapes: dict[str, TableShape] = shapes(tables, contract)
        submissions = self.shapes.get(SUBMISSIONS)
        if submissions is None or not {"ref", "idempotency_key"} <= set(submissions.columns):
            raise ValueError("the submissions table must have columns 'ref' and 'idempotency_key'")
        if PERSONAL in self.shapes and "ref" not in self.shapes[PERSONAL].columns:
            raise ValueError("the personal table must have a 'ref' column")
        self.connections = Connections(url)
        self._made = False

    def lock(self) -> WriteLock:
        """A fresh write lock: while it is held no other connection writes the case tables."""
        return WriteLock(self.url)

    # -- start-up ---------------------------------------------------------------------------

    def recover(self) -> list[RecoveryReport]:
        """Make any missing table; report each table's rows. The database repairs itself after
        a crash (its write-ahead log), and a commit is whole or absent, so there is no torn
        tail and no personal row without its submission to remove."""
        connection = self._connection()
        try:
            create_tables(connection, self.shapes)
            self._made = True
            reports = []
            for name in self.shapes:
                count = connection.execute(
                    sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(name))
                ).fetchone()[0]
                reports.append(RecoveryReport(name, intact_rows=count))
        except psycopg.Error:
            self.connections.forget()
            raise
        return reports

    def clear_interrupted_rewrites(self) -> int:
        """Nothing to clear: a rewrite is one transaction, whole or absent."""
        return 0

    # -- writing ----------------------------------------------------------------------------

    def commit_submission(
        self,
        *,
        idempotency_key: str,
        submission: Mapping[str, str],
        personal: Mapping[str, str] | None,
        make_reference: Callable[[], str] = new_reference,
    ) -> tuple[str, bool]:
        """Store a submission durably and return ``(ref, True)``; ``(ref, False)`` if seen before.

        One transaction under the write lock: a known key returns its reference and writes
        nothing; otherwise a reference unused by any row is chosen and the personal row and the
        submission are inserted; the reference is returned only after the COMMIT."""
        if not isinstance(idempotency_key, str) or not idempotency_key.strip():
            raise ValueError("an idempotency key is required")
        if personal is not None and PERSONAL not in self.shapes:
            raise ValueError("personal details given but there is no personal table")
        submissions = self.shapes[SUBMISSIONS]
        # Checked before the transaction: a row that does not fit never reaches the database.
        row = {**submission, "ref": "-", "idempotency_key": idempotency_key}
        _cells(submissions, row)
        if personal is not None:
            _cells(self.shapes[PERSONAL], {**personal, "ref": "-"})
        for attempt in (1, 2):
            try:
                return self._commit_once(idempotency_key, row, personal, make_reference)
            except _Seen as seen:
                return seen.ref, False
            except (psycopg.IntegrityError, psycopg.DataError) as exc:
                message = exc.diag.message_primary
                raise RowRefused(f"the submission does not fit the tables: {message}") from exc
            except psycopg.OperationalError as exc:
                # The connection was lost (a server restart, a dropped session). Sending again
                # is safe: if the first attempt did commit, its key finds its reference.
                self.connections.forget()
                if attempt == 1:
                    continue
                log.error("storage: submission not stored: %s", type(exc).__name__)
                raise StoreWriteError("the submission could not be stored") from exc
            except psycopg.Error as exc:
                self.connections.forget()
                log.error("storage: submission not stored: %s", type(exc).__name__)
                raise StoreWriteError("the submission could not be stored") from exc
        raise AssertionError("unreachable")

    def _commit_once(self, idempotency_key, row, personal, make_reference) -> tuple[str, bool]:
        submissions = self.shapes[SUBMISSIONS]
        with self._writing() as connection:
            existing = self._ref_for_key(connection, idempotency_key)
            if existing is not None:
                return existing, False
            ref = self._unused_reference(connection, make_reference)
            if personal is not None:
                _insert(connection, self.shapes[PERSONAL], [{**personal, "ref": ref}])
            stored = connection.execute(
                _insert_sql(submissions, on_conflict="idempotency_key"),
                _cells(submissions, {**row, "ref": ref}),
            ).fetchone()
            if stored is None:
                raise _Seen(self._ref_for_key(connection, idempotency_key) or "")
        return ref, True

    def append_events(self, events: Sequence[Mapping[str, str]]) -> None:
        """Append events in one transaction; StoreWriteError if not stored."""
        self._append(EVENTS, events)

    def append(self, table: str, rows: Sequence[Mapping[str, str]]) -> None:
        """Append rows to a table other than submissions and personal (which only commits
        write) in one transaction; StoreWriteError if not stored."""
        if table in (SUBMISSIONS, PERSONAL):
            raise ValueError(f"{table} rows are written only by a commit")
        self._append(table, rows)

    def _append(self, table: str, rows: Sequence[Mapping[str, str]]) -> None:
        if not rows:
            return
        shape = self.shapes[table]
        for row in rows:
            _cells(shape, row)
        try:
            with self._writing() as connection:
                _insert(connection, shape, rows)
        except (psycopg.IntegrityError, psycopg.DataError) as exc:
            raise RowRefused(f"the {table} rows do not fit: {exc.diag.message_primary}") from exc
        except psycopg.Error as exc:
            self.connections.forget()
            log.error("storage: %s rows not stored: %s", table, type(exc).__name__)
            raise StoreWriteError(f"the {table} rows could not be stored") from exc

    @property
    def evidence(self) -> DatabaseEvidenceFiles:
        """The cases' evidence files and their table (``storage.evidence``), the bytes in this
        database (``files``)."""
        return DatabaseEvidenceFiles(self)

    def commit_batch(
        self, decide: Callable[[], Mapping[str, Sequence[Mapping[str, str]]]]
    ) -> dict[str, int]:
        """Append rows to several tables as one transaction, all of them or none (an import).

        Under the write lock, ``decide()`` is called (it may read the store: its reads see the
        same state the write will follow) and returns the rows per table, or raises to write
        nothing. Returns the rows written per table."""
        try:
            with self._writing() as connection:
                rows = decide()
                unknown = sorted(set(rows) - set(self.shapes))
                if unknown:
                    raise ValueError(f"no such tables: {unknown}")
                order = [name for name in COMMIT_ORDER if name in rows]
                order += [name for name in rows if name not in COMMIT_ORDER]
                for name in order:
                    for row in rows[name]:
                        _cells(self.shapes[name], row)
                for name in order:
                    _copy(connection, self.shapes[name], rows[name])
            return {name: len(rows[name]) for name in order}
        except (psycopg.IntegrityError, psycopg.DataError) as exc:
            raise RowRefused(f"the rows do not fit: {exc.diag.message_primary}") from exc
        except psycopg.Error as exc:
            self.connections.forget()
            log.error("storage: batch not stored: %s", type(exc).__name__)
            raise StoreWriteError("the rows could not be stored; nothing was written") from exc

    def rewrite(self, table: str, keep: Callable[[dict[str, str]], bool]) -> int:
        """Remove the rows ``keep`` refuses, in one transaction under the write lock; return
        how many went."""
        if table not in self.shapes:
            return 0
        shape = self.shapes[table]
        with self._writing() as connection:
            going = [position for position, row in _positioned(connection, shape) if not keep(row)]
            _delete(
                connection, shape, sql.SQL("{} = ANY(%s)").format(sql.Identifier(POSITION)), going
            )
        return len(going)

    def remove_cases(self, refs: Iterable[str]) -> dict[str, int]:
        """Remove every row of the given cases from every case table in one transaction, then
        their files. Returns the rows removed per table."""
        wanted = sorted(set(refs))
        counts = {name: 0 for name in COMMIT_ORDER if name in self.shapes}
        with self._writing() as connection:
            for name in counts:
                counts[name] = _delete(
                    connection, self.shapes[name], sql.SQL("ref = ANY(%s)"), wanted
                )
        if EVIDENCE in self.shapes:
            # After the rows: a row never names a file that is gone.
            counts["evidence_files"] = self.evidence.remove_cases(wanted)
        return counts

    # -- reading ----------------------------------------------------------------------------

    def rows(self, table: str) -> Iterator[dict[str, str]]:
        """Every row of a table, in the order written."""
        shape = self.shapes[table]
        return iter([row for _position, row in self._read(lambda c: _positioned(c, shape))])

    def scan(self, table: str, columns: Sequence[str] | None = None) -> Iterator:
        """Every row in the order written: a dict, or with ``columns`` a tuple of those cells
        in that order (a column the table lacks reads as "")."""
        if columns is None:
            return self.rows(table)
        shape = self.shapes[table]
        return iter(
            [
                tuple(row.get(name, "") for name in columns)
                for _position, row in self._read(lambda c: _positioned(c, shape))
            ]
        )

    def find(self, ref: str) -> dict[str, str] | None:
        """The submission row for a reference (as typed by a person is fine), or None."""
        if not isinstance(ref, str):
            return None
        return self._one(SUBMISSIONS, "ref", normalise_reference(ref) or ref)

    def find_by_key(self, idempotency_key: str) -> dict[str, str] | None:
        """The submission row stored with this idempotency key, or None if there is none."""
        if not isinstance(idempotency_key, str):
            return None
        return self._one(SUBMISSIONS, "idempotency_key", idempotency_key)

    def find_personal(self, ref: str) -> dict[str, str] | None:
        """The personal details row of a case (None if it has none)."""
        if PERSONAL not in self.shapes or not isinstance(ref, str):
            return None
        return self._one(PERSONAL, "ref", ref)

    def changes_since(
        self, cursor: object, tables: Sequence[str] = (SUBMISSIONS, EVENTS)
    ) -> Changes:
        """The rows appended to ``tables`` (those the store has) since ``cursor`` (None the
        first time, then the ``cursor`` of the last answer). ``restart`` says a table was
        rewritten since: drop what was built from earlier answers, these rows are all there are.

        Read in one snapshot, so the tables agree with each other. A reader that is up to
        date (the usual case: every staff page asks) costs one small query."""
        names = tuple(name for name in tables if name in self.shapes)
        if isinstance(cursor, PositionCursor) and cursor.names == names:
            latest = self._read(lambda connection: _latest(connection, names))
            if latest == (cursor.generations, cursor.positions):
                return Changes({name: [] for name in names}, cursor)
        return self._read(lambda connection: self._changes(connection, cursor, names))

    def _changes(self, connection, cursor: object, names: tuple[str, ...]) -> Changes:
        # Inside another transaction (an import's ``decide``) its snapshot is the one.
        alone = connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        with connection.transaction():
            if alone:
                connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            generations = _generations(connection, names)
            after = None
            same = isinstance(cursor, PositionCursor) and cursor.names == names
            if same and cursor.generations == generations:
                after = cursor.positions
            restart = cursor is not None and after is None
            found: dict[str, list[dict[str, str]]] = {}
            reached = []
            for at, name in enumerate(names):
                since = after[at] if after else 0
                positioned = _positioned(connection, self.shapes[name], since)
                found[name] = [row for _position, row in positioned]
                reached.append(positioned[-1][0] if positioned else since)
        return Changes(found, PositionCursor(names, generations, tuple(reached)), restart)

    # -- inside ------------------------------------------------------------------------------

    def _connection(self) -> psycopg.Connection:
        connection = self.connections.get()
        if not self._made:
            create_tables(connection, self.shapes)
            self._made = True
        return connection

    def _writing(self):
        self._connection()
        return self.connections.writing()

    def _one(self, table: str, column: str, value: str) -> dict[str, str] | None:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return None  # a lone surrogate is no one's reference or key
        shape = self.shapes[table]
        query = sql.SQL("SELECT {} FROM {} WHERE {} = %s ORDER BY {} LIMIT 1").format(
            sql.SQL(", ").join(map(sql.Identifier, shape.columns)),
            sql.Identifier(shape.name),
            sql.Identifier(column),
            sql.Identifier(POSITION),
        )
        found = self._read(lambda connection: connection.execute(query, (value,)).fetchone())
        return None if found is None else _row(shape, found)

    def _read(self, read: Callable[[psycopg.Connection], _T]) -> _T:
        """Run a read on this thread's connection. A connection lost while it sat idle (the
        server restarted, or ended the session) is only found out on use: it is replaced and
        the read run once more, which is safe because a read changes nothing."""
        try:
            return read(self._connection())
        except psycopg.OperationalError:
            self.connections.forget()
        return read(self._connection())

    def _ref_for_key(self, connection, key: str) -> str | None:
        found = connection.execute(
            "SELECT ref FROM submissions WHERE idempotency_key = %s", (key,)
        ).fetchone()
        return None if found is None else found[0]

    def _unused_reference(self, connection, make_reference: Callable[[], str]) -> str:
        personal = PERSONAL in self.shapes
        for _ in range(_REFERENCE_ATTEMPTS):
            ref = make_reference()
            if normalise_reference(ref) != ref:
                raise ValueError(f"make_reference returned a malformed reference {ref!r}")
            query = "SELECT 1 FROM submissions WHERE ref = %(ref)s"
            if personal:
                query += " UNION ALL SELECT 1 FROM personal WHERE ref = %(ref)s"
            if connection.execute(query, {"ref": ref}).fetchone() is None:
                return ref
        raise StoreWriteError("no unused reference found")


def _cells(shape: TableShape, row: Mapping[str, str]) -> list:
    """The row's values in column order as the database keeps them (None for ""), after the
    checks the data package's tables make: exactly the table's columns, all strings, no NUL."""
    expected = set(shape.columns)
    if set(row) != expected:
        missing = sorted(expected - set(row))
        extra = sorted(set(row) - expected)
        raise ValueError(f"{shape.name}: missing columns {missing}, unknown {extra}")
    cells: list = []
    for column in shape.columns:
        value = row[column]
        if not isinstance(value, str):
            raise TypeError(f"{shape.name}.{column}: values must be str, not {type(value)}")
        if "\x00" in value:
            raise ValueError(f"{shape.name}.{column}: NUL character in value")
        value = normalise_newlines(value)
        if value == "":
            cells.append(None)
        elif column in shape.integers:
            try:
                cells.append(int(value))
            except ValueError:
                raise ValueError(f"{shape.name}.{column}: not a whole number") from None
        else:
            cells.append(value)
    return cells


def _row(shape: TableShape, cells: Sequence) -> dict[str, str]:
    return {
        column: "" if value is None else str(value)
        for column, value in zip(shape.columns, cells, strict=True)
    }


def _insert_sql(shape: TableShape, *, on_conflict: str | None = None) -> sql.Composed:
    query = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
        sql.Identifier(shape.name),
        sql.SQL(", ").join(map(sql.Identifier, shape.columns)),
        sql.SQL(", ").join(sql.Placeholder() * len(shape.columns)),
    )
    if on_conflict:
        query = sql.SQL("{} ON CONFLICT ({}) DO NOTHING RETURNING ref").format(
            query, sql.Identifier(on_conflict)
        )
    return query


def _insert(connection, shape: TableShape, rows: Sequence[Mapping[str, str]]) -> None:
    with connection.cursor() as cursor:
        cursor.executemany(_insert_sql(shape), [_cells(shape, row) for row in rows])


def _copy(connection, shape: TableShape, rows: Sequence[Mapping[str, str]]) -> None:
    """Many rows at once (COPY: the constraints and the position's default still apply)."""
    if not rows:
        return
    query = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(shape.name), sql.SQL(", ").join(map(sql.Identifier, shape.columns))
    )
    with connection.cursor() as cursor, cursor.copy(query) as copy:
        for row in rows:
            copy.write_row(_cells(shape, row))


def _positioned(connection, shape: TableShape, after: int = 0) -> list[tuple[int, dict]]:
    """(position, row) for every row after ``after``, in the order written."""
    query = sql.SQL("SELECT {}, {} FROM {} WHERE {} > %s ORDER BY {}").format(
        sql.Identifier(POSITION),
        sql.SQL(", ").join(map(sql.Identifier, shape.columns)),
        sql.Identifier(shape.name),
        sql.Identifier(POSITION),
        sql.Identifier(POSITION),
    )
    found = connection.execute(query, (after,)).fetchall()
    return [(cells[0], _row(shape, cells[1:])) for cells in found]


def _delete(connection, shape: TableShape, where: sql.Composable, values: list) -> int:
    """Delete the rows ``where`` picks; a table that lost rows counts one more rewrite, so its
    readers start again."""
    if not values:
        return 0
    query = sql.SQL("DELETE FROM {} WHERE {}").format(sql.Identifier(shape.name), where)
    removed = connection.execute(query, (values,)).rowcount
    if removed:
        connection.execute(
            sql.SQL("UPDATE {} SET generation = generation + 1 WHERE name = %s").format(
                sql.Identifier(GENERATIONS)
            ),
            (shape.name,),
        )
    return removed


def _latest(connection, names: Sequence[str]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Each table's rewrite count and last position, in one statement (one snapshot)."""
    if not names:
        return (), ()
    generation = sql.SQL("(SELECT generation FROM {} WHERE name = {})")
    last = sql.SQL("(SELECT coalesce(max({}), 0) FROM {})")
    columns = [
        generation.format(sql.Identifier(GENERATIONS), sql.Literal(name)) for name in names
    ] + [last.format(sql.Identifier(POSITION), sql.Identifier(name)) for name in names]
    found = connection.execute(sql.SQL("SELECT {}").format(sql.SQL(", ").join(columns))).fetchone()
    return tuple(g or 0 for g in found[: len(names)]), tuple(found[len(names) :])


def _generations(connection, names: Sequence[str]) -> tuple[int, ...]:
    found = dict(
        connection.execute(
            sql.SQL("SELECT name, generation FROM {} WHERE name = ANY(%s)").format(
                sql.Identifier(GENERATIONS)
            ),
            (list(names),),
        ).fetchall()
    )
    return tuple(found.get(name, 0) for name in names)
