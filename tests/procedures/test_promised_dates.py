"""The date promised to a person: a target counted in calendar days that ends on a weekend, a
bank holiday of the nation or a closure day is promised on the last working day before it; a
target counted in working days already ends on a working day and is promised as it is.

Every expected date below was checked by hand on a calendar.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from forms_app.procedures.profiles import (
    Target,
    WorkingCalendar,
    available_procedures,
    load_procedure,
)

CHARITY = load_procedure("charity-help-and-care")
TWENTY_EIGHT_DAYS = Target(28, "calendar")


def test_a_complaint_on_friday_4_december_2026_is_promised_thursday_31_december():
    calendar = CHARITY.calendar([date(2026, 12, 24)])
    received = date(2026, 12, 4)
    # 28 days from Friday 4 December is Friday 1 January 2027, New Year's Day.
    assert CHARITY.due(received, TWENTY_EIGHT_DAYS, calendar) == date(2027, 1, 1)
    assert not calendar.is_working_day(date(2027, 1, 1))
    assert calendar.is_working_day(date(2026, 12, 31))  # a Thursday, no holiday
    assert CHARITY.hear_back_by("complaint", received, calendar) == {
        "acknowledge": date(2026, 12, 9),  # 3 working days: Mon 7, Tue 8, Wed 9
        "respond": date(2026, 12, 31),
    }


def test_a_target_ending_on_a_saturday_is_promised_on_the_friday():
    calendar = CHARITY.calendar()
    # Received Saturday 8 June 2024: 28 days on is Saturday 6 July.
    assert CHARITY.due(date(2024, 6, 8), TWENTY_EIGHT_DAYS, calendar) == date(2024, 7, 6)
    assert CHARITY.promised_by(date(2024, 6, 8), TWENTY_EIGHT_DAYS, calendar) == date(2024, 7, 5)
    # Ending on a Sunday moves back past the Saturday too.
    assert CHARITY.promise(date(2024, 7, 7), TWENTY_EIGHT_DAYS, calendar) == date(2024, 7, 5)


def test_a_target_ending_on_easter_monday_is_promised_the_thursday_before_good_friday():
    calendar = CHARITY.calendar()
    # Easter 2024: Good Friday 29 March, Easter Monday 1 April. 28 days from Monday 4 March.
    assert CHARITY.due(date(2024, 3, 4), TWENTY_EIGHT_DAYS, calendar) == date(2024, 4, 1)
    assert CHARITY.promised_by(date(2024, 3, 4), TWENTY_EIGHT_DAYS, calendar) == date(2024, 3, 28)


def test_a_target_ending_on_a_closure_day_is_promised_the_working_day_before():
    # Thursday 24 December 2026 is 28 days after Thursday 26 November.
    start = date(2026, 11, 26)
    closed = CHARITY.calendar([date(2026, 12, 24)])
    open_all_week = CHARITY.calendar()
    assert CHARITY.promised_by(start, TWENTY_EIGHT_DAYS, closed) == date(2026, 12, 23)
    assert CHARITY.promised_by(start, TWENTY_EIGHT_DAYS, open_all_week) == date(2026, 12, 24)


def test_a_target_ending_on_a_working_day_is_promised_as_it_is():
    calendar = CHARITY.calendar()
    # Friday 7 June 2024 + 28 days = Friday 5 July 2024, a working day.
    assert CHARITY.promised_by(date(2024, 6, 7), TWENTY_EIGHT_DAYS, calendar) == date(2024, 7, 5)


@pytest.mark.parametrize(
    ("nation", "ends_on", "promised"),
    [
        # Scotland keeps 2 January: Friday 2 January 2026 goes back past New Year's Day.
        ("SCT", date(2026, 1, 2), date(2025, 12, 31)),
        ("ENG", date(2026, 1, 2), date(2026, 1, 2)),
        ("WLS", date(2026, 1, 2), date(2026, 1, 2)),
        # St Andrew's Day 2025 is a Sunday: Scotland's substitute is Monday 1 December.
        ("SCT", date(2025, 12, 1), date(2025, 11, 28)),
        ("ENG", date(2025, 12, 1), date(2025, 12, 1)),
        # Christmas 2022 in Wales: Sunday 25, Monday 26, Tuesday 27 (substitute) December.
        ("WLS", date(2022, 12, 27), date(2022, 12, 23)),
        # St Patrick's Day in Northern Ireland only.
        ("NIR", date(2025, 3, 17), date(2025, 3, 14)),
        ("WLS", date(2025, 3, 17), date(2025, 3, 17)),
    ],
)
def test_bank_holidays_are_those_of_the_nation(nation, ends_on, promised):
    calendar = WorkingCalendar(nation)
    assert CHARITY.promise(ends_on, TWENTY_EIGHT_DAYS, calendar) == promised


def test_working_day_targets_are_promised_unchanged_and_every_promise_is_a_working_day():
    for code in available_procedures():
        procedure = load_procedure(code)
        calendar = procedure.calendar([date(2025, 12, 24), date(2026, 12, 24)])
        targets = {t for s in procedure.stages for t in (s.acknowledge, s.respond) if t}
        targets |= {t for kind in procedure.kinds.values() for t in kind.values() if t}
        targets.add(TWENTY_EIGHT_DAYS)
        received = date(2025, 11, 1)
        while received < date(2026, 2, 1):
            for target in targets:
                due = procedure.due(received, target, calendar)
                promised = procedure.promised_by(received, target, calendar)
                assert calendar.is_working_day(promised), (code, received, target)
                assert promised <= due
                if target.unit == "working" or calendar.is_working_day(due):
                    assert promised == due, (code, received, target)
                else:
                    # The last working day before: nothing between is a working day.
                    day = promised + timedelta(days=1)
                    while day < due:
                        assert not calendar.is_working_day(day)
                        day += timedelta(days=1)
            received += timedelta(days=1)


def test_no_target_or_no_date_promises_nothing_new():
    calendar = CHARITY.calendar()
    assert CHARITY.promise(None, TWENTY_EIGHT_DAYS, calendar) is None
    # A date agreed with the person (no target) is promised as agreed, even a Saturday.
    assert CHARITY.promise(date(2024, 7, 6), None, calendar) == date(2024, 7, 6)
