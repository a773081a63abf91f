"""The retention purge: case files are kept for a set number of years after closure (the NHS
Records Management Code gives 10 years for complaint files), then removed.

A case file is kept for N years from its *closure* (10 by default; ``retention: years:`` in the
settings), where closure is the date of the ``closed`` (or ``withdrawn``) event that the case's
events leave in force: a case reopened, taken to a new stage or to the ombudsman is open again,
and its clock starts again at its next closure. Open cases and cases under a legal hold are never
purged. A purged case goes from ``submissions``, ``personal`` and ``events``, with its letters,
drafts and outbox entries. One audit entry per purge (the count, not the references).

Questionnaire answers (the survey, equality monitoring) name no case
(``forms_app.questionnaires.store``), so they go by their own age:
answers given in a month that ended more than N years before the purge are removed too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from forms_app.casework.flags import LEGAL_HOLD
from forms_app.questionnaires.store import Answers
from forms_app.storage import EVENTS, SUBMISSIONS

from .. import audit
from ..exporting import case_states
from .reach import clear_beyond
from .rewrite import finish_pending, remove_cases

DEFAULT_YEARS = 10


@dataclass
class PurgeResult:
    cutoff: date
    years: int
    expired: list[str] = field(default_factory=list)  # purged (or, dry run, to be purged)
    held: list[str] = field(default_factory=list)  # expired but under legal hold: kept
    removed: dict = field(default_factory=dict)  # rows per table, files, outbox entries
    dry_run: bool = False


def retention_years(settings) -> int:
    section = (settings.raw or {}).get("retention") or {}
    years = section.get("years", DEFAULT_YEARS) if isinstance(section, dict) else DEFAULT_YEARS
    if isinstance(years, bool) or not isinstance(years, int) or years < 1:
        raise ValueError(
            "retention.years in the settings must be a whole number of years, 1 or more"
        )
    return years


def cutoff_date(today: date, years: int) -> date:
    """The day N years before ``today`` (29 February becomes 28 February)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def expired_cases(parts, today: date, years: int) -> tuple[list[str], list[str]]:
    """(references to purge, references kept only because of a legal hold)."""
    cutoff = cutoff_date(today, years)
    submissions = list(parts.store.rows(SUBMISSIONS))
    states = case_states(parts, submissions, parts.store.rows(EVENTS))
    expired, held = [], []
    for ref, case in states.items():
        if case.status == "open" or case.closed_on is None or case.closed_on >= cutoff:
            continue
        (held if LEGAL_HOLD in case.flags else expired).append(ref)
    return sorted(expired), sorted(held)


def remove_old_answers(data_dir, cutoff: date) -> int:
    """Remove the survey answers of the months before the one ``cutoff`` falls in."""
    answers = Answers.existing(data_dir)
    if answers is None:
        return 0
    with answers:
        return answers.remove_before(cutoff.strftime("%Y-%m"))


def purge(
    parts,
    *,
    actor: str,
    now: datetime | None = None,
    years: int | None = None,
    dry_run: bool = False,
) -> PurgeResult:
    """Purge the cases closed more than ``years`` before ``now``; see the module docstring."""
    data_dir = parts.settings.data_dir
    beyond = clear_beyond(data_dir)
    if not dry_run:
        finish_pending(parts.store, beyond)
    years = retention_years(parts.settings) if years is None else years
    today = (now or datetime.now(UTC)).date()
    expired, held = expired_cases(parts, today, years)
    result = PurgeResult(cutoff_date(today, years), years, expired, held, dry_run=dry_run)
    if not dry_run and expired:
        result.removed = remove_cases(parts.store, expired, operation="purge", beyond=beyond)
    if not dry_run:
        result.removed["survey_answers"] = remove_old_answers(data_dir, result.cutoff)
    audit.record(
        data_dir,
        actor=actor,
        action="records.purge_dry_run" if dry_run else "records.purge",
        fields=["submissions", "personal", "events", "letters", "drafts", "outbox"],
        detail=(
            f"years={years} cutoff={result.cutoff.isoformat()} cases={len(expired)} "
            f"held={len(held)}"
        ),
    )
    return result
