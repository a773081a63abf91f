"""Importing records from an earlier system: a CSV or XLSX export and a YAML mapping.

- ``mapping``: load and check the mapping (which column fills which field, and how).
- ``reading``: read the CSV or XLSX rows.
- ``planning``: turn rows into submissions, personal details and events; check every row.
- ``committing``: write everything new, all or nothing, under the store's lock.
- ``vocabulary`` and ``messages``: the codes rows may use, and problems in words.

``run_import`` puts them together for ``feedback import`` and writes the audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .. import audit
from .committing import Changes, Existing, ImportRefused, commit, compare
from .mapping import ImportMapping, MappingError, load_mapping
from .planning import Plan, Problem, plan_import
from .reading import SourceError, read_source
from .vocabulary import Vocabulary

__all__ = [
    "ImportReport",
    "MappingError",
    "SourceError",
    "run_import",
]


@dataclass
class ImportReport:
    """What an import found and did. ``written`` is True only when rows were committed."""

    source: Path
    mapping: ImportMapping
    plan: Plan
    changes: Changes | None
    problems: list[Problem]
    dry_run: bool
    written: bool = False

    @property
    def refused(self) -> bool:
        return bool(self.problems)


def run_import(
    parts,
    source: Path,
    mapping_path: Path,
    *,
    actor: str,
    dry_run: bool = False,
    now: datetime | None = None,
) -> ImportReport:
    """Read, check and (unless ``dry_run``) commit an import; audit it unless a dry run.

    Raises MappingError or SourceError when the mapping or the file cannot be used at all;
    problems with rows are in the report (and then nothing is written).
    """
    source, mapping_path = Path(source), Path(mapping_path)
    mapping, vocabulary = load_mapping(
        mapping_path, lambda code: Vocabulary.from_parts(parts, code)
    )
    plan = plan_import(read_source(source, mapping), mapping, vocabulary, now=now)
    report = ImportReport(source, mapping, plan, None, list(plan.problems), dry_run)
    if dry_run or plan.problems:
        if not plan.problems:
            report.changes = compare(plan, mapping, Existing.read(parts.store))
            report.problems = report.changes.problems
    else:
        try:
            report.changes = commit(parts.store, plan, mapping)
            report.written = True
        except ImportRefused as refused:
            report.problems = refused.problems
    if not dry_run:
        _audit(parts, actor, report)
    return report


def _audit(parts, actor: str, report: ImportReport) -> None:
    changes = report.changes
    if report.written and changes is not None:
        detail = (
            f"result=imported file={report.source.name} rows={report.plan.rows} "
            f"new_cases={len(changes.new_cases)} new_events={len(changes.new_events)} "
            f"already_imported={changes.already_imported} "
            f"personal_rows={len(changes.personal_rows)}"
        )
        fields = sorted(report.mapping.personal) if changes.personal_rows else []
    else:
        detail = (
            f"result=refused file={report.source.name} rows={report.plan.rows} "
            f"problems={len(report.problems)}"
        )
        fields = []
    audit.record(
        parts.settings.data_dir, actor=actor, action="import", fields=fields, detail=detail
    )
