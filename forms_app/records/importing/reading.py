"""Reading a legacy export: CSV or XLSX rows as cells keyed by column name, numbered as the
spreadsheet numbers them (the header is row 1 unless the mapping says otherwise).

Cells come back as text, or as ``date`` / ``datetime`` where a spreadsheet stored a real date.
Text is returned exactly as it was in the file: nothing is trimmed, and a cell that looks like a
formula (``=HYPERLINK(...)``) is plain text here. XLSX formulas are read as the value Excel last
calculated, which is what the person saw.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from .mapping import ImportMapping, match_key

Cell = str | date | datetime


class SourceError(ValueError):
    """The file cannot be read as the mapping describes: wrong sheet, encoding or header."""


@dataclass(frozen=True)
class SourceRow:
    number: int  # the row number a person sees in Excel
    cells: dict[str, Cell]  # by the mapping's spelling of each column it reads


@dataclass(frozen=True)
class SourceTable:
    columns: list[str]  # the header as written in the file
    rows: list[SourceRow]


def read_source(path: Path, mapping: ImportMapping) -> SourceTable:
    """Every non-blank row of the file, keeping only the columns the mapping reads.

    Raises SourceError naming every mapped column the header lacks (with the ones it has).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        records = _xlsx_records(path, mapping.sheet)
    elif suffix in (".csv", ".txt", ".tsv"):
        records = _csv_records(path, mapping.encoding, mapping.delimiter)
    else:
        raise SourceError(f"{path.name}: expected a .csv or .xlsx file")
    return _table(path, records, mapping)


def _table(path: Path, records: Iterator[tuple[int, list]], mapping: ImportMapping) -> SourceTable:
    header = None
    for number, values in records:
        if number == mapping.header_row:
            header = ["" if value is None else str(value) for value in values]
            break
    if header is None:
        raise SourceError(f"{path.name}: there is no header row {mapping.header_row}")
    # Headers are matched like values: real exports have stray spaces and changes of case.
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        key = match_key(name)
        if key and key in positions:
            raise SourceError(f"{path.name}: two columns are called {name.strip()!r}")
        if key:
            positions[key] = index
    missing = sorted(name for name in mapping.columns if match_key(name) not in positions)
    if missing:
        have = ", ".join(name.strip() for name in header if name.strip())
        raise SourceError(
            f"{path.name}: the mapping reads column(s) not in the header row "
            f"{mapping.header_row}: {', '.join(missing)} (the file has: {have})"
        )
    wanted = {name: positions[match_key(name)] for name in mapping.columns}
    rows = []
    for number, values in records:
        cells = {name: _cell(values[i]) if i < len(values) else "" for name, i in wanted.items()}
        if any(_filled(value) for value in values):
            rows.append(SourceRow(number, cells))
    return SourceTable(header, rows)


def _filled(value) -> bool:
    if value is None:
        return False
    return not isinstance(value, str) or bool(value.strip())


def _cell(value) -> Cell:
    """One cell as text, date or datetime (what the planner reads)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return value
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"  # as Excel shows it
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 1234.0 stored by Excel for a typed 1234
    return str(value)


def _csv_records(path: Path, encoding: str, delimiter: str) -> Iterator[tuple[int, list]]:
    try:
        with open(path, encoding=encoding, newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            # Row numbers count records, not lines: a cell can hold line breaks, and Excel
            # shows such a record as one row.
            yield from enumerate(reader, start=1)
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"{path.name}: not {encoding} text (byte {exc.start}). Save it from Excel as "
            "'CSV UTF-8', or set source.encoding (cp1252 for an older Excel CSV)"
        ) from None
    except csv.Error as exc:
        raise SourceError(f"{path.name}: not readable as CSV: {exc}") from None


def _xlsx_records(path: Path, sheet: str | None) -> Iterator[tuple[int, list]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # read_only streams rows; data_only gives formulas' last values, never the formula text.
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as exc:
        raise SourceError(f"{path.name}: not readable as an Excel workbook: {exc}") from None
    try:
        if sheet is None:
            worksheet = workbook.worksheets[0]
        elif sheet in workbook.sheetnames:
            worksheet = workbook[sheet]
        else:
            raise SourceError(
                f"{path.name}: no sheet called {sheet!r} (it has: {', '.join(workbook.sheetnames)})"
            )
        # Some tools write a wrong sheet size; forget it and read what is there.
        worksheet.reset_dimensions()
        for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
            yield number, list(values)
    finally:
        workbook.close()
