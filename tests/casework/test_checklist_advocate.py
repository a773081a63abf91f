"""An advocate request is the first task on the aide-memoire, however the feedback came in:
asked for (``yes``), it is to do until a note or a logged contact mentions the advocate; not
asked for, or the person already has one, there is no such task."""

from __future__ import annotations

import pytest

from forms_app.casework.checklist import checklist
from forms_app.casework.state import Case


def _case(channel: str, *notes: tuple[str, str]) -> Case:
    case = Case.from_submission(
        {
            "ref": "FB-TEST-0001",
            "received": "2026-03-02T09:00:00+00:00",
            "kind": "complaint",
            "service": "home-care",
            "channel": channel,
            "procedure": "england-council-lgsco-2026",
        },
        first_stage="stage1",
    )
    for number, (type_, note) in enumerate(notes):
        case.apply(
            {
                "event_id": str(number),
                "ref": case.ref,
                "at": "2026-03-03T09:00:00+00:00",
                "actor": "olive",
                "type": type_,
                "value": "phone" if type_ == "contact_logged" else "",
                "stage": "",
                "kind": "",
                "outcome": "",
                "note": note,
            }
        )
    return case


@pytest.mark.parametrize("channel", ["online", "phone", "letter"])
def test_an_advocate_request_is_the_first_task_until_a_note_says_it_is_done(channel):
    steps = checklist(_case(channel), sign_off_required=False, advocate="yes")
    assert steps[0].text.startswith("Independent advocate offered") and not steps[0].done
    talked = _case(channel, ("contact_logged", "Rang her: the Advocate service will call."))
    assert checklist(talked, sign_off_required=False, advocate="yes")[0].done
    other = _case(channel, ("note", "Sent the acknowledgement."))
    assert not checklist(other, sign_off_required=False, advocate="yes")[0].done


@pytest.mark.parametrize("answer", ["", "no", "already_have"])
def test_no_advocate_task_unless_one_was_asked_for(answer):
    steps = checklist(_case("online"), sign_off_required=False, advocate=answer)
    assert not any("advocate" in step.text.lower() for step in steps)
