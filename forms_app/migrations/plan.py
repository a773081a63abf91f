"""The upgrade steps in order, and the small shapes of change a step can be made from.

A ``Migration`` moves one table from the schema version before it to ``version``: a pure
function from the table's rows to its new rows (``change``), and what the columns become
(``columns``; the same by default). Every step leaves rows already in the new layout as they
are, so an upgrade interrupted between two tables can simply be run again.

To change a schema: edit ``datapackage/``, raise the descriptor's ``version``, add the step
here (and a line to ``datapackage/MIGRATIONS.md``), with a test that upgrades a data directory
made before the change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from forms_app.storage.schema_version import version_key

from .learning_actions import give_learning_actions_identifiers

Row = dict[str, str]
Change = Callable[[Iterable[Row]], Iterable[Row]]
Columns = tuple[str, ...]


def same_columns(columns: Columns) -> Columns:
    """The columns are not changed."""
    return tuple(columns)


@dataclass(frozen=True)
class Migration:
    """One step: ``table``'s rows through ``change``, its columns through ``columns``."""

    version: str
    table: str
    change: Change
    columns: Callable[[Columns], Columns] = same_columns

    @property
    def summary(self) -> str:
        """The first paragraph of the change's docstring, on one line: what changed."""
        first = (self.change.__doc__ or self.change.__name__).strip().split("\n\n")[0]
        return " ".join(first.split()).replace("``", "`")


def column_added(name: str, *, after: str, value: str = "") -> tuple[Callable, Change]:
    """The columns and change of a step that adds column ``name`` after ``after``, holding
    ``value`` in every existing row (a row that has it already keeps its own)."""

    def columns(before: Columns) -> Columns:
        if name in before:
            return tuple(before)
        at = before.index(after) + 1
        return (*before[:at], name, *before[at:])

    def change(rows: Iterable[Row]) -> Iterator[Row]:
        for row in rows:
            yield row if name in row else {**row, name: value}

    change.__doc__ = f"column {name!r} added after {after!r}"
    return columns, change


def column_renamed(old: str, new: str) -> tuple[Callable, Change]:
    """The columns and change of a step that renames column ``old`` to ``new`` in place."""

    def columns(before: Columns) -> Columns:
        return tuple(new if column == old else column for column in before)

    def change(rows: Iterable[Row]) -> Iterator[Row]:
        for row in rows:
            yield (
                row
                if old not in row
                else {(new if key == old else key): cell for key, cell in row.items()}
            )

    change.__doc__ = f"column {old!r} renamed {new!r}"
    return columns, change


def code_renamed(column: str, old: str, new: str) -> Change:
    """The change of a step that renames the code ``old`` to ``new`` in ``column``."""

    def change(rows: Iterable[Row]) -> Iterator[Row]:
        for row in rows:
            yield {**row, column: new} if row.get(column) == old else row

    change.__doc__ = f"code {old!r} in {column!r} renamed {new!r}"
    return change


def table_created(table: str, why: str) -> Change:
    """The change of a step that adds a new table: there are no rows to change; the upgrade
    writes the table's file with its header (``storage.upgrading``), so the data directory's
    package is whole, and a table already there is left as it is. ``why`` says why it was
    added."""

    def change(rows: Iterable[Row]) -> Iterator[Row]:
        yield from rows

    change.__doc__ = f"table {table!r} created, empty.\n\nWhy: {why}"
    return change


#: Every step since the first release (schema 1.0.0), oldest first.
MIGRATIONS: tuple[Migration, ...] = (
    Migration("1.1.0", "events", give_learning_actions_identifiers),
    Migration(
        "1.2.0",
        "evidence",
        table_created(
            "evidence",
            "files people and staff add to a case (photos, letters, documents) are described "
            "in their own table, with a checksum and a virus scan, and kept under evidence/.",
        ),
    ),
)


def pending(
    found: str, wanted: str, migrations: Sequence[Migration] = MIGRATIONS
) -> list[Migration]:
    """The steps that take data at version ``found`` to version ``wanted``, in order."""
    low, high = version_key(found), version_key(wanted)
    steps = [m for m in migrations if low < version_key(m.version) <= high]
    return sorted(steps, key=lambda m: version_key(m.version))
