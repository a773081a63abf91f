"""The shape the returns share: a return as a long table, one row per figure, with the period
and the stage (if any) it is for, and its value (the way the CSV of each return reads)."""

from __future__ import annotations

from ..tables import TEXT, Column, Row, Table

NUMBER = "number"  # a column of numbers of several kinds (counts, percentages, days)


def en_cy(en: str, cy: str) -> dict[str, str]:
    return {"en": en, "cy": cy}


def long_table(
    key: str,
    title: dict[str, str],
    how: dict[str, str],
    rows: list[Row],
    value_kind: str = NUMBER,
) -> Table:
    """A return as one row per figure: which period, which stage (if any), and the value."""
    return Table(
        key,
        dict(title),
        dict(how),
        en_cy("Indicator", "Dangosydd"),
        [
            Column("period", en_cy("Period", "Cyfnod"), TEXT),
            Column("stage", en_cy("Stage", "Cam"), TEXT),
            Column("value", en_cy("Value", "Gwerth"), value_kind),
        ],
        rows,
    )
