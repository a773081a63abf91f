"""The SPSO complaints performance indicators from hand-made Scottish complaints, with every
figure worked out by hand. Procedure: the SPSO model procedure (stage 1 "frontline", 5 working
days; stage 2 "investigation", 20 working days; Scotland's bank holidays). Period: 2025-26.

- S1: received Mon 7 Apr 2025; frontline response Thu 10 Apr (3 working days), upheld; closed
  10 Apr (Q1).
- S2: received Mon 2 Jun 2025; frontline response Mon 16 Jun (10 working days: late), not
  upheld; escalated to stage 2 on Wed 18 Jun; response Wed 9 Jul (15 working days), partially
  upheld; closed 9 Jul (Q2), after escalation.
- S3: received Mon 11 Aug 2025 and went straight to stage 2; response Mon 15 Sep (25 working
  days: late), upheld; closed 15 Sep (Q2), at stage 2 but not after escalation.
- S4: received Mon 6 Oct 2025 (Q3); open.

People served (the example settings' services): 4,200 + 1,350 + 2,800 + 640 + 1,900 + 950 =
11,840, so 4 complaints are 0.34 per 1,000.
"""

from __future__ import annotations

import pytest

from forms_app.reports.periods import financial_year
from tests.support.returns_cases import complaint, event, report_for, settings_for, write_cases

SPSO = "scotland-spso"
FL, INV = "frontline", "investigation"


@pytest.fixture(scope="module")
def indicators(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("spso")
    subs = [
        complaint("S1", "2025-04-07", "home-care"),
        complaint("S2", "2025-06-02", "home-care"),
        complaint("S3", "2025-08-11", "mental-health"),
        complaint("S4", "2025-10-06", "mental-health"),
    ]
    events = [
        event("S1", "2025-04-10", "responded", stage=FL),
        event("S1", "2025-04-10", "outcome_recorded", stage=FL, outcome="upheld"),
        event("S1", "2025-04-10", "closed"),
        event("S2", "2025-06-16", "responded", stage=FL),
        event("S2", "2025-06-16", "outcome_recorded", stage=FL, outcome="not_upheld"),
        event("S2", "2025-06-18", "stage_entered", stage=INV),
        event("S2", "2025-07-09", "responded", stage=INV),
        event("S2", "2025-07-09", "outcome_recorded", stage=INV, outcome="partially_upheld"),
        event("S2", "2025-07-09", "closed"),
        event("S3", "2025-08-11", "stage_entered", stage=INV, value="2025-08-11"),
        event("S3", "2025-09-15", "responded", stage=INV),
        event("S3", "2025-09-15", "outcome_recorded", stage=INV, outcome="upheld"),
        event("S3", "2025-09-15", "closed"),
    ]
    data = write_cases(tmp / "data", SPSO, subs, events)
    report = report_for(settings_for(tmp, data, SPSO), financial_year(2025))
    return {row.key: row.values[2] for row in report.returns["spso-indicators"].rows}


def test_complaints_received_each_quarter_and_per_thousand_people(indicators):
    year = "2025-26"
    assert indicators[f"{year}:received"] == 4
    assert [indicators[f"{year}-q{n}:received"] for n in (1, 2, 3, 4)] == [2, 1, 1, 0]
    assert indicators[f"{year}:received-per-1000"] == 0.34


def test_closed_at_each_stage_and_after_escalation(indicators):
    assert indicators["2025-26:closed"] == 3
    assert indicators[f"2025-26:closed-at-stage:{FL}"] == 1  # S1
    assert indicators[f"2025-26:closed-at-stage:{INV}"] == 2  # S2 and S3
    assert indicators["2025-26:closed-after-escalation"] == 1  # S2 only: S3 went straight
    assert indicators["2025-26:closed-after-escalation-pct"] == 33.3
    assert indicators["2025-26-q2:closed-after-escalation"] == 1
    assert indicators["2025-26-q1:closed-after-escalation"] == 0


def test_outcomes_at_each_stage(indicators):
    assert indicators[f"2025-26:outcome-upheld:{FL}"] == 1  # S1
    assert indicators[f"2025-26:outcome-not_upheld:{FL}"] == 1  # S2
    assert indicators[f"2025-26:outcome-partially_upheld:{INV}"] == 1  # S2
    assert indicators[f"2025-26:outcome-upheld:{INV}"] == 1  # S3


def test_working_days_and_closed_within_5_and_20_working_days(indicators):
    assert indicators[f"2025-26:average-working-days:{FL}"] == 6.5  # (3 + 10) / 2
    assert indicators[f"2025-26:average-working-days:{INV}"] == 20.0  # (15 + 25) / 2
    assert indicators[f"2025-26:within-target:{FL}"] == 1  # S1 in 3 days; S2 took 10
    assert indicators[f"2025-26:within-target-pct:{FL}"] == 50.0
    assert indicators[f"2025-26:within-target:{INV}"] == 1  # S2 in 15 days; S3 took 25
    assert indicators[f"2025-26:extensions:{INV}"] == 0
