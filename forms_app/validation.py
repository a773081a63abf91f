"""Full validation of the data package with frictionless: every error, not the first thousand.

Slow (thousands of rows a second) and thorough: run by ``feedback validate``, by the tests and
before publishing; never per request (the contract's row checks do that).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from frictionless import Package

# Frictionless stops at 1,000 errors by default, which hides the rest of a bad import.
NO_LIMIT = 10**9


@dataclass
class PackageReport:
    valid: bool
    rows: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def lines(self) -> list[str]:
        counts = ", ".join(f"{name}: {count} rows" for name, count in self.rows.items())
        if self.valid:
            return [f"valid: {counts}"]
        return [*self.errors, f"invalid: {len(self.errors)} errors ({counts})"]


def validate_package(data_dir: Path) -> PackageReport:
    descriptor = data_dir / "datapackage.json"
    if not descriptor.exists():
        return PackageReport(False, errors=[f"{descriptor} is missing: start the app once"])
    package = Package(str(descriptor))
    report = package.validate(limit_errors=NO_LIMIT)
    errors = []
    rows = {}
    for task in report.tasks:
        rows[task.name] = task.stats.get("rows") or 0
        for error in task.errors:
            where = f"row {error.row_number}" if getattr(error, "row_number", None) else ""
            column = getattr(error, "field_name", "") or ""
            place = " ".join(part for part in (task.name, where, column) if part)
            # The note names the rule; the cell's value is never printed (it may be personal).
            errors.append(f"{place}: {error.title}: {error.note}")
    errors.extend(f"package: {error.title}: {error.note}" for error in report.errors)
    return PackageReport(report.valid, rows=rows, errors=errors)
