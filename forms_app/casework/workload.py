"""An officer's workload in figures: how many open cases are new, waiting to be acknowledged,
due this week or overdue, and the share of complaint responses given on time this quarter.

The caller passes only the cases the member of staff may see, so every figure honours the
access rules without this module knowing them. Figures are made of the cases themselves, whole
or in brief as passed (not only counts), so a page can link each number to the list behind it;
each is counted from its brief (``briefs``), so counting many cases folds none of them.

Rules:
- new: open and nobody owns it yet (the inbox);
- to acknowledge: what is due next is the acknowledgement (a kind with no acknowledgement
  target is never counted);
- due this week: what is due next falls between today and the Sunday of this week, and is not
  already overdue or paused;
- overdue: what is due next was due before today (a paused clock is never overdue);
- answered on time this quarter: each stage of a complaint answered in full between the first
  day of this quarter and today counts once; on time means by the date the procedure sets for
  the stage before any extension, the rule the published reports use ("Complaints answered on
  time"). Stages whose response time is agreed with the person have no target and are left out
  (``deadlines.answered_stages``).
  Quarters are those of the UK financial year (April to June is the first), whose boundaries
  are the calendar quarters'.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from operator import attrgetter

from forms_app.storage.gc_pause import paused_collection

from .briefs import Brief
from .deadlines import OVERDUE, PAUSED
from .index import CaseIndex
from .state import Case

#: The figures of the officer's home page, in the order it shows them.
FIGURES = ("new", "to_acknowledge", "due_this_week", "overdue")


@dataclass(frozen=True)
class Quarter:
    """The financial quarter a day falls in: its first and last day and its name."""

    start: date
    end: date

    @classmethod
    def of(cls, day: date) -> Quarter:
        first_month = (day.month - 1) // 3 * 3 + 1
        start = date(day.year, first_month, 1)
        if first_month == 10:
            return cls(start, date(day.year, 12, 31))
        return cls(start, date(day.year, first_month + 3, 1) - timedelta(days=1))

    @property
    def name(self) -> str:
        """``2026-27 Q3``: the financial year (1 April to 31 March) and its quarter."""
        year = self.start.year if self.start.month >= 4 else self.start.year - 1
        number = (self.start.month - 4) % 12 // 3 + 1
        return f"{year}-{(year + 1) % 100:02d} Q{number}"


@dataclass
class Workload:
    """The figures for one set of cases, each a list of cases (sorted by reference)."""

    new: list[Case] = field(default_factory=list)
    to_acknowledge: list[Case] = field(default_factory=list)
    due_this_week: list[Case] = field(default_factory=list)
    overdue: list[Case] = field(default_factory=list)
    answered: int = 0
    answered_on_time: int = 0

    def count(self, figure: str) -> int:
        return len(getattr(self, figure))

    @property
    def on_time_percent(self) -> int | None:
        """Whole per cent answered on time (rounded half up), None when nothing was answered."""
        if not self.answered:
            return None
        return (200 * self.answered_on_time + self.answered) // (2 * self.answered)


def week_end(today: date) -> date:
    """The Sunday of today's week (today itself on a Sunday)."""
    return today + timedelta(days=6 - today.weekday())


def workload(index: CaseIndex, cases: Iterable[Case | Brief], today: date) -> Workload:
    """The figures for ``cases`` (open and closed: closed ones count only in the quarter's
    share; whole or in brief) as things stand ``today``."""
    with paused_collection():  # many small objects, and no cycle among them
        return _workload(index, cases, today)


def _workload(index: CaseIndex, cases: Iterable[Case | Brief], today: date) -> Workload:
    figures = Workload()
    sunday = week_end(today)
    quarter = Quarter.of(today)
    # Day numbers (``date.toordinal``), as briefs hold their dates.
    first, last, sunday_day = quarter.start.toordinal(), today.toordinal(), sunday.toordinal()
    for case in sorted(cases, key=attrgetter("ref")):
        brief = case if isinstance(case, Brief) else index.brief(case, today)
        for answered, on_time in brief.answered:  # day numbers
            if first <= answered <= last:
                figures.answered += 1
                figures.answered_on_time += on_time
        if not brief.is_open:
            continue
        if brief.in_inbox:
            figures.new.append(case)
        what, when = brief.next_what, brief.due_day
        status = index.due_status(brief, today)
        if what == "acknowledge":
            figures.to_acknowledge.append(case)
        if status == OVERDUE:
            figures.overdue.append(case)
        elif status != PAUSED and when and last <= when <= sunday_day:
            figures.due_this_week.append(case)
    return figures


def by_service(index: CaseIndex, cases: Iterable[Case | Brief], today: date) -> dict[str, Workload]:
    """The same figures for each service the cases belong to (``""``: no service given)."""
    grouped: dict[str, list[Case]] = {}
    for case in cases:
        grouped.setdefault(case.service, []).append(case)
    return {service: workload(index, grouped[service], today) for service in sorted(grouped)}
