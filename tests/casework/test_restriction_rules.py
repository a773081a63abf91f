"""While a case's processing is restricted (UK GDPR Article 18) every change is refused with
the same reason, whether the staff pages or the shared sheet ask; a note and lifting the
restriction are still allowed, and so is what the person sends from the tracking page. Also the
smaller rules: a learning action's target date is not in the past, and compliments and comments
have no response date to extend or clock to pause."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from forms_app.casework import annotations, transitions
from forms_app.casework.flags import RESTRICTED
from forms_app.casework.state import Case
from forms_app.casework.transitions import PERSON, Actor, Refused
from forms_app.procedures.profiles import load_procedure
from tests.support.cases import LGSCO, case_with

PROCEDURE = load_procedure(LGSCO)
OWNERS = {"olive", "oscar", "mina"}
TODAY = date(2026, 3, 27)
ACTOR = Actor("olive", TODAY, datetime(2026, 3, 27, 10, 0, tzinfo=UTC))


def _case(kind="complaint", *events) -> Case:
    return case_with(*events, kind=kind)


def _owned(*more) -> Case:
    return _case("complaint", ("assigned", {"value": "olive", "stage": "stage1"}), *more)


def _restricted(*more) -> Case:
    return _owned(*more, ("flag_set", {"value": RESTRICTED, "note": "accuracy_contested"}))


#: Every change that moves a case along or adds to its record, as staff or the sheet make it.
CHANGES = {
    "assign": lambda c: transitions.assign(c, ACTOR, "oscar", owners=OWNERS, procedure=PROCEDURE),
    "change_kind": lambda c: transitions.change_kind(c, ACTOR, "concern"),
    "set_themes": lambda c: transitions.set_themes(c, ACTOR, ["care"], known=["care"]),
    "triage": lambda c: transitions.triage(
        c,
        ACTOR,
        kind="complaint",
        service="home-care",
        themes=[],
        owner="olive",
        owners=OWNERS,
        known_themes=[],
        procedure=PROCEDURE,
    ),
    "acknowledge": lambda c: transitions.acknowledge(c, ACTOR),
    "extend": lambda c: transitions.extend(c, ACTOR, date(2026, 5, 1), "Waiting"),
    "pause": lambda c: transitions.pause(c, ACTOR, "Waiting"),
    "record_outcome": lambda c: transitions.record_outcome(c, ACTOR, "upheld"),
    "enter_stage": lambda c: transitions.enter_stage(
        c, ACTOR, "ombudsman", procedure=PROCEDURE, owners=OWNERS
    ),
    "close": lambda c: transitions.close(c, ACTOR),
    "withdraw": lambda c: transitions.withdraw(c, ACTOR, "No longer"),
    "set_status": lambda c: transitions.set_status(c, ACTOR, "withdrawn"),
    "send_letter": lambda c: annotations.send_letter(
        c, ACTOR, channel="letter", title="Acknowledgement", acknowledges=True
    ),
    "log_contact": lambda c: annotations.log_contact(c, ACTOR, "phone", "Rang"),
    "set_flag": lambda c: annotations.set_flag(c, ACTOR, "safeguarding", "Worried"),
    "add_learning_action": lambda c: annotations.add_learning_action(
        c, ACTOR, "Train the team", "Home care", date(2026, 6, 1)
    ),
    "approve_publication": lambda c: annotations.approve_publication(c, ACTOR, "A summary"),
}


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_every_change_is_refused_while_processing_is_restricted(name):
    change = CHANGES[name]
    try:
        change(_owned())  # the same change on the same case without the restriction
    except Refused as refusal:
        assert "restricted" not in refusal.reason
    with pytest.raises(Refused, match=r"restricted \(UK GDPR Article 18\)"):
        change(_restricted())


def test_restriction_refuses_the_rest_of_a_case_that_was_further_along():
    paused = _restricted(("paused", {"stage": "stage1"}))
    with pytest.raises(Refused, match="restricted"):
        transitions.resume(paused, ACTOR)
    done = _restricted(("outcome_recorded", {"stage": "stage1", "outcome": "upheld"}))
    for change in (transitions.sign_off, transitions.close):
        with pytest.raises(Refused, match="restricted"):
            change(done, ACTOR)
    closed = _restricted(("closed", {}))
    with pytest.raises(Refused, match="restricted"):
        transitions.reopen(closed, ACTOR, "Rang back")
    with pytest.raises(Refused, match="restricted"):
        transitions.set_status(closed, ACTOR, "open")
    referred = _restricted(("ombudsman_referred", {"stage": "ombudsman"}))
    with pytest.raises(Refused, match="restricted"):
        transitions.record_ombudsman_outcome(referred, ACTOR, "upheld")
    acting = _restricted(("action_added", {"value": "A-1", "note": "Train"}))
    with pytest.raises(Refused, match="restricted"):
        annotations.update_learning_action(acting, ACTOR, "A-1", "Done", completed=True)


def test_a_change_that_changes_nothing_is_still_no_change_not_a_refusal():
    # The sheet sends a whole row; the columns nobody touched must not be reported as refused.
    case = _restricted()
    assert transitions.change_kind(case, ACTOR, "complaint") == []
    assert transitions.set_status(case, ACTOR, "open") == []
    assert transitions.set_themes(case, ACTOR, [], known=["care"]) == []
    assert transitions.enter_stage(case, ACTOR, "stage1", procedure=PROCEDURE, owners=OWNERS) == []


def test_notes_and_lifting_the_restriction_are_still_allowed():
    case = _restricted()
    assert [r["type"] for r in annotations.add_note(case, ACTOR, "Rang the DPO")] == ["note"]
    lifted = annotations.clear_flag(case, ACTOR, RESTRICTED, "Accuracy checked")
    assert [(r["type"], r["value"]) for r in lifted] == [("flag_cleared", RESTRICTED)]
    flagged = _restricted(("flag_set", {"value": "safeguarding"}))
    with pytest.raises(Refused, match="restricted"):
        annotations.clear_flag(flagged, ACTOR, "safeguarding", "Resolved")


def test_the_person_can_still_reply_and_ask_for_the_next_stage_while_restricted():
    person = Actor(PERSON, TODAY, ACTOR.at)
    responded = _restricted(("responded", {"stage": "stage1"}))
    assert transitions.person_reply(responded, person, "Please call me")[0]["type"] == (
        "person_replied"
    )
    rows = transitions.person_escalate(
        responded,
        person,
        "Not answered",
        procedure=PROCEDURE,
        calendar=PROCEDURE.calendar(),
        owners=OWNERS,
    )
    assert [r["type"] for r in rows] == ["stage_entered"]


def test_a_learning_action_target_in_the_past_is_refused_with_the_reason():
    case = _case("complaint")
    with pytest.raises(Refused, match="target date must be today or in the future") as refused:
        annotations.add_learning_action(case, ACTOR, "Train", "Home care", date(2019, 1, 1))
    assert refused.value.about == "target"
    rows = annotations.add_learning_action(case, ACTOR, "Train", "Home care", TODAY)
    assert rows[-1]["note"] == TODAY.isoformat()


@pytest.mark.parametrize("kind", ["compliment", "comment"])
def test_compliments_and_comments_have_no_extension_or_pause(kind):
    case = _case(kind)
    assert not transitions.can_extend(case) and not transitions.can_pause(case)
    with pytest.raises(Refused, match=f"A {kind} has no response date"):
        transitions.extend(case, ACTOR, date(2026, 5, 1), "More time")
    with pytest.raises(Refused, match=f"A {kind} has no response date"):
        transitions.pause(case, ACTOR, "Waiting")
    for answered in ("complaint", "concern", "enquiry"):
        assert transitions.can_extend(_case(answered)) and transitions.can_pause(_case(answered))


def test_sending_an_acknowledging_letter_records_the_acknowledgement_once():
    case = _case("compliment")
    rows = annotations.send_letter(
        case, ACTOR, channel="letter", title="Thank you", acknowledges=True
    )
    assert [(r["type"], r["value"]) for r in rows] == [
        ("contact_logged", "letter"),
        ("acknowledged", ""),
    ]
    assert rows[0]["note"] == "Posted the letter: Thank you"
    for row in rows:
        case.apply(row)
    again = annotations.send_letter(
        case, ACTOR, channel="email", title="Thank you", acknowledges=True
    )
    assert [r["type"] for r in again] == ["contact_logged"]
    holding = annotations.send_letter(
        _case("complaint"), ACTOR, channel="letter", title="Holding", acknowledges=False
    )
    assert [r["type"] for r in holding] == ["contact_logged"]
    with pytest.raises(Refused, match="Unknown way of sending"):
        annotations.send_letter(case, ACTOR, channel="pigeon", title="x", acknowledges=False)
