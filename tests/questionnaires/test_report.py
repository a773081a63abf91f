"""The survey in the published report: answers counted by statement and answer for the
report's period, small counts hidden as in every other breakdown (and the cells that would
give them away), the number who answered published as a whole-organisation count, and free
text never published."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from forms_app.organisation.settings import load_settings
from forms_app.questionnaires.store import Answers
from forms_app.reports.figures import compute
from forms_app.reports.loading import load
from forms_app.reports.page_sections import table_block
from forms_app.reports.periods import financial_year
from forms_app.reports.tables import HIDDEN
from tests.support.reports import write_data, write_settings

AS_AT = date(2026, 4, 15)
KEY = "key-for-the-report-tests"
SECRET_TEXT = "Ffoniwch Mrs Prydderch-Ŷd yn ôl"


def _answer(data_dir, n: int, when: datetime, chosen: dict) -> None:
    with Answers(data_dir, KEY) as store:
        token = store.invite("satisfaction", f"SURV-{n:04d}", when.timestamp())
        assert store.answer(token, "satisfaction", 1, chosen, when.timestamp()) == "ok"


def _all(choice: str, **others) -> dict:
    keys = ("easy_to_tell", "kept_informed", "respect", "clear_answer", "time_taken")
    return {**dict.fromkeys(keys, choice), **others}


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("survey-report")
    data_dir = write_data(tmp / "data")
    settings = load_settings(write_settings(tmp, data_dir))
    in_year = datetime(2025, 6, 10, 12, tzinfo=UTC)
    # 12 people agree with everything, 2 disagree about the time taken (a small count), one
    # of those also wrote what we could do better; 4 answered before the year began.
    for n in range(12):
        _answer(data_dir, n, in_year, _all("agree"))
    for n in range(12, 14):
        extra = {"do_better": SECRET_TEXT} if n == 12 else {}
        _answer(data_dir, n, in_year, _all("agree", time_taken="disagree", **extra))
    for n in range(14, 18):
        _answer(data_dir, n, datetime(2025, 3, 5, 12, tzinfo=UTC), _all("strongly_disagree"))
    return compute(load(settings.data_dir, settings), settings, financial_year(2025), as_at=AS_AT)


def _row(table, key):
    return next(row.values for row in table.rows if row.key == key)


def _column(table, key):
    return table.column(key)


def test_answers_are_counted_by_statement_for_the_period(report):
    table = report.tables["satisfaction"]
    respect = _row(table, "respect")
    assert respect[_column(table, "agree")] == 14
    assert respect[_column(table, "disagree")] == 0  # the 4 from before the year
    # "Strongly" answers are counted with the plain answer on their side.
    assert [column.key for column in table.columns] == [
        "agree",
        "neither",
        "disagree",
        "prefer_not_to_say",
        "answered",
    ]
    assert respect[_column(table, "answered")] == 14
    assert table.breakdown and not table.withheld


def test_small_counts_are_hidden_with_a_cell_that_would_give_them_away(report):
    table = report.tables["satisfaction"]
    time_taken = _row(table, "time_taken")
    assert time_taken[_column(table, "disagree")] is HIDDEN
    # 14 answered (published), so the 12 who agreed would give the 2 away: hidden too.
    assert time_taken[_column(table, "answered")] == 14
    assert sum(v is HIDDEN for v in time_taken) >= 2


def test_the_page_shows_the_table_in_both_languages_without_free_text(report):
    english = table_block(report, report.tables["satisfaction"], "en", 2)
    welsh = table_block(report, report.tables["satisfaction"], "cy", 2)
    assert "How people felt we handled their feedback" in english
    assert "We treated you with respect" in english
    assert "Gwnaethom eich trin â pharch" in welsh
    assert "1 of 14 people also told us what we could do better" in english
    assert SECRET_TEXT not in english + welsh


def test_too_few_answers_are_withheld_or_hidden(tmp_path):
    data_dir = write_data(tmp_path / "data")
    settings = load_settings(write_settings(tmp_path, data_dir))
    for n in range(3):
        _answer(data_dir, n, datetime(2025, 9, 1, 12, tzinfo=UTC), _all("agree"))
    report = compute(load(settings.data_dir, settings), settings, financial_year(2025), as_at=AS_AT)
    table = report.tables["satisfaction"]
    shown = [v for row in table.rows for v in row.values[:-1] if v not in (HIDDEN, 0)]
    assert table.withheld or shown == []


def test_no_answers_at_all_makes_no_file_and_counts_nothing(tmp_path):
    data_dir = write_data(tmp_path / "data")
    settings = load_settings(write_settings(tmp_path, data_dir))
    report = compute(load(settings.data_dir, settings), settings, financial_year(2025), as_at=AS_AT)
    table = report.tables["satisfaction"]
    assert all(v == 0 for row in table.rows for v in row.values)
    assert not (data_dir / "questionnaires").exists()
