"""Moving a case to a service under another procedure: the change is recorded with the
procedure before and after and the clock under each, and the case then follows the new
procedure counted from receipt.

Dates counted by hand (England, no bank holidays in March 2026): a complaint received on
Monday 2 March 2026 is due, under the LGSCO code, 10 working days after its acknowledgement
date (5 working days: Monday 9 March), so Monday 23 March; under the Children Act 1989
procedure, 10 working days after receipt, so Monday 16 March.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from forms_app.casework import transitions
from forms_app.casework.state import Case
from forms_app.casework.transitions import Actor, Refused
from forms_app.procedures.profiles import load_procedure

LGSCO = load_procedure("england-council-lgsco-2026")
CHILDREN = load_procedure("england-children-act-1989")
ACTOR = Actor("olive", date(2026, 3, 4), datetime(2026, 3, 4, 10, 0, tzinfo=UTC))


def _case(*events) -> Case:
    case = Case.from_submission(
        {
            "ref": "FB-TEST-0002",
            "received": "2026-03-02T09:00:00+00:00",
            "kind": "complaint",
            "service": "council-services",
            "procedure": LGSCO.code,
        },
        first_stage="stage1",
    )
    for number, (type_, values) in enumerate(events):
        row = {"type": type_, "at": "2026-03-03T09:00:00+00:00", "actor": "mina"}
        row.update(event_id=str(number), ref=case.ref, stage="", kind="", outcome="", note="")
        case.apply({**row, "value": "", **values})
    return case


def _move(case: Case, service="childrens-social-care", new=CHILDREN) -> list[dict]:
    return transitions.change_service(
        case, ACTOR, service, old=LGSCO, new=new, calendar=LGSCO.calendar()
    )


def test_the_change_names_both_procedures_and_the_clock_before_and_after():
    rows = _move(_case(("assigned", {"value": "olive", "stage": "stage1"})))
    assert [(r["type"], r["value"], r["stage"]) for r in rows] == [
        ("service_changed", "childrens-social-care", ""),
        ("procedure_changed", "england-children-act-1989", "local_resolution"),
    ]
    note = rows[1]["note"]
    assert "england-council-lgsco-2026 to england-children-act-1989" in note
    assert "response due 2026-03-16" in note
    assert "(was 2026-03-23)" in note


def test_the_case_then_follows_the_new_procedure_from_receipt():
    case = _case(
        ("assigned", {"value": "olive", "stage": "stage1"}),
        ("acknowledged", {"stage": "stage1"}),
        ("extension_agreed", {"stage": "stage1", "value": "2026-04-30"}),
    )
    preview = transitions.clock_change(
        case, LGSCO, CHILDREN, LGSCO.calendar(), ACTOR.today, _move(case)
    )
    assert preview.before.respond == date(2026, 4, 30)  # the extension agreed under the code
    assert preview.after.respond == date(2026, 3, 16)
    assert case.procedure == LGSCO.code  # a preview changes nothing
    for row in _move(case):
        case.apply(row)
    assert case.procedure == CHILDREN.code and case.service == "childrens-social-care"
    assert case.stage == case.first_stage == "local_resolution"
    assert list(case.stages) == ["local_resolution"]
    stage = case.stages["local_resolution"]
    assert stage.started == date(2026, 3, 2)
    assert stage.owner == "olive" and stage.acknowledged == date(2026, 3, 3)
    assert stage.extended_to is None  # agreed under the old procedure: not carried over


def test_a_service_under_the_same_procedure_is_only_a_service_change():
    rows = _move(_case(), service="council-tax", new=LGSCO)
    assert [r["type"] for r in rows] == ["service_changed"]
    assert _move(_case(), service="council-services") == []


def test_a_complaint_past_its_first_stage_keeps_its_procedure():
    case = _case(("stage_entered", {"stage": "stage2"}))
    with pytest.raises(Refused, match="gone past Stage 1") as refused:
        _move(case)
    assert refused.value.about == "service"


def test_triage_moves_the_case_and_assigns_it_at_the_new_first_stage():
    rows = transitions.triage(
        _case(("assigned", {"value": "olive", "stage": "stage1"})),
        ACTOR,
        kind="complaint",
        service="childrens-social-care",
        themes=[],
        owner="oscar",
        owners={"olive", "oscar"},
        known_themes=[],
        procedure=LGSCO,
        service_procedure=CHILDREN,
        calendar=LGSCO.calendar(),
    )
    assert [(r["type"], r["stage"]) for r in rows] == [
        ("service_changed", ""),
        ("procedure_changed", "local_resolution"),
        ("assigned", "local_resolution"),
    ]
