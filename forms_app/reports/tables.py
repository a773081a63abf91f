"""A table of a report: what the page shows, the chart draws and the data package holds.

Values are numbers, ``HIDDEN`` (None: withheld by disclosure control, shown as "not shown") or
``NOT_KNOWN`` (no value, for example a rate for a service whose size is not configured).
"""

from __future__ import annotations

from dataclasses import dataclass, field

HIDDEN = None
NOT_KNOWN = ""

#: Column kinds: how values are written and typed in the data package (TEXT: words, such as a
#: target written out).
COUNT, PERCENT, RATE, DAYS, CHANGE, TEXT = "count", "percent", "rate", "days", "change", "text"


@dataclass
class Column:
    key: str
    label: dict[str, str]
    kind: str = COUNT
    on_page: bool = True  # False: in the data package only


@dataclass
class Row:
    key: str
    label: dict[str, str]
    values: list
    total: bool = False
    in_chart: bool = True  # False for a row that is part of others (well-founded)


@dataclass
class Table:
    """``key`` names the CSV and the chart; ``how`` is the sentence saying how it is counted."""

    key: str
    title: dict[str, str]
    how: dict[str, str]
    row_header: dict[str, str]
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)
    notes: list[dict[str, str]] = field(default_factory=list)
    chart: str | None = None  # the column key a bar chart draws, or None
    breakdown: bool = False  # below whole-organisation level: disclosure-controlled
    withheld: bool = False  # too small to publish in any form: the page says so instead

    def column(self, key: str) -> int:
        return next(i for i, c in enumerate(self.columns) if c.key == key)

    def value(self, row_key: str, column_key: str):
        index = self.column(column_key)
        return next(r.values[index] for r in self.rows if r.key == row_key)


def percent(part, whole) -> float | str | None:
    """``part`` as a percentage of ``whole``, 1 decimal place; HIDDEN if either is hidden,
    NOT_KNOWN if the whole is 0."""
    if part is HIDDEN or whole is HIDDEN:
        return HIDDEN
    if part == NOT_KNOWN or whole in (NOT_KNOWN, 0):
        return NOT_KNOWN
    return round(100 * part / whole, 1)


def change(new, old) -> float | str | None:
    """The change from ``old`` to ``new`` as a percentage of ``old``."""
    if new is HIDDEN or old is HIDDEN:
        return HIDDEN
    if old in (NOT_KNOWN, 0) or new == NOT_KNOWN:
        return NOT_KNOWN
    return round(100 * (new - old) / old, 1)
