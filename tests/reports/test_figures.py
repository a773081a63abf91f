"""The report's figures, each checked against a hand count of the synthetic cases in
tests/support/reports.py (Wales social services procedure, Welsh bank holidays).

Financial year 2025-26 is 1 April 2025 to 31 March 2026; the figures stand at 15 April 2026.
"""

from __future__ import annotations

from datetime import date

import pytest

from forms_app.organisation.settings import load_settings
from forms_app.reports import periods
from forms_app.reports.figures import compute
from forms_app.reports.loading import load
from forms_app.reports.periods import PeriodError, financial_year
from forms_app.reports.tables import HIDDEN
from forms_app.storage.reading import read_rows
from tests.support.reports import INV, LR, write_data, write_settings

AS_AT = date(2026, 4, 15)
#: Every return, whatever the procedure (the settings may list them).
ALL_RETURNS = ["spso", "annual", "ko41a"]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("figures")
    settings = load_settings(write_settings(tmp, write_data(tmp / "data"), returns=ALL_RETURNS))
    return compute(load(settings.data_dir, settings), settings, financial_year(2025), as_at=AS_AT)


def values(table, key):
    return next(row.values for row in table.rows if row.key == key)


# Periods -------------------------------------------------------------------------------------


def test_the_financial_year_runs_from_april_to_march():
    year = financial_year(2025)
    assert (year.start, year.end, year.slug) == (date(2025, 4, 1), date(2026, 3, 31), "2025-26")
    assert year.previous() == financial_year(2024)
    assert year.label("cy") == "2025-26"
    assert year.span("cy") == "1 Ebrill 2025 i 31 Mawrth 2026"


def test_quarters_are_quarters_of_the_financial_year():
    q3 = periods.quarter("2025Q3")
    assert (q3.start, q3.end, q3.slug) == (date(2025, 10, 1), date(2025, 12, 31), "2025-26-q3")
    q4 = periods.quarter("2025q4")
    assert (q4.start, q4.end) == (date(2026, 1, 1), date(2026, 3, 31))
    assert q4.previous() == q3 and periods.quarter("2025Q1").previous() == periods.quarter("2024Q4")
    assert [q.slug for q in financial_year(2025).quarters()] == [
        "2025-26-q1",
        "2025-26-q2",
        "2025-26-q3",
        "2025-26-q4",
    ]
    assert q3.label("cy") == "2025-26 Ch3"


def test_any_period_and_the_default():
    custom = periods.choose(start=date(2025, 6, 1), end=date(2025, 6, 30))
    assert custom.previous() == periods.custom(date(2025, 5, 2), date(2025, 5, 31))
    assert periods.choose(today=date(2026, 4, 2)) == financial_year(2025)
    assert periods.choose(today=date(2026, 3, 31)) == financial_year(2024)
    with pytest.raises(PeriodError):
        periods.choose(year=2025, quarter_text="2025Q1")
    with pytest.raises(PeriodError):
        periods.quarter("2025Q5")
    with pytest.raises(PeriodError):
        periods.choose(start=date(2025, 6, 1))


