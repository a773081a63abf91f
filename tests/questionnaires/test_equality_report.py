"""Equality answers in the published report: counted by question and answer for the report's
period, small counts hidden with the cells that would give them away, the number who answered
published as a whole-organisation count, and the whole table withheld when hiding cannot
protect the few who answered."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from forms_app.organisation.settings import load_settings
from forms_app.questionnaires.offers import Offers
from forms_app.reports.figures import compute
from forms_app.reports.loading import load
from forms_app.reports.page_sections import table_block
from forms_app.reports.periods import financial_year
from forms_app.reports.tables import HIDDEN
from tests.support.reports import write_data, write_settings

from .equality_steps import CHOSEN

AS_AT = date(2026, 4, 15)
KEY = "key-for-the-report-tests"


def _answer(data_dir, when: datetime, chosen: dict) -> None:
    with Offers(data_dir, KEY) as offers:
        token = offers.make("equality", when.timestamp())
        assert offers.answer_offer(token, "equality", 1, chosen, when.timestamp()) == "ok"


def _report(tmp, answers: list[tuple[datetime, dict]]):
    data_dir = write_data(tmp / "data")
    settings = load_settings(write_settings(tmp, data_dir))
    for when, chosen in answers:
        _answer(data_dir, when, chosen)
    return compute(load(settings.data_dir, settings), settings, financial_year(2025), as_at=AS_AT)


IN_YEAR = datetime(2025, 6, 10, 12, tzinfo=UTC)
BEFORE = datetime(2025, 3, 5, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("equality-report")
    # 20 people in the year: 12 say one thing, 8 another, except that 2 of them are Welsh
    # speakers and 2 (a small count) are in the Black, Black British, Black Welsh, Caribbean or
    # African group (two of its categories). 5 answered before the year began.
    answers = []
    for n in range(20):
        chosen = {**CHOSEN} if n < 12 else {**CHOSEN, "age_band": "age_65_74", "sex": "male"}
        chosen["welsh_speaker"] = "welsh_yes" if n < 10 else "welsh_no"
        if n in (0, 1):
            chosen["ethnicity"] = ("african", "caribbean")[n]
        answers.append((IN_YEAR, chosen))
    answers += [(BEFORE, {**CHOSEN, "religion": "sikh"})] * 5
    return _report(tmp, answers)


def _value(table, key):
    return table.value(key, "people")


def test_answers_are_counted_by_question_for_the_period(report):
    table = report.tables["equality"]
    assert _value(table, "answered") == 20
    assert _value(table, "age_band:age_35_44") == 12
    assert _value(table, "age_band:age_65_74") == 8
    assert _value(table, "religion:no_religion") == 20
    assert _value(table, "religion:sikh") == 0  # the 5 from before the year
    assert _value(table, "welsh_speaker:welsh_yes") == 10
    assert table.breakdown and not table.withheld


def test_ethnic_groups_are_counted_under_the_census_headings(report):
    table = report.tables["equality"]
    keys = [row.key for row in table.rows if row.key.startswith("ethnicity:")]
    assert keys == [
        "ethnicity:asian",
        "ethnicity:black",
        "ethnicity:mixed",
        "ethnicity:white",
        "ethnicity:other",
        "ethnicity:prefer_not_to_say",
    ]


def test_small_counts_are_hidden_with_a_cell_that_would_give_them_away(report):
    table = report.tables["equality"]
    # 2 in the Black group is small; 18 White alone would give it away from the 20.
    assert _value(table, "ethnicity:black") is HIDDEN
    hidden = [r.key for r in table.rows if r.key.startswith("ethnicity:") and r.values[0] is None]
    assert len(hidden) >= 2
    assert _value(table, "answered") == 20


def test_the_page_shows_the_table_in_both_languages(report):
    table = report.tables["equality"]
    english = table_block(report, table, "en", 2)
    welsh = table_block(report, table, "cy", 2)
    assert "Who gave us feedback" in english and "Age: 35 to 44" in english
    assert "Pwy roddodd adborth i ni" in welsh and "Oedran: 35 i 44" in welsh
    assert "Ethnic group: White" in english and "Grŵp ethnig: Gwyn" in welsh


def test_too_few_answers_withhold_the_whole_table(tmp_path):
    report = _report(tmp_path, [(IN_YEAR, CHOSEN)] * 3)
    table = report.tables["equality"]
    assert table.withheld
    english = table_block(report, table, "en", 2)
    assert "Age: 35 to 44" not in english


def test_no_answers_at_all_counts_nothing(tmp_path):
    report = _report(tmp_path, [])
    table = report.tables["equality"]
    assert all(v == 0 for row in table.rows for v in row.values) and not table.withheld
