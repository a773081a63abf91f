"""The working-day table gives the same answers as counting a day at a time.

The reference below is the calendar's arithmetic as it was before the table, kept here word
for word (only renamed), so a change to the table or to the calendar's own fallback cannot
change what these tests compare against. Every shipped profile's nation is checked, with and
without closure days, for every day of several years (weekends, bank holidays, the one-off
holidays of 2020, 2022 and 2023 among them) and for the days at both edges of the table.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from forms_app.procedures import working_days
from forms_app.procedures.profiles import (
    WorkingCalendar,
    available_procedures,
    closure_years,
    load_procedure,
)

# Every day of 2020 to 2023 (the one-off bank holidays of 2020, 2022 and 2023 among them).
FIRST, LAST = date(2020, 1, 1), date(2023, 12, 31)
MAX_N = 22
MAX_GAP = 25


# ---- the reference: day by day ----------------------------------------------------------


def ref_day_zero(cal: WorkingCalendar, d: date) -> date:
    while not cal.is_working_day(d):
        d += timedelta(days=1)
    return d


def ref_add_working_days(cal: WorkingCalendar, start: date, n: int) -> date:
    if n < 0:
        raise ValueError("n must not be negative")
    d = ref_day_zero(cal, start)
    while n:
        d += timedelta(days=1)
        if cal.is_working_day(d):
            n -= 1
    return d


def ref_working_days_between(cal: WorkingCalendar, start: date, end: date) -> int:
    if end <= start:
        return 0
    d, count = ref_day_zero(cal, start), 0
    while d < end:
        d += timedelta(days=1)
        count += cal.is_working_day(d)
    return count


def ref_working_day_on_or_before(cal: WorkingCalendar, d: date) -> date:
    while not cal.is_working_day(d):
        d -= timedelta(days=1)
    return d


# ---- the calendars ----------------------------------------------------------------------


def closures() -> list[date]:
    """Closure days as an organisation might set them: Christmas Eve and the days between
    Christmas and New Year (some on weekends or bank holidays), and a summer day."""
    days = [(12, 24), (12, 27), (12, 28), (12, 29), (12, 30), (8, 14)]
    return [date(year, m, d) for year in closure_years() for m, d in days]


def shipped_nations() -> list[str]:
    return sorted({load_procedure(code).nation for code in available_procedures()})


CALENDARS = [
    pytest.param(nation, closed, id=f"{nation}-{'closures' if closed else 'no-closures'}")
    for nation in shipped_nations()
    for closed in (False, True)
]


def calendar_of(nation: str, closed: bool) -> WorkingCalendar:
    code = next(c for c in available_procedures() if load_procedure(c).nation == nation)
    return load_procedure(code).calendar(closures() if closed else ())


def every_day(first: date, last: date):
    d = first
    while d <= last:
        yield d
        d += timedelta(days=1)


# ---- the comparisons --------------------------------------------------------------------


def test_every_shipped_nation_is_compared():
    assert shipped_nations() == ["ENG", "NIR", "SCT", "WLS"]


@pytest.mark.parametrize(("nation", "closed"), CALENDARS)
def test_adding_working_days_matches_counting_day_by_day(nation, closed):
    cal = calendar_of(nation, closed)
    for start in every_day(FIRST, LAST):
        for n in range(MAX_N + 1):
            assert cal.add_working_days(start, n) == ref_add_working_days(cal, start, n), (
                start,
                n,
            )


@pytest.mark.parametrize(("nation", "closed"), CALENDARS)
def test_working_days_between_matches_counting_day_by_day(nation, closed):
    cal = calendar_of(nation, closed)
    for start in every_day(FIRST, LAST):
        for gap in range(-2, MAX_GAP + 1):
            end = start + timedelta(days=gap)
            assert cal.working_days_between(start, end) == ref_working_days_between(
                cal, start, end
            ), (start, end)


@pytest.mark.parametrize(("nation", "closed"), CALENDARS)
def test_last_working_day_on_or_before_matches_counting_day_by_day(nation, closed):
    cal = calendar_of(nation, closed)
    for day in every_day(FIRST, LAST):
        assert cal.working_day_on_or_before(day) == ref_working_day_on_or_before(cal, day), day


@pytest.mark.parametrize(("nation", "closed"), CALENDARS)
def test_days_at_both_edges_of_the_table_match_counting_day_by_day(nation, closed):
    cal = calendar_of(nation, closed)
    year = date.today().year
    first = date(year - working_days.YEARS_BACK, 1, 1)
    last = date(year + working_days.YEARS_AHEAD, 12, 31)
    for edge in (first, last):
        for start in every_day(edge - timedelta(days=40), edge + timedelta(days=40)):
            for n in (0, 1, 2, 5, 20, 40, 65):
                assert cal.add_working_days(start, n) == ref_add_working_days(cal, start, n)
            for gap in (-1, 0, 1, 3, 10, 45, 90):
                end = start + timedelta(days=gap)
                assert cal.working_days_between(start, end) == ref_working_days_between(
                    cal, start, end
                ), (start, end)
            assert cal.working_day_on_or_before(start) == ref_working_day_on_or_before(cal, start)


def test_dates_long_before_and_after_the_table_still_count_day_by_day():
    cal = WorkingCalendar("ENG", closures())
    for start in (date(1975, 12, 20), date(2099, 12, 20), date(2200, 4, 1)):
        assert cal.add_working_days(start, 10) == ref_add_working_days(cal, start, 10)
        end = start + timedelta(days=30)
        assert cal.working_days_between(start, end) == ref_working_days_between(cal, start, end)
        assert cal.working_day_on_or_before(start) == ref_working_day_on_or_before(cal, start)


def test_a_count_that_starts_inside_the_table_and_ends_after_it_matches():
    cal = WorkingCalendar("SCT")
    last = date(date.today().year + working_days.YEARS_AHEAD, 12, 31)
    start = last - timedelta(days=5)
    for n in (3, 10, 300):
        assert cal.add_working_days(start, n) == ref_add_working_days(cal, start, n)
    end = last + timedelta(days=400)
    assert cal.working_days_between(start, end) == ref_working_days_between(cal, start, end)


def test_datetimes_count_by_their_london_date_as_before():
    cal = WorkingCalendar("ENG")
    # 23:30 UTC on Sunday 31 March 2024 is 00:30 on Monday 1 April (Easter Monday) in London.
    late = datetime(2024, 3, 31, 23, 30, tzinfo=UTC)
    london_day = date(2024, 4, 1)
    assert cal.add_working_days(late, 3) == ref_add_working_days(cal, london_day, 3)
    assert cal.working_days_between(late, date(2024, 4, 10)) == ref_working_days_between(
        cal, london_day, date(2024, 4, 10)
    )
    assert cal.working_day_on_or_before(late) == date(2024, 3, 28)


def test_a_negative_number_of_working_days_is_still_refused():
    cal = WorkingCalendar("WLS")
    with pytest.raises(ValueError, match="must not be negative"):
        cal.add_working_days(date(2025, 6, 2), -1)
    with pytest.raises(ValueError, match="must not be negative"):
        ref_add_working_days(cal, date(2025, 6, 2), -1)


def test_calendars_with_the_same_closure_days_share_one_table():
    a = WorkingCalendar("NIR", closures())
    b = WorkingCalendar("NIR", closures())
    a.add_working_days(date(2025, 1, 2), 1)
    b.add_working_days(date(2025, 1, 2), 1)
    assert a._working_day_table is b._working_day_table
    c = WorkingCalendar("NIR")
    c.add_working_days(date(2025, 1, 2), 1)
    assert c._working_day_table is not a._working_day_table
