"""A table of the working days of a span of years, so working-day arithmetic is a look-up.

``WorkingCalendar`` (in ``profiles``) counts working days; done day by day, a case list that
works out the due dates of tens of thousands of open cases asks "is this a working day?"
several times for each of them. A ``WorkingDayTable`` answers the same questions with one or
two list look-ups: it holds, for the years it covers,

- ``workdays``: the ordinals (``date.toordinal()``) of the working days, in order, and
- ``before``: for each day of the span, how many of its working days come before that day
  (one more entry at the end: how many the span holds).

So the first working day on or after a day is ``workdays[before[day]]``, the working day ``n``
after it is ``workdays[before[day] + n]``, and the working days between two days are a
subtraction. Each method returns None when the answer would need a day outside the span;
the calendar then counts day by day as before, so the answers are the same everywhere.

Tables are shared: one per nation and set of closure days for the life of the process, made
on first use (a calendar is cheap to make, and several parts of the app make their own).
"""

from __future__ import annotations

import functools
from datetime import date

import holidays

#: The years a table covers, counted from the current year: back far enough for the oldest
#: cases an earlier system hands over, forward past the last deadline of today's cases.
YEARS_BACK = 20
YEARS_AHEAD = 10

# The package loads a country's rules (a module and its translations) on first use: load the
# United Kingdom's now, at start-up with this module, not in the first request that needs them.
holidays.UK(years=())


class WorkingDayTable:
    """The working days from 1 January of ``first_year`` to 31 December of ``last_year``:
    Monday to Friday, less ``bank_holidays`` and ``closure_days``."""

    def __init__(
        self,
        first_year: int,
        last_year: int,
        bank_holidays: frozenset[date],
        closure_days: frozenset[date],
    ):
        self.first = date(first_year, 1, 1).toordinal()
        self.last = date(last_year, 12, 31).toordinal()
        closed = {d.toordinal() for d in bank_holidays} | {d.toordinal() for d in closure_days}
        workdays: list[int] = []
        before: list[int] = []
        # date(1, 1, 1) has ordinal 1 and is a Monday, so (ordinal - 1) % 7 is the weekday.
        for ordinal in range(self.first, self.last + 1):
            before.append(len(workdays))
            if (ordinal - 1) % 7 < 5 and ordinal not in closed:
                workdays.append(ordinal)
        before.append(len(workdays))
        self.workdays = workdays
        self.before = before

    def covers(self, d: date) -> bool:
        """True when ``d`` is inside the table's span."""
        return self.first <= d.toordinal() <= self.last

    def add(self, start: date, n: int) -> date | None:
        """The working day ``n`` (>= 0) after the first working day on or after ``start``;
        None when ``start`` or the answer is outside the span."""
        ordinal = start.toordinal()
        if not self.first <= ordinal <= self.last:
            return None
        k = self.before[ordinal - self.first] + n
        if k >= len(self.workdays):
            return None
        return date.fromordinal(self.workdays[k])

    def between(self, start: date, end: date) -> int | None:
        """Working days after day 0 (the first working day on or after ``start``) up to and
        including ``end``, never negative; None when either day is outside the span."""
        s, e = start.toordinal(), end.toordinal()
        if not (self.first <= s <= self.last and self.first <= e <= self.last):
            return None
        zero = self.before[s - self.first]  # index of day 0 in workdays
        # Working days on or before ``end``, less those on or before day 0 (day 0 included).
        return max(0, self.before[e - self.first + 1] - zero - 1)

    def on_or_before(self, d: date) -> date | None:
        """The last working day on or before ``d``; None when there is none in the span."""
        ordinal = d.toordinal()
        if not self.first <= ordinal <= self.last:
            return None
        k = self.before[ordinal - self.first + 1] - 1
        if k < 0:
            return None
        return date.fromordinal(self.workdays[k])


@functools.lru_cache(maxsize=64)
def table_for(nation: str, closure_days: frozenset[date], this_year: int) -> WorkingDayTable:
    """The shared table of ``nation`` (a ``holidays.UK`` subdivision code) with these closure
    days, for the years around ``this_year``."""
    first, last = this_year - YEARS_BACK, this_year + YEARS_AHEAD
    # One call for the whole span: asking the package year by year costs several times more,
    # and gives the same days (the equality tests compare every day with the calendar's own).
    bank_holidays = frozenset(holidays.UK(subdiv=nation, years=range(first, last + 1)))
    return WorkingDayTable(first, last, bank_holidays, closure_days)
