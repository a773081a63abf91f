"""The report's aggregate data package: one CSV per table and a ``datapackage.json`` describing
them, validated with frictionless before anything is published.

Every CSV has ``code`` (the row's key), ``label`` and ``label_cy`` (its name in English and
Welsh), then one column per value. An empty value means "not shown" (withheld by disclosure
control) or "not known"; the field descriptions say which columns can hold which. Only counts
that passed disclosure control are written: the same numbers as the page.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from .figures import Report
from .tables import CHANGE, COUNT, DAYS, HIDDEN, NOT_KNOWN, PERCENT, RATE, Table

_TYPES = {
    COUNT: "integer",
    PERCENT: "number",
    RATE: "number",
    DAYS: "number",
    CHANGE: "number",
    "number": "number",
    "text": "string",
}
_UNITS = {
    PERCENT: "a percentage, 0 to 100, 1 decimal place",
    RATE: "per 1,000 people served, 1 decimal place",
    DAYS: "working days, 1 decimal place",
    CHANGE: "the difference from the period before",
}


class DataPackageError(Exception):
    """The data package did not validate."""


def _cell(value, kind: str, language: str = "en") -> str:
    if value is HIDDEN or value == NOT_KNOWN:
        return ""
    if isinstance(value, dict):
        return value.get(language, "")
    if kind == COUNT and isinstance(value, int):
        return str(value)
    return repr(value) if isinstance(value, float) else str(value)


def table_csv(table: Table) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    header = ["code", "label", "label_cy"]
    for column in table.columns:
        header.append(column.key)
        if column.kind == "text":
            header.append(f"{column.key}_cy")
    writer.writerow(header)
    for row in table.rows:
        cells = [row.key, row.label["en"], row.label["cy"]]
        for column, value in zip(table.columns, row.values, strict=True):
            cells.append(_cell(value, column.kind, "en"))
            if column.kind == "text":
                cells.append(_cell(value, column.kind, "cy"))
        writer.writerow(cells)
    return buffer.getvalue()


def _schema(table: Table) -> dict:
    hidden_note = (
        "Empty: not shown, to protect people's identity (disclosure control)."
        if table.breakdown
        else "Empty: not known (nothing to count)."
    )
    fields = [
        {
            "name": "code",
            "type": "string",
            "title": "Row",
            "constraints": {"required": True},
            "description": "The row's key: a code for a kind, service, stage, outcome or theme; "
            "'total' for a total.",
        },
        {"name": "label", "type": "string", "title": "Row (English)"},
        {"name": "label_cy", "type": "string", "title": "Row (Welsh)"},
    ]
    for column in table.columns:
        kind = column.kind
        description = column.label["en"]
        if kind in _UNITS:
            description += f" ({_UNITS[kind]})"
        if kind != "text":
            description += f". {hidden_note}"
        fields.append(
            {
                "name": column.key,
                "type": _TYPES.get(kind, "number"),
                "title": column.label["en"],
                "description": description,
            }
        )
        if kind == "text":
            fields.append(
                {
                    "name": f"{column.key}_cy",
                    "type": "string",
                    "title": f"{column.label['en']} (Welsh)",
                }
            )
    return {"fields": fields, "missingValues": [""], "primaryKey": ["code"]}


def descriptor(
    report: Report, tables: list[Table], organisation: str, licence: dict, files: dict[str, str]
) -> dict:
    period = report.period
    resources = []
    for table in tables:
        resources.append(
            {
                "name": table.key,
                "path": files[table.key],
                "title": table.title["en"],
                "description": f"{table.how['en']} Welsh: {table.title['cy']}. {table.how['cy']}",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": _schema(table),
            }
        )
    return {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": f"feedback-report-{period.slug}",
        "title": f"{organisation}: feedback, complaints and compliments, {period.label('en')}",
        "description": (
            f"Counts of feedback, complaints and compliments for {period.span('en')}, as "
            f"published in the report of the same name, with the returns for regulators. "
            f"Figures as at {report.as_at.isoformat()}. Breakdowns below the whole "
            f"organisation hide small numbers ({report.policy.describe('en')})"
        ),
        "version": report.as_at.isoformat(),
        "created": report.as_at.isoformat() + "T00:00:00Z",
        "licenses": [licence],
        "resources": resources,
    }


def write(report: Report, directory: Path, organisation: str, licence: dict) -> list[Path]:
    """Write the CSVs and ``datapackage.json`` into ``directory``; return the files."""
    directory.mkdir(parents=True, exist_ok=True)
    tables = [t for t in [*report.tables.values(), *report.returns.values()] if not t.withheld]
    files = {t.key: f"{t.key}.csv" for t in tables}
    written = []
    for table in tables:
        path = directory / files[table.key]
        path.write_text(table_csv(table), encoding="utf-8")
        written.append(path)
    path = directory / "datapackage.json"
    path.write_text(
        json.dumps(
            descriptor(report, tables, organisation, licence, files), indent=2, ensure_ascii=False
        )
        + "\n",
        encoding="utf-8",
    )
    written.append(path)
    return written


def validate(directory: Path) -> None:
    """Raise DataPackageError listing every problem frictionless finds."""
    raise_for(problems(directory))


def problems(directory: Path) -> list[str]:
    """Every problem frictionless finds in the package (none: an empty list)."""
    from frictionless import Package

    report = Package(str(directory / "datapackage.json")).validate()
    found = [
        f"{task.name}: {error.title}: {error.note}"
        for task in report.tasks
        for error in task.errors
    ]
    return found + [f"package: {error.title}: {error.note}" for error in report.errors]


def raise_for(found: list[str]) -> None:
    """DataPackageError naming the first 30 problems, if there are any."""
    if found:
        raise DataPackageError("the data package is not valid:\n  " + "\n  ".join(found[:30]))
