"""What every table of a report counts from: the cases, each worked out once, the periods they
are compared over, and the few steps the tables share (which period a date is in, which
services and stages to list, a table's words)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from forms_app.casework.state import StageState

from ..counted import Counted
from ..disclosure import Policy
from ..loading import Dataset
from ..periods import Period
from ..tables import Column
from ..words import COUNTED, LANGUAGES, OUTCOME_GROUP_OF, Names

Worked = TypeVar("Worked")


@dataclass(slots=True)
class CaseFacts:
    """What the tables need from one case, worked out once."""

    case: Counted
    received: date  # the UK date it was received
    final_outcome: str  # a complaint's outcome group ("other" if none yet); "" if not a complaint
    stage_outcomes: list[tuple[str, date, str]]  # (stage code, date given, outcome group)
    period_index: int = -1  # which of the report's comparison periods it was received in, or -1


class Counting:
    """The cases a report counts and the periods it compares.

    ``facts`` are the cases received by the end of the period, ``complaints`` the complaints
    among them; ``periods`` are the comparison periods, oldest first, ending with ``period``
    (the period before it and the one before that, of the same length). ``part`` gives the same
    counting for a quarter of the period, over the same cases; ``once`` keeps what is worked
    out once per report and shared with its parts (the same cases give the same answers)."""

    def __init__(
        self,
        dataset: Dataset,
        settings,
        names: Names,
        policy: Policy,
        periods: list[Period],
        as_at: date,
    ):
        self.dataset = dataset
        self.settings = settings
        self.names = names
        self.policy = policy
        self.periods = periods
        self.period = periods[-1]
        self.whole = self.period  # the report's own period: a part keeps its parent's
        self.as_at = as_at
        self._shared: dict[str, object] = {}
        self.facts: list[CaseFacts] = []
        self.complaints: list[CaseFacts] = []
        order = {code: i for i, code in enumerate(names.stage_order)}
        # One pass over every case, ``which`` written out in the loop.
        end = self.period.end
        first, e0, e1 = periods[0].start, periods[0].end, periods[1].end
        add_fact, add_complaint = self.facts.append, self.complaints.append
        for case in dataset.cases:
            received = case.received_on
            if received > end:
                continue
            which = -1 if received < first else 0 if received <= e0 else 1 if received <= e1 else 2
            facts = CaseFacts(case, received, "", [], which)
            if case.kind == "complaint":
                _add_outcomes(facts, order)
                add_complaint(facts)
            add_fact(facts)

    def part(self, period: Period) -> Counting:
        """The same counting for part of this period (a quarter), over the same cases."""
        part = copy.copy(self)  # shares the cases and what ``once`` kept
        part.periods = [period.previous().previous(), period.previous(), period]
        part.period = period
        return part

    def once(self, key: str, work: Callable[[], Worked]) -> Worked:
        """``work()``, done the first time ``key`` is asked for by the report or any part."""
        if key not in self._shared:
            self._shared[key] = work()
        return self._shared[key]

    def which(self, day: date | None) -> int:
        """0, 1 or 2: which comparison period ``day`` is in (they follow one another); -1 if
        none."""
        p0, p1, p2 = self.periods
        if day is None or day < p0.start or day > p2.end:
            return -1
        return 0 if day <= p0.end else 1 if day <= p1.end else 2

    def period_columns(self) -> list[Column]:
        """A column for each comparison period, oldest first."""
        return [period_column(p) for p in self.periods]

    def service_codes(self, facts: list[CaseFacts]) -> list[str]:
        """The organisation's services in its order, then any others these cases name, then
        "" (not recorded) if any case has no service."""
        codes = [s.code for s in self.settings.services]
        seen = {f.case.service for f in facts}
        extra = sorted(seen - set(codes) - {""})
        blank = [""] if "" in seen else []
        return codes + extra + blank

    def stage_codes(self) -> list[str]:
        """The stages of the main procedure, then any other stage a complaint reached."""
        return self.once("stage_codes", self._stage_codes)

    def _stage_codes(self) -> list[str]:
        seen = {code for f in self.complaints for code in f.case.stages}
        main = [s.code for s in self.dataset.default_procedure.stages]
        return main + [c for c in self.names.stage_order if c in seen and c not in main]


def period_column(period: Period) -> Column:
    return Column(period.slug, {lang: period.label(lang) for lang in LANGUAGES})


def title_and_how(key: str) -> tuple[dict[str, str], dict[str, str]]:
    """A table's title and the sentence saying how it is counted (``words.COUNTED``)."""
    words = COUNTED[key]
    return dict(words.title), dict(words.how)


def note_under(key: str) -> dict[str, str]:
    """The note under a table (``words.COUNTED``)."""
    return dict(COUNTED[key].note)


def _add_outcomes(facts: CaseFacts, order: dict[str, int]) -> None:
    """A complaint's outcome at each stage, and its final outcome: the outcome of the last
    stage (in the procedure's order) that has one; "other" if it was withdrawn or has none."""
    case = facts.case
    final, final_rank = "", -1
    for code, day in case.outcome_on.items():
        group = OUTCOME_GROUP_OF.get(case.stages[code].outcome, "other")
        facts.stage_outcomes.append((code, day, group))
        rank = order.get(code, len(order))
        if rank >= final_rank:
            final, final_rank = group, rank
    if case.status == "withdrawn":
        final = "other"
    facts.final_outcome = final or "other"


def stages_entered(case: Counted) -> list[StageState]:
    """The stages a complaint entered, as councils count them (``counted.entered``)."""
    stages = case.stages
    return [stages[code] for code in case.entered]
