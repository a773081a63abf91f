"""A world built through casework with known due dates, on a frozen day: Wednesday 9 December
2026, in a week ending Sunday 13 December and the quarter 2026-27 Q3 (1 October to 31 December).

The example settings use the charity's procedure: a complaint is acknowledged within 3 working
days and answered within 28 calendar days of receipt; a compliment is acknowledged within 5
working days. Each due date below was counted by hand (``feedback deadlines`` agrees).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from freezegun import freeze_time

from forms_app.records import audit
from tests.support.staff import add_events, submit

TODAY = date(2026, 12, 9)
NOW = "2026-12-09 09:00:00"
STAGE = "stage1"


def received(day: int, month: int = 12) -> datetime:
    return datetime(2026, month, day, 10, tzinfo=UTC)


@pytest.fixture
def world(app_parts):
    """The cases by letter, with what each one is (olive covers home-care, oscar mental-health):

    - new: a complaint received Monday 7 December, nobody owns it: acknowledge by Thursday 10;
    - overdue: olive's complaint received Monday 30 November, not acknowledged (due 3 December);
    - later: olive's complaint received 1 December, acknowledged: answer by 29 December;
    - due_today: olive's complaint received Friday 4 December, not acknowledged: due today;
    - compliment: olive's compliment received Friday 4 December: acknowledge by Friday 11;
    - paused: olive's complaint received 2 November, acknowledged, clock paused on 20 November
      (the answer was due 30 November: paused, so not overdue);
    - on_time: olive's complaint received 2 November, answered 20 November (due 30 November);
    - late: oscar's home-care complaint received 1 October, answered 5 November (due 29
      October);
    - last_quarter: olive's complaint received 1 September, answered 20 September;
    - other_service: a mental-health complaint received 30 November, nobody owns it;
    - confidential: a confidential home-care complaint received 30 November, owned by oscar.
    """
    p = app_parts
    with freeze_time(NOW):
        refs = {
            "new": submit(p, received=received(7)),
            "overdue": submit(p, received=received(30, 11)),
            "later": submit(p, received=received(1)),
            "due_today": submit(p, received=received(4)),
            "compliment": submit(p, kind="compliment", received=received(4)),
            "paused": submit(p, received=received(2, 11)),
            "on_time": submit(p, received=received(2, 11)),
            "late": submit(p, received=received(1, 10)),
            "last_quarter": submit(p, received=received(1, 9)),
            "other_service": submit(p, service="mental-health", received=received(30, 11)),
            "confidential": submit(p, received=received(30, 11)),
        }
        for name in ("overdue", "later", "due_today", "paused", "on_time", "last_quarter"):
            add_events(p, refs[name], "mina", ("assigned", {"stage": STAGE, "value": "olive"}))
        add_events(p, refs["compliment"], "mina", ("assigned", {"value": "olive"}))
        add_events(p, refs["late"], "mina", ("assigned", {"stage": STAGE, "value": "oscar"}))
        acknowledged = ("acknowledged", {"stage": STAGE, "value": "2026-12-02"})
        add_events(p, refs["later"], "olive", acknowledged)
        add_events(
            p,
            refs["paused"],
            "olive",
            ("acknowledged", {"stage": STAGE, "value": "2026-11-03"}),
            ("paused", {"stage": STAGE, "value": "2026-11-20", "note": "Waiting for consent"}),
        )
        for name, acknowledged, answered in (
            ("on_time", "2026-11-03", "2026-11-20"),
            ("late", "2026-10-02", "2026-11-05"),
            ("last_quarter", "2026-09-02", "2026-09-20"),
        ):
            add_events(
                p,
                refs[name],
                "olive",
                ("acknowledged", {"stage": STAGE, "value": acknowledged}),
                ("responded", {"stage": STAGE, "value": answered}),
                ("outcome_recorded", {"stage": STAGE, "outcome": "upheld"}),
                ("closed", {"stage": STAGE}),
            )
        add_events(
            p,
            refs["confidential"],
            "mina",
            ("assigned", {"stage": STAGE, "value": "oscar"}),
            ("flag_set", {"value": "confidential", "note": "About a member of staff"}),
        )
    return refs


@pytest.fixture
def frozen():
    """The world's day for the whole test, the clock still moving (sign-in codes and sessions
    keep working)."""
    with freeze_time(NOW, tick=True):
        yield


def audit_entries(parts) -> list[dict]:
    path = parts.settings.data_dir / audit.LOG_NAME
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def events_of(parts, ref: str) -> list[dict]:
    return [row for row in parts.store.rows("events") if row["ref"] == ref]
