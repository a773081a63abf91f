"""The LGSCO annual complaints figures from hand-made complaints to an English council, every
figure worked out by hand. Procedure: the council procedure under the LGSCO complaint handling
code (stage 1 and stage 2). Period: 2025-26.

- L1: received Tue 6 May 2025; stage 1 response Wed 14 May (6 working days after receipt),
  upheld; closed 14 May.
- L2: received Mon 2 Jun 2025; stage 1 response Tue 10 Jun (6 working days), not upheld;
  stage 2 from Fri 20 Jun, response Thu 10 Jul, partially upheld; referred to the ombudsman
  1 Aug, who did not uphold it; closed 1 Oct.
- L3: received Mon 1 Sep 2025 and went straight to stage 2; open.
"""

from __future__ import annotations

import pytest

from forms_app.reports.periods import financial_year
from forms_app.reports.tables import NOT_KNOWN
from tests.support.returns_cases import complaint, event, report_for, settings_for, write_cases

COUNCIL = "england-council-lgsco-2026"


def cases():
    subs = [
        complaint("L1", "2025-05-06", "home-care"),
        complaint("L2", "2025-06-02", "home-care"),
        complaint("L3", "2025-09-01", "carers-support"),
    ]
    events = [
        event("L1", "2025-05-07", "acknowledged", stage="stage1"),
        event("L1", "2025-05-14", "responded", stage="stage1"),
        event("L1", "2025-05-14", "outcome_recorded", stage="stage1", outcome="upheld"),
        event("L1", "2025-05-14", "closed"),
        event("L2", "2025-06-03", "acknowledged", stage="stage1"),
        event("L2", "2025-06-10", "responded", stage="stage1"),
        event("L2", "2025-06-10", "outcome_recorded", stage="stage1", outcome="not_upheld"),
        event("L2", "2025-06-20", "stage_entered", stage="stage2"),
        event("L2", "2025-06-23", "acknowledged", stage="stage2"),
        event("L2", "2025-07-10", "responded", stage="stage2"),
        event("L2", "2025-07-10", "outcome_recorded", stage="stage2", outcome="partially_upheld"),
        event("L2", "2025-07-10", "closed"),
        event("L2", "2025-08-01", "ombudsman_referred"),
        event("L2", "2025-09-20", "ombudsman_outcome", outcome="not_upheld"),
        event("L2", "2025-10-01", "closed"),
        event("L3", "2025-09-01", "stage_entered", stage="stage2", value="2025-09-01"),
        event("L3", "2025-09-02", "acknowledged", stage="stage2"),
    ]
    return subs, events


@pytest.fixture(scope="module")
def council(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lgsco")
    data = write_cases(tmp / "data", COUNCIL, *cases())
    return report_for(settings_for(tmp, data, COUNCIL), financial_year(2025))


def figures(report):
    return {row.key: row.values[2] for row in report.returns["lgsco-annual"].rows}


def test_received_and_the_stages_complaints_entered(council):
    found = figures(council)
    assert found["received"] == 3
    assert found["entered-stage:stage1"] == 2  # L1, L2 (L3 went straight to stage 2)
    assert found["entered-stage:stage2"] == 2  # L2, L3
    assert found["closed"] == 2  # L1, L2


def test_outcomes_and_responses_at_each_stage(council):
    found = figures(council)
    assert found["outcome-upheld:stage1"] == 1  # L1
    assert found["outcome-not_upheld:stage1"] == 1  # L2
    assert found["outcome-partially_upheld:stage2"] == 1  # L2
    assert found["outcome-upheld:stage2"] == 0
    assert found["responses:stage1"] == 2
    assert found["responses:stage2"] == 1
    assert found["average-working-days:stage1"] == 6.0  # 6 and 6


def test_the_ombudsman_and_what_is_not_recorded(council):
    found = figures(council)
    assert found["ombudsman-referred"] == 1  # L2
    assert found["ombudsman-not_upheld"] == 1
    assert found["ombudsman-open"] == 0
    assert found["ombudsman-remedies"] == NOT_KNOWN


def test_only_an_english_councils_procedure_under_the_code_gets_them(council, tmp_path):
    assert "lgsco-annual" in council.returns
    assert "ko41a-summary" not in council.returns
    data = write_cases(tmp_path / "data", "charity-help-and-care", [], [])
    charity = report_for(
        settings_for(tmp_path, data, "charity-help-and-care"), financial_year(2025)
    )
    assert "lgsco-annual" not in charity.returns


def test_the_page_has_a_section_for_them_in_english_and_welsh(council):
    from forms_app.reports.pages import render

    pages = {
        language: render(
            council,
            language=language,
            organisation="Exampleton Council",
            nation_text="in England",
            data_base="/outcomes/data/2025-26",
            data_files=["lgsco-annual.csv"],
            items=[],
            plan=None,
        )
        for language in ("en", "cy")
    }
    assert (
        "### Local Government and Social Care Ombudsman: annual complaints figures" in (pages["en"])
    )
    assert "Annual complaints figures (LGSCO complaint handling code)](" in pages["en"]
    assert "### Ombwdsmon Llywodraeth Leol a Gofal Cymdeithasol: ffigurau cwynion" in pages["cy"]
    assert "Penderfyniad yr ombwdsmon: Ni chadarnhawyd" in pages["cy"]
