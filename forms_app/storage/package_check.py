"""Full validation of the data package with frictionless: every error, not the first thousand.

Slow (thousands of rows a second) and thorough: run by ``feedback validate``, by the tests and
before publishing; never per request (the contract's row checks do that).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from frictionless import Package

from .records import decode_record, split_records

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
    errors.extend(checksum_errors(package))
    return PackageReport(not errors, rows=rows, errors=errors)


def checksum_errors(package: Package) -> list[str]:
    """Rows whose checksum does not match their cells: changed outside the service, or damaged.
    Frictionless cannot see this, and the store refuses to start on it, so say where."""
    errors = []
    for resource in package.resources:
        path = Path(package.basepath or ".") / resource.path
        if not path.exists():
            continue
        with open(path, "rb") as handle:
            chunks = iter(lambda: handle.read(1 << 20), b"")
            for number, record in enumerate(split_records(chunks), start=1):
                if number == 1:
                    continue  # the header
                if not record.complete or decode_record(record.data) is None:
                    errors.append(
                        f"{resource.name} row {number}: checksum error: the row does not match "
                        "its checksum (changed outside the service, or damaged)"
                    )
    return errors