def test_an_incomplete_last_row_is_left_out(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('a,b,crc\n1,"x\ny",00000000\n2,z,00000000\n3,"torn', encoding="utf-8")
    assert [row["a"] for row in read_rows(path)] == ["1", "2"]
    path.write_text("a,b,crc\n1,x,00000000\n", encoding="utf-8")
    assert list(read_rows(path)) == [{"a": "1", "b": "x"}]


# Feedback by kind and by service ---------------------------------------------------------------


def test_feedback_by_kind_over_three_years_with_the_change(report):
    table = report.tables["feedback-by-kind"]
    assert [c.key for c in table.columns][:3] == ["2023-24", "2024-25", "2025-26"]
    # Complaints: C6, C3 in 2024-25; C1, C2, C4, C5 (an enquiry that became one), C12, C13
    # and B1-B5 in 2025-26.
    assert values(table, "complaint") == [0, 2, 11, 78.6, 9, 450.0]
    assert values(table, "compliment")[:3] == [0, 0, 2]
    assert values(table, "concern")[:3] == [0, 0, 1]
    assert values(table, "comment")[:3] == [1, 0, 0]
    assert values(table, "enquiry")[:5] == [0, 1, 0, 0.0, -1]
    assert values(table, "total") == [1, 3, 14, 100.0, 11, 366.7]
    assert "counts once" in table.how["en"] and "cyfrif unwaith" in table.how["cy"]


def test_complaints_by_service_with_rates_and_small_numbers_hidden(report):
    table = report.tables["complaints-by-service"]
    assert table.breakdown
    # 2025-26: community nursing 1, home care 4, mental health 1, carers' support 5, others 0.
    # 1 and 4 are hidden; the three hidden cells add up to 6, which is not enough to find any.
    assert values(table, "home-care")[1] is HIDDEN
    assert values(table, "mental-health")[1] is HIDDEN
    assert values(table, "community-nursing")[1] is HIDDEN
    assert values(table, "carers-support")[1:] == [5, 45.5, 950, 5.3]  # 5 / 950 × 1,000
    assert values(table, "learning-disability")[1:] == [0, 0.0, 640, 0.0]
    # 2024-25: community nursing 2 is hidden, and a zero beside it, so 2 = total - rest fails.
    before = [
        values(table, code)[0]
        for code in ("community-nursing", "home-care", "mental-health", "learning-disability")
    ]
    assert before == [HIDDEN, HIDDEN, 0, 0]
    # The whole organisation is published as it is; the rate uses everyone served (11,840).
    assert values(table, "total") == [2, 11, 100.0, 11840, 0.9]
    assert values(table, "home-care")[4] is HIDDEN  # no rate that would give the count away


def test_services_with_few_or_no_complaints(report):
    assert [s["en"] for s in report.few["none"]] == [
        "Learning disability support",
        "Children's services",
    ]
    assert "Home care" in [s["en"] for s in report.few["few"]]
    assert "Carers' support" not in [s["en"] for s in report.few["few"]]


# Stages and outcomes ------------------------------------------------------------------------


def test_a_complaint_counts_in_each_stage_it_entered_in_the_year(report):
    table = report.tables["complaints-by-stage"]
    # Stage 1: eleven complaints started it in 2025-26 (C5 on the day it became a complaint).
    assert values(table, LR) == [0, 2, 11]
    # Stage 2: C2 (2 June 2025) and C3 (received in 2024-25, stage 2 in April 2025).
    assert values(table, INV) == [0, 0, 2]
    assert values(table, "ombudsman") == [0, 0, 1]
    assert values(table, "received") == [0, 2, 11]
    assert "more than once" in table.how["en"]
    assert "fwy nag unwaith" in table.how["cy"]


def test_outcomes_count_each_complaint_once_in_the_year_it_closed(report):
    table = report.tables["outcomes"]
    # Closed in 2025-26: C1 upheld, C12 upheld, C2 partially upheld at stage 2 (its stage 1
    # answer was "not upheld"), C3 not upheld at stage 2, C13 withdrawn.
    assert values(table, "upheld")[2:] == [2, 40.0]
    assert values(table, "partially_upheld")[2:] == [1, 20.0]
    assert values(table, "not_upheld")[2:] == [1, 20.0]
    assert values(table, "other")[2:] == [1, 20.0]
    assert values(table, "total") == [1, 100.0, 5, 100.0]
    assert values(table, "well-founded") == [1, 100.0, 3, 60.0]


def test_outcomes_at_each_stage_count_responses_given_in_the_year(report):
    table = report.tables["outcomes-by-stage"]
    assert [c.key for c in table.columns] == [LR, INV]
    assert values(table, "upheld") == [2, 0]  # C1, C12
    assert values(table, "partially_upheld") == [0, 1]  # C2 stage 2
    assert values(table, "not_upheld") == [1, 1]  # C2 stage 1, C3 stage 2
    assert values(table, "other") == [1, 0]  # C3 stage 1 (resolved), answered 2 April 2025
    assert values(table, "total") == [4, 2]


def test_outcomes_by_service_and_stage_hide_every_small_cell(report):
    table = report.tables[f"outcomes-by-service-{LR}"]
    assert table.breakdown
    cells = [v for row in table.rows if not row.total for v in row.values]
    assert all(v is HIDDEN or v == 0 or v > 4 for v in cells)
    assert values(table, "total") == [2, 0, 1, 1, 4]  # the stage's outcomes, as published


def test_themes_count_a_complaint_once_under_each_of_its_themes(report):
    table = report.tables["themes"]
    # C1 communication + waiting times; C2 communication (staff attitude removed); C4
    # communication + access; C12 quality of care; B1-B5 communication + waiting times.
    assert [row.key for row in table.rows][:2] == ["communication", "waiting-times"]
    assert values(table, "communication") == [8, 72.7]
    assert values(table, "waiting-times") == [6, 54.5]
    assert values(table, "access") == [HIDDEN, HIDDEN]
    assert values(table, "staff-attitude") == [0, 0.0]
    assert "once under each" in table.how["en"]
    quarters = report.tables["themes-by-quarter"]
    # Communication: 7 in Q1 and 1 in Q4; the 1 is hidden, and so is the 7 (else 8 - 7 = 1).
    assert values(quarters, "communication") == [HIDDEN, 0, 0, HIDDEN, 8]
    assert values(quarters, "waiting-times") == [6, 0, 0, 0, 6]


def test_compliments_by_service(report):
    table = report.tables["compliments-by-service"]
    assert values(table, "total") == [0, 2, 100.0]
    assert values(table, "home-care")[1] is HIDDEN


# Timeliness, in working days ------------------------------------------------------------------


def test_acknowledged_within_the_target(report):
    table = report.tables["acknowledgement"]
    # Stage 1: C2 received Thursday 1 May 2025, due Tuesday 6 May (Monday 5 May is a bank
    # holiday), acknowledged 6 May: on time. C4, received 30 March 2026, was due 1 April and
    # is not acknowledged by 15 April: late. The other nine were on time.
    assert values(table, LR)[:3] == [11, 10, 90.9]
    # Stage 2: C2 started Monday 2 June, due Wednesday 4 June, acknowledged 5 June; C3 never.
    assert values(table, INV)[:3] == [2, 0, 0.0]
    assert values(table, "total")[:3] == [13, 10, 76.9]
    assert values(table, LR)[3] == {"en": "2 working days", "cy": "2 ddiwrnod gwaith"}
    assert not table.columns[3].on_page  # timescales on the site come from the profile only


def test_responded_within_the_target_and_average_working_days(report):
    table = report.tables["responses"]
    # Stage 1 (10 working days): C1 7 Apr -> 17 Apr, 8 days; C3 20 Mar -> 2 Apr, 9 days;
    # C12 3 Nov -> 14 Nov, 9 days; C2 1 May -> 20 May, 12 days (due 16 May): late.
    assert values(table, LR)[:3] == [4, 3, 75.0]
    # Stage 2 (25 working days): C3 10 Apr -> 14 May, 21 days (Good Friday, Easter Monday and
    # 5 May not counted); C2 2 Jun -> 25 Jul, 39 days, due 7 July, extended to 31 July.
    assert values(table, INV)[:3] == [2, 1, 50.0]
    times = report.tables["response-times"]
    assert values(times, LR) == [9.5, 0, 0]  # (8 + 12 + 9 + 9) / 4
    assert values(times, INV) == [30.0, 1, 1]  # (39 + 21) / 2; C2 within its extension
    assert values(times, "total") == [16.3, 1, 1]  # 98 / 6


def test_ombudsman_referrals_and_learning_actions(report):
    ombudsman = report.tables["ombudsman"]
    assert values(ombudsman, "referred") == [0, 1]
    assert values(ombudsman, "not_upheld") == [0, 1]
    assert values(ombudsman, "open") == [0, 0]
    actions = report.tables["learning-actions"]
    assert values(actions, "agreed") == [0, 2]
    assert values(actions, "completed") == [0, 1]
    assert values(actions, "open") == [0, 1]


def test_the_headline_figures(report):
    assert report.headline == {
        "complaints": 11,
        "complaints_before": 2,
        "compliments": 2,
        "well_founded_pct": 60.0,
        "closed": 5,
        "acknowledged_pct": 76.9,
        "responded_pct": 66.7,
        "ombudsman": 1,
        "actions_agreed": 2,
        "actions_completed": 1,
    }


# Returns ----------------------------------------------------------------------------------------


def test_the_ko41a_return_balances_and_counts_subjects_once_each(report):
    # The return's actual numbers (the public tables hide small breakdowns).
    value = report.ko41a.summary()
    assert value["brought-forward"] == 1  # C3, received in March 2025 and open at 1 April
    assert value["new"] == 11
    assert value["resolved"] == 5
    assert value["carried-forward"] == 7  # C4, C5, B1-B5
    assert value["brought-forward"] + value["new"] - value["resolved"] == value["carried-forward"]
    assert (value["complainant:patient"], value["complainant:representative"]) == (1, 1)
    subjects = report.returns["ko41a-subjects"]
    assert values(subjects, "all-complaints") == [2, 1, 1, 1, 5]  # each complaint once


def test_the_spso_indicators_have_each_quarter_and_the_year(report):
    rows = {row.key: row.values[2] for row in report.returns["spso-indicators"].rows}
    assert rows["2025-26-q1:received"] == 7  # C1, C2, B1-B5
    assert rows["2025-26:received"] == 11
    assert rows[f"2025-26:closed-at-stage:{LR}"] == 3  # C1, C12, C13
    assert rows[f"2025-26:closed-at-stage:{INV}"] == 2  # C2, C3
    assert rows[f"2025-26:average-working-days:{INV}"] == 30.0
    assert rows[f"2025-26-q1:within-target:{LR}"] == 2  # C1 and C3 (C2 late)
    annual = {row.key: row.values[2] for row in report.returns["annual-return"].rows}
    assert (annual["received"], annual["well-founded"], annual["referred-to-ombudsman"]) == (
        11,
        3,
        1,
    )


def test_a_quarter_report(tmp_path):
    settings = load_settings(write_settings(tmp_path, write_data(tmp_path / "data")))
    quarter = compute(
        load(settings.data_dir, settings), settings, periods.quarter("2025Q1"), as_at=AS_AT
    )
    table = quarter.tables["feedback-by-kind"]
    assert [c.key for c in table.columns][:3] == ["2024-25-q3", "2024-25-q4", "2025-26-q1"]
    assert values(table, "complaint")[:3] == [0, 1, 7]  # C3 in Q4; C1, C2, B1-B5 in Q1
    assert "themes-by-quarter" not in quarter.tables
