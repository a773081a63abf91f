"""The case tables in PostgreSQL, made from the table schemas in ``datapackage/``.

Each resource becomes one table with the same columns in the same order, less ``crc`` (the
database checks its own pages; the checksum is written again when rows leave as a data
package). Every cell is kept as the text the store was given, so a row read back, or exported
as a data package, is the same string for string: an empty cell is NULL, and reads back as "".
Integers are the exception: they are ``bigint``, and read back as their decimal digits.

The schema's rules become constraints, so that nothing that bypasses the service's own checks
can store a row the data package would call invalid:

- ``required`` is NOT NULL; ``enum`` is a CHECK that the value is one of the list;
- ``pattern``, ``minLength``, ``maxLength`` and ``minimum`` are CHECKs;
- ``date``, ``datetime`` and ``boolean`` are CHECKs on the text's form (ISO 8601 dates and times,
  the boolean words frictionless reads), and a date must also be a real day;
- ``primaryKey`` is the primary key, and ``unique`` a UNIQUE constraint (the idempotency key).

A table the contract does not describe (the storage tests make their own) gets text columns
with no rules, except that ``ref`` is the key of ``submissions`` and ``personal``, and
``idempotency_key`` is unique.

Every table also has ``row_position``, taken from one sequence shared by all the tables when
the row is written. Writers take the store's write lock inside their transaction, so positions
are given in the order the transactions commit: a reader that has seen a position has seen
every committed row before it (``changes_since``). ``feedback_generations`` counts the rewrites
of each table, so a reader whose rows were rewritten under it is told to start again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from psycopg import sql

from ..contract import Contract

POSITION = "row_position"
SEQUENCE = "feedback_position"
GENERATIONS = "feedback_generations"
CRC = "crc"

#: The forms frictionless reads by default (ISO 8601), as PostgreSQL regular expressions.
_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_DATETIME = _DATE + r"T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:?[0-9]{2})?"
_BOOLEAN = ("true", "True", "TRUE", "1", "false", "False", "FALSE", "0")

#: The keys a table has even when the contract does not describe it.
_KEYS = {"submissions": (["ref"], ["idempotency_key"]), "personal": (["ref"], [])}


class TableShape:
    """One table's columns and the SQL that makes it."""

    def __init__(self, name: str, columns: Sequence[str], schema: Mapping | None):
        columns = list(columns)
        if len(columns) < 2 or columns[-1] != CRC:
            raise ValueError(f"{name}: columns must end with {CRC!r}")
        self.name = name
        self.columns = tuple(columns[:-1])
        fields = {field["name"]: field for field in (schema or {}).get("fields", [])}
        self.fields = {column: fields.get(column, {}) for column in self.columns}
        primary, unique = _KEYS.get(name, ([], []))
        if schema:
            primary = list(schema.get("primaryKey", []))
            unique = [
                field["name"]
                for field in schema["fields"]
                if field.get("constraints", {}).get("unique") and [field["name"]] != primary
            ]
        self.primary_key = [column for column in primary if column in self.columns]
        self.unique = [column for column in unique if column in self.columns]
        self.integers = {
            column for column, field in self.fields.items() if field.get("type") == "integer"
        }

    def create(self) -> sql.Composed:
        """CREATE TABLE IF NOT EXISTS, with every constraint."""
        parts = [
            sql.SQL("{} {} NOT NULL DEFAULT nextval({}) UNIQUE").format(
                sql.Identifier(POSITION), sql.SQL("bigint"), sql.Literal(SEQUENCE)
            )
        ]
        for column in self.columns:
            parts.append(self._column(column))
        if self.primary_key:
            parts.append(
                sql.SQL("PRIMARY KEY ({})").format(
                    sql.SQL(", ").join(map(sql.Identifier, self.primary_key))
                )
            )
        for column in self.unique:
            parts.append(sql.SQL("UNIQUE ({})").format(sql.Identifier(column)))
        return sql.SQL("CREATE TABLE IF NOT EXISTS {} ({})").format(
            sql.Identifier(self.name), sql.SQL(", ").join(parts)
        )

    def _column(self, column: str) -> sql.Composed:
        field = self.fields[column]
        rules = field.get("constraints", {})
        kind = "bigint" if column in self.integers else "text"
        name = sql.Identifier(column)
        checks: list[sql.Composable] = []
        if kind == "text":
            # An empty cell is NULL, never "": one spelling of "nothing", so NOT NULL means it.
            checks.append(sql.SQL("{} <> ''").format(name))
        if "enum" in rules:
            checks.append(
                sql.SQL("{} IN ({})").format(
                    name, sql.SQL(", ").join(sql.Literal(str(value)) for value in rules["enum"])
                )
            )
        if "pattern" in rules:
            checks.append(_matches(name, rules["pattern"]))
        if "minLength" in rules:
            checks.append(sql.SQL("char_length({}) >= {}").format(name, rules["minLength"]))
        if "maxLength" in rules:
            checks.append(sql.SQL("char_length({}) <= {}").format(name, rules["maxLength"]))
        if "minimum" in rules and kind == "bigint":
            checks.append(sql.SQL("{} >= {}").format(name, sql.Literal(int(rules["minimum"]))))
        kind_of = field.get("type")
        if kind_of == "date":
            # The form first, then the day itself (2026-02-30 has the form and is no day).
            checks.append(
                sql.SQL("({}) AND {}::date = {}::date").format(_matches(name, _DATE), name, name)
            )
        elif kind_of == "datetime":
            checks.append(_matches(name, _DATETIME))
        elif kind_of == "boolean":
            checks.append(
                sql.SQL("{} IN ({})").format(name, sql.SQL(", ").join(map(sql.Literal, _BOOLEAN)))
            )
        out = sql.SQL("{} {}").format(name, sql.SQL(kind))
        if rules.get("required"):
            out = sql.SQL("{} NOT NULL").format(out)
        for check in checks:
            out = sql.SQL("{} CHECK ({})").format(out, check)
        return out


