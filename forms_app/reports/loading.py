"""Reading the data package for a report: every case folded from its submission and events
with ``casework.state`` (the one definition of a case's state) and taken as the report counts
it (``counted``), and nothing from the personal-details resource (the PII gate reads that, to
know what must never be published). The same pass over the events and submissions also
collects what the PII gate must know was written on cases (``Dataset.writing``, exactly what
``pii_sources.case_writing`` reads), so the report reads each table once.

The cases are folded from where the last report left them when it saved them (``saved_counts``:
only what was appended since is read and folded), else from the first row (``folding``).

The tables are read from the engine the settings choose (``sources.open_tables``): the data
package through the storage layer's reader (``forms_app.storage.reading``: quick, without the
store's checksum checks, leaving out an incomplete last record), or PostgreSQL through a reader
of the same shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from forms_app.procedures.profiles import (
    Procedure,
    ProcedureError,
    WorkingCalendar,
    load_procedure,
)
from forms_app.questionnaires.model import KNOWN
from forms_app.questionnaires.store import Answers
from forms_app.storage.store import SUBMISSIONS

from . import saved_counts
from .counted import Counted
from .folding import NOT_COUNTED, Procedures
from .pii_sources import CaseWriting
from .sources import open_tables

__all__ = ["NOT_COUNTED", "DataError", "Dataset", "load"]


class DataError(ValueError):
    """The data directory cannot be reported on."""


@dataclass
class Dataset:
    """The cases of a data directory, folded, and what the report needs besides."""

    cases: list[Counted]
    procedures: dict[str, Procedure]
    default_procedure: Procedure
    closure_days: tuple[date, ...] = ()
    on_behalf: dict[str, str] = field(default_factory=dict)  # ref -> self / someone_else
    #: Questionnaire answers, by questionnaire: (month, answers) each, with nothing of the case.
    questionnaires: dict[str, list[tuple[str, dict]]] = field(default_factory=dict)
    _calendars: dict[str, WorkingCalendar] = field(default_factory=dict)
    #: Who acted on cases and what was written on them (``pii_sources.case_writing``).
    writing: CaseWriting | None = None
    #: Saves the folded cases for the next report (``saved_counts``); None if nothing to save.
    saving: Callable[[], object] | None = None
    #: Rows read after the saved cases the fold started from (None: folded from the first row).
    since_saved: int | None = None
    #: What the fold made on the way (freed with the data set, not before: ``folding.Folded``).
    folded: object = None

    def procedure_for(self, case: Counted) -> Procedure:
        return self.procedures.get(case.procedure) or self.default_procedure

    def calendar_for(self, procedure: Procedure) -> WorkingCalendar:
        calendar = self._calendars.get(procedure.nation)
        if calendar is None:
            # Its working-day arithmetic is a look-up in a table shared by the process
            # (procedures.working_days), so counting for tens of thousands of stages is cheap.
            calendar = WorkingCalendar(procedure.nation, self.closure_days)
            self._calendars[procedure.nation] = calendar
        return calendar


def load(data_dir: Path, settings) -> Dataset:
    """Fold every case in ``data_dir`` (its submissions and events), or in the database the
    settings name."""
    tables = open_tables(data_dir, settings)
    if not tables.has(SUBMISSIONS):
        raise DataError(
            f"there is no {tables.describe(SUBMISSIONS)} in {data_dir}: nothing to report on"
        )
    try:
        default = load_procedure(settings.procedure)
    except ProcedureError as error:
        raise DataError(f"the procedure named in the settings: {error}") from error
    procedures = Procedures(default)
    folded = saved_counts.fold(tables, procedures)
    # A duplicate merged into another case is the same feedback: it is counted once, as the
    # case it was merged into. (What it says is still read by the PII gate, above.)
    cases = [case for case in folded.cases if case.status != "merged"]
    years = range(2000, date.today().year + 3)
    return Dataset(
        cases=cases,
        procedures=procedures.by_code,
        default_procedure=default,
        closure_days=tuple(settings.closure_dates(years)),
        on_behalf=folded.on_behalf,
        questionnaires=_questionnaires(data_dir),
        writing=folded.writing,
        saving=folded.saving,
        since_saved=folded.since_saved,
        folded=folded,
    )


def _questionnaires(data_dir: Path) -> dict[str, list[tuple[str, dict]]]:
    """Every questionnaire's answers (none when nobody has been invited yet)."""
    answers = Answers.existing(data_dir)
    if answers is None:
        return {}
    with answers:
        return {key: answers.responses(key) for key in KNOWN}
