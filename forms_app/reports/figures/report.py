"""The report: every table it publishes, in the order the page shows them, its returns to
regulators, and the headline figures of its summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ..disclosure import Policy
from ..loading import Dataset
from ..periods import Period
from ..tables import Table
from ..words import Names
from .by_procedure import per_procedure
from .counting import Counting
from .equality import equality
from .ko41a import Ko41aReturn, ko41a_return, public_tables
from .learning import learning_actions
from .lgsco import lgsco_figures
from .outcomes import ombudsman, outcomes, outcomes_by_service_and_stage, outcomes_by_stage
from .returns import annual_return, applicable
from .satisfaction import satisfaction
from .spso import spso_indicators
from .themes import themes
from .timeliness import acknowledgement, responses
from .volumes import (
    complaints_by_service,
    complaints_by_stage,
    compliments_by_service,
    feedback_by_kind,
)


@dataclass
class Report:
    """Everything a report publishes, before it is written as pages, charts and CSV."""

    period: Period
    periods: list[Period]  # the comparison periods, oldest first, ending with ``period``
    as_at: date
    policy: Policy
    tables: dict[str, Table] = field(default_factory=dict)
    returns: dict[str, Table] = field(default_factory=dict)
    headline: dict[str, object] = field(default_factory=dict)
    behind: dict[str, object] = field(default_factory=dict)  # the numbers behind the headline
    few: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    ombudsman_name: dict[str, str] = field(default_factory=dict)
    untranslated: list[str] = field(default_factory=list)
    #: NHS England's KO41a return with its actual numbers, for the return file (never the page)
    ko41a: Ko41aReturn | None = None


def compute(
    dataset: Dataset,
    settings,
    period: Period,
    *,
    as_at: date | None = None,
    policy: Policy | None = None,
) -> Report:
    as_at = as_at or date.today()
    policy = policy or Policy.from_settings(settings.raw)
    procedures = [dataset.default_procedure] + [
        p for code, p in dataset.procedures.items() if code != dataset.default_procedure.code
    ]
    names = Names(settings, procedures)
    periods = [period.previous().previous(), period.previous(), period]
    counting = Counting(dataset, settings, names, policy, periods, as_at)
    report = Report(period, periods, as_at, policy, ombudsman_name=names.ombudsman)
    by_service, report.few = complaints_by_service(counting)
    for table in _page_tables(counting, by_service):
        report.tables[table.key] = table
    returns = _returns(counting, dataset.default_procedure, report.tables)
    if "ko41a" in applicable(settings, dataset.default_procedure):
        report.ko41a = ko41a_return(counting)
    # Several procedures: each one's timeliness and returns over its own cases, beside these.
    timeliness, own_returns = per_procedure(counting, _all_page_tables, _returns)
    report.tables.update((table.key, table) for table in timeliness)
    if own_returns:
        returns = own_returns
    report.returns = {table.key: table for table in returns}
    report.headline = headline(report.tables, periods)
    report.behind = behind_headline(report.tables, counting)
    report.untranslated = sorted(set(names.untranslated))
    return report


def _returns(counting: Counting, procedure, tables: dict[str, Table]) -> list[Table]:
    """The returns that apply to ``procedure``, over the cases ``counting`` counts."""
    wanted = applicable(counting.settings, procedure)
    return [
        *([spso_indicators(counting)] if "spso" in wanted else []),
        *([annual_return(counting, tables)] if "annual" in wanted else []),
        *([lgsco_figures(counting)] if "lgsco" in wanted else []),
        *(public_tables(counting) if "ko41a" in wanted else []),
    ]


def _all_page_tables(counting: Counting) -> list[Table]:
    return _page_tables(counting, complaints_by_service(counting)[0])


def _page_tables(counting: Counting, by_service: Table) -> list[Table]:
    """The report's tables, in the order the page shows them."""
    about, by_quarter = themes(counting)
    on_time, taken = responses(counting)
    return [
        feedback_by_kind(counting),
        by_service,
        complaints_by_stage(counting),
        outcomes(counting),
        outcomes_by_stage(counting),
        *outcomes_by_service_and_stage(counting),
        about,
        *([by_quarter] if by_quarter else []),
        compliments_by_service(counting),
        acknowledgement(counting),
        on_time,
        taken,
        ombudsman(counting),
        learning_actions(counting),
        satisfaction(counting),
        equality(counting),
    ]


def headline(tables: dict[str, Table], periods: list[Period]) -> dict[str, object]:
    """The figures of the report's summary, read from its tables."""
    before, this = periods[-2].slug, periods[-1].slug
    kinds, found = tables["feedback-by-kind"], tables["outcomes"]
    actions = tables["learning-actions"]
    return {
        "complaints": kinds.value("complaint", this),
        "complaints_before": kinds.value("complaint", before),
        "compliments": kinds.value("compliment", this),
        "well_founded_pct": found.value("well-founded", f"{this}-pct"),
        "closed": found.value("total", this),
        "acknowledged_pct": tables["acknowledgement"].value("total", "on-time-pct"),
        "responded_pct": tables["responses"].value("total", "within-target-pct"),
        "ombudsman": tables["ombudsman"].value("referred", this),
        "actions_agreed": actions.value("agreed", this),
        "actions_completed": actions.value("completed", this),
    }


def behind_headline(tables: dict[str, Table], counting: Counting) -> dict[str, object]:
    """What the summary says beside its headline figures: the number each percentage is of
    (numerator and denominator), and when the earliest unfinished learning action is due."""
    this = counting.period.slug
    acknowledged, answered = tables["acknowledgement"], tables["responses"]
    return {
        "well_founded": tables["outcomes"].value("well-founded", this),
        "acknowledged_on_time": acknowledged.value("total", "on-time"),
        "acknowledged_due": acknowledged.value("total", "due"),
        "responded_within": answered.value("total", "within-target"),
        "responded_total": answered.value("total", "responses"),
        "actions_earliest_due": earliest_due(counting),
        "as_at": counting.as_at,
    }


def earliest_due(counting: Counting):
    """The earliest target date of the learning actions agreed in the period and not yet
    finished (None if none has a target)."""
    period = counting.period
    dates = [
        action.target
        for f in counting.facts
        for action in f.case.actions
        if period.start <= action.added <= period.end
        and action.completed is None
        and action.target is not None
    ]
    return min(dates, default=None)