def _matches(name: sql.Identifier, pattern: str) -> sql.Composed:
    """The whole value matches ``pattern`` (the schema's patterns match the whole cell)."""
    return sql.SQL("{} ~ {}").format(name, sql.Literal(f"^(?:{pattern})$"))


def shapes(tables: Mapping[str, Sequence[str]], contract: Contract | None) -> dict:
    """A ``TableShape`` per table: the contract's rules when it describes the table with these
    very columns, otherwise text columns with only the store's keys."""
    out = {}
    for name, columns in tables.items():
        schema = None
        described = contract is not None and name in contract.resource_names
        if described and contract.columns(name) == list(columns):
            schema = contract.resource(name)["schema"]
        out[name] = TableShape(name, columns, schema)
    return out


def create_tables(connection, table_shapes: Mapping[str, TableShape]) -> bool:
    """Make the sequence, the generations table and every table that is missing (one
    transaction; safe to run again, and by several processes starting together). Returns
    whether anything was made. When everything is there nothing is run that needs the right
    to create, so an app role that may only read and append starts on tables made for it."""
    if not _missing(connection, table_shapes):
        return False
    with connection.transaction():
        # Two first starts at once would both try to create the same objects.
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        connection.execute(
            sql.SQL("CREATE SEQUENCE IF NOT EXISTS {}").format(sql.Identifier(SEQUENCE))
        )
        connection.execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (name text PRIMARY KEY, generation bigint NOT NULL)"
            ).format(sql.Identifier(GENERATIONS))
        )
        for shape in table_shapes.values():
            connection.execute(shape.create())
            connection.execute(
                sql.SQL("INSERT INTO {} VALUES ({}, 0) ON CONFLICT DO NOTHING").format(
                    sql.Identifier(GENERATIONS), sql.Literal(shape.name)
                )
            )
    return True


def _missing(connection, table_shapes: Mapping[str, TableShape]) -> list[str]:
    names = [SEQUENCE, GENERATIONS, *table_shapes]
    found = connection.execute(
        "SELECT name FROM unnest(%s::text[]) AS name WHERE to_regclass(quote_ident(name)) IS NULL",
        (names,),
    ).fetchall()
    missing = [name for (name,) in found]
    if not missing:
        counted = connection.execute(
            sql.SQL("SELECT count(*) FROM {} WHERE name = ANY(%s)").format(
                sql.Identifier(GENERATIONS)
            ),
            (list(table_shapes),),
        ).fetchone()[0]
        if counted != len(table_shapes):
            missing.append(GENERATIONS)
    return missing


#: Advisory lock keys (any bigint, the same in every process): one for making the tables, one
#: held by every writer for the length of its transaction.
SCHEMA_LOCK = 0x46454544_0001
WRITE_LOCK = 0x46454544_0002
