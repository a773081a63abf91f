"""Where a report reads the case tables from: the engine the settings choose.

The data package (the default) is read by the storage layer's quick reader
(``storage.reading.open_for_reading``), unchanged. When the settings name a database
(``store_url``, or ``FORMS_APP_STORE_URL``), ``DatabaseTables`` reads the same tables from
PostgreSQL behind the same small interface (``has``, ``describe``, ``cells``, ``scan``), giving
the same cells as strings in the same order (the order written), so the report's counting
cannot tell the engines apart.

The staff directory (``staff_directory``) comes from the same place: ``users.json`` in the
data directory, or under a database the same document kept there.

Code handed only a data directory (the PII gate's people, the staff's approval page) finds the
database as the rest of the service does: the environment's URL, or the one the app recorded at
start-up for that data directory (``storage.shared_database``).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Sequence
from pathlib import Path

from forms_app.storage.contract import Contract
from forms_app.storage.engines import store_url
from forms_app.storage.reading import Cells, open_for_reading
from forms_app.storage.records import row_maker
from forms_app.storage.shared_database import database_for

#: Rows fetched from the database per round trip while a table is read.
BATCH = 5000
_cursors = itertools.count(1)


def open_tables(data_dir: Path, settings=None):
    """A reader of the case tables: ``DatabaseTables`` when a database holds them, else the
    data package's reader of ``data_dir``."""
    url = database_url(data_dir, settings)
    if not url:
        return open_for_reading(data_dir)
    return DatabaseTables(url, data_dir)


def database_url(data_dir: Path, settings=None) -> str:
    """The database holding the case tables, or "" for the data package in ``data_dir``."""
    if settings is not None:
        return store_url(settings.raw.get("store_url"))
    return store_url(None) or database_for(data_dir)


def staff_directory(data_dir: Path, settings=None) -> dict[str, dict]:
    """The staff accounts by username (name, email, roles, ...): ``users.json`` in
    ``data_dir``, or the same document in the database the settings name."""
    url = database_url(data_dir, settings)
    if not url:
        path = Path(data_dir) / "users.json"
        if not path.exists():
            return {}
        return json.loads(path.read_text("utf-8")).get("users") or {}
    from forms_app.storage.postgres.accounts import TABLE
    from forms_app.storage.postgres.connection import connect

    with connect(url) as connection:
        if connection.execute("SELECT to_regclass(%s)", (TABLE,)).fetchone()[0] is None:
            return {}
        found = connection.execute(
            f"SELECT body FROM {TABLE} WHERE name = %s", ("users",)
        ).fetchone()
    return ((found[0] if found else None) or {}).get("users") or {}


class DatabaseTables:
    """The case tables in the PostgreSQL database at ``url``, read only, with the methods of
    the data package's ``TableReader``. Each read has a connection of its own, read in batches
    (a server-side cursor), so a million events are never all in memory at once."""

    def __init__(self, url: str, data_dir: Path, contract: Contract | None = None):
        # Imported only when chosen: the data package needs no database client.
        from forms_app.storage.postgres import PostgresStore

        contract = contract or Contract()
        tables = {name: contract.columns(name) for name in contract.resource_names}
        self.url = url
        self.data_dir = Path(data_dir)
        self.shapes = PostgresStore(url, data_dir, tables, contract).shapes

    def has(self, table: str) -> bool:
        """True if the table has been made in the database (it may still hold no rows)."""
        from forms_app.storage.postgres.connection import connect

        if table not in self.shapes:
            return False
        with connect(self.url) as connection:
            found = connection.execute("SELECT to_regclass(quote_ident(%s))", (table,))
            return found.fetchone()[0] is not None

    def describe(self, table: str) -> str:
        """How to name the table to a person (in an error message)."""
        return f"table {table!r} in the database"

    def cells(self, table: str) -> Cells | None:
        """The table's rows as cells (see ``storage.reading.Cells``), or None if it is missing."""
        if not self.has(table):
            return None
        columns = self.shapes[table].columns
        positions = {name: i for i, name in enumerate(columns)}
        rows = self._rows(table, columns)
        return Cells(positions, row_maker(tuple(columns)), len(columns), rows)

    def scan(self, table: str, columns: Sequence[str] | None = None) -> Iterator:
        """Each row: a dict, or with ``columns`` a tuple of those cells in that order (a column
        the table lacks reads as ""), as the data package's reader gives them."""
        if not self.has(table):
            return iter(())
        have = self.shapes[table].columns
        if columns is None:
            make = row_maker(tuple(have))
            return (make(cells) for cells in self._rows(table, have))
        wanted = tuple(columns)
        picked = tuple(name for name in wanted if name in have)
        if picked == wanted:
            return (tuple(cells) for cells in self._rows(table, picked))
        at = {name: i for i, name in enumerate(picked)}
        return (
            tuple(cells[at[name]] if name in at else "" for name in wanted)
            for cells in self._rows(table, picked)
        )

    def _rows(self, table: str, columns: Sequence[str]) -> Iterator[list[str]]:
        """Each row's cells as text ("" for an empty cell), in the order written."""
        from psycopg import sql

        from forms_app.storage.postgres.connection import connect
        from forms_app.storage.postgres.schema import POSITION

        cells = [sql.SQL("coalesce({}::text, '')").format(sql.Identifier(c)) for c in columns]
        query = sql.SQL("SELECT {} FROM {} ORDER BY {}").format(
            sql.SQL(", ").join(cells or [sql.SQL("''")]),  # no column: still one row per row
            sql.Identifier(table),
            sql.Identifier(POSITION),
        )
        with connect(self.url) as connection, connection.transaction():
            cursor = connection.cursor(name=f"report_{next(_cursors)}")
            cursor.itersize = BATCH
            cursor.execute(query)
            for row in cursor:
                yield list(row)
