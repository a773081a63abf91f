"""The rules of every case transition, called directly: which events each change makes, and
each refusal with its reason (``forms_app.casework.transitions``)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from forms_app.casework import transitions
from forms_app.casework.state import Case
from forms_app.casework.transitions import Actor, Refused
from forms_app.procedures.profiles import load_procedure
from tests.support.cases import LGSCO, case_with

PROCEDURE = load_procedure(LGSCO)
OWNERS = {"olive", "oscar", "mina"}
ACTOR = Actor("olive", date(2026, 3, 27), datetime(2026, 3, 27, 10, 0, tzinfo=UTC))


def _case(kind="complaint", *events) -> Case:
    return case_with(*events, kind=kind)


def _owned(*more) -> Case:
    return _case("complaint", ("assigned", {"value": "olive", "stage": "stage1"}), *more)


def _types(rows) -> list[str]:
    return [r["type"] for r in rows]


def test_events_carry_the_actor_the_time_and_the_case():
    (row,) = transitions.reopen(_owned(("closed", {"stage": "stage1"})), ACTOR, "Rang back")
    assert (row["ref"], row["actor"], row["at"], row["type"]) == (
        "FB-TEST-0001",
        "olive",
        "2026-03-27T10:00:00+00:00",
        "reopened",
    )
    assert (row["stage"], row["note"]) == ("stage1", "Rang back")


def test_closing_needs_the_outcome_of_a_complaints_stage_and_an_open_case():
    with pytest.raises(Refused, match="Record the outcome of this stage"):
        transitions.close(_owned(), ACTOR)
    done = _owned(("outcome_recorded", {"stage": "stage1", "outcome": "upheld"}))
    assert _types(transitions.close(done, ACTOR)) == ["closed"]
    assert _types(transitions.close(_case("compliment"), ACTOR)) == ["closed"]
    closed = _owned(("closed", {}))
    with pytest.raises(Refused, match="The case is closed: reopen it"):
        transitions.close(closed, ACTOR)
    with pytest.raises(Refused, match="open already"):
        transitions.reopen(done, ACTOR)


def test_withdrawing_records_the_withdrawn_outcome_only_where_none_was_recorded():
    rows = transitions.withdraw(_owned(), ACTOR, "Sorted out")
    assert [(r["type"], r["outcome"]) for r in rows] == [
        ("outcome_recorded", "withdrawn"),
        ("withdrawn", ""),
    ]
    done = _owned(("outcome_recorded", {"stage": "stage1", "outcome": "upheld"}))
    assert _types(transitions.withdraw(done, ACTOR)) == ["withdrawn"]
    assert _types(transitions.withdraw(_case("enquiry"), ACTOR)) == ["withdrawn"]


def test_set_status_takes_the_change_that_sets_it():
    case = _owned(("outcome_recorded", {"stage": "stage1", "outcome": "upheld"}))
    assert transitions.set_status(case, ACTOR, "open") == []
    assert _types(transitions.set_status(case, ACTOR, "closed")) == ["closed"]
    with pytest.raises(Refused, match="Unknown status 'pending'") as refusal:
        transitions.set_status(case, ACTOR, "pending")
    assert refusal.value.about == "status"


def test_a_complaint_moves_on_one_stage_at_a_time_and_never_back():
    case = _owned()
    with pytest.raises(Refused, match="no stage 'stage9'"):
        transitions.enter_stage(case, ACTOR, "stage9", procedure=PROCEDURE, owners=OWNERS)
    at_two = _owned(("stage_entered", {"stage": "stage2", "value": "2026-03-10"}))
    with pytest.raises(Refused, match="cannot go back from stage2 to stage1"):
        transitions.enter_stage(at_two, ACTOR, "stage1", procedure=PROCEDURE, owners=OWNERS)
    assert (
        transitions.enter_stage(at_two, ACTOR, "stage2", procedure=PROCEDURE, owners=OWNERS) == []
    )
    referred = _owned(("ombudsman_referred", {"stage": "ombudsman"}))
    with pytest.raises(Refused, match="with the ombudsman"):
        transitions.enter_stage(referred, ACTOR, "stage2", procedure=PROCEDURE, owners=OWNERS)


def test_a_new_stage_checks_its_owner_and_the_independence_rule():
    case = _owned()
    move = dict(procedure=PROCEDURE, owners=OWNERS)
    with pytest.raises(Refused, match="different person") as same:
        transitions.enter_stage(case, ACTOR, "stage2", owner="olive", **move)
    assert same.value.about == "owner"
    with pytest.raises(Refused, match="different person"):
        transitions.enter_stage(case, ACTOR, "stage2", **move)  # Olive carries on: refused
    with pytest.raises(Refused, match="Select the owner at the new stage"):
        transitions.enter_stage(case, ACTOR, "stage2", owner="", **move)
    with pytest.raises(Refused, match="'sam' is not an active officer"):
        transitions.enter_stage(case, ACTOR, "stage2", owner="sam", **move)
    with pytest.raises(Refused, match="today or in the past") as future:
        transitions.enter_stage(case, ACTOR, "stage2", owner="oscar", on=date(2026, 4, 1), **move)
    assert future.value.about == "on"
    rows = transitions.enter_stage(
        case, ACTOR, "stage2", owner="oscar", on=date(2026, 3, 20), note="Not satisfied", **move
    )
    assert [(r["type"], r["stage"], r["value"]) for r in rows] == [
        ("stage_entered", "stage2", "2026-03-20"),
        ("assigned", "stage2", "oscar"),
    ]


def test_the_independence_rule_comes_from_the_procedure_field_not_its_words():
    """The same move under a procedure whose stage 2 has the words but not the field."""
    stages = list(PROCEDURE.stages)
    stages[1] = replace(stages[1], independent_of_previous_stage=False)
    relaxed = replace(PROCEDURE, stages=tuple(stages))
    assert "different person" in relaxed.stage("stage2").handler_rule
    rows = transitions.enter_stage(
        _owned(), ACTOR, "stage2", owner="olive", procedure=relaxed, owners=OWNERS
    )
    assert _types(rows) == ["stage_entered", "assigned"]


def test_only_a_complaint_goes_to_the_ombudsman_and_other_feedback_becomes_one_at_stage_1():
    move = dict(procedure=PROCEDURE, owners=OWNERS)
    with pytest.raises(Refused, match="Only a complaint"):
        transitions.enter_stage(_case("enquiry"), ACTOR, "ombudsman", **move)
    with pytest.raises(Refused, match="becomes a complaint at the first stage"):
        transitions.enter_stage(_case("enquiry"), ACTOR, "stage2", **move)
    (row,) = transitions.enter_stage(
        _case("enquiry"), ACTOR, "stage1", note="From the sheet", **move
    )
    assert (row["type"], row["kind"], row["note"]) == (
        "kind_changed",
        "complaint",
        "was enquiry; From the sheet",
    )


def test_assigning_checks_the_account_the_open_case_and_independence():
    move = dict(owners=OWNERS, procedure=PROCEDURE)
    assert _types(transitions.assign(_owned(), ACTOR, "oscar", **move)) == ["assigned"]
    with pytest.raises(Refused, match="cannot be removed"):
        transitions.assign(_owned(), ACTOR, "", **move)
    with pytest.raises(Refused, match="'ada' is not an active officer or manager account"):
        transitions.assign(_owned(), ACTOR, "ada", **move)
    with pytest.raises(Refused, match="reopen it before changing the owner"):
        transitions.assign(_owned(("closed", {})), ACTOR, "oscar", **move)
    at_two = _owned(
        ("stage_entered", {"stage": "stage2", "value": "2026-03-10"}),
        ("assigned", {"stage": "stage2", "value": "oscar"}),
    )
    with pytest.raises(Refused, match="different person"):
        transitions.assign(at_two, ACTOR, "olive", **move)
    assert _types(transitions.assign(at_two, ACTOR, "mina", **move)) == ["assigned"]


def test_acknowledging_checks_the_date():
    case = _owned()
    with pytest.raises(Refused, match="today or in the past"):
        transitions.acknowledge(case, ACTOR, date(2026, 3, 28))
    with pytest.raises(Refused, match=r"before the stage started \(2026-03-02\)"):
        transitions.acknowledge(case, ACTOR, date(2026, 3, 1))
    (row,) = transitions.acknowledge(case, ACTOR, date(2026, 3, 3))
    assert (row["type"], row["stage"], row["value"]) == ("acknowledged", "stage1", "2026-03-03")
    assert transitions.acknowledge(case, ACTOR)[0]["value"] == ""  # today: the event's own day
    done = _owned(("acknowledged", {"stage": "stage1", "value": "2026-03-03"}))
    with pytest.raises(Refused, match="Already acknowledged on 2026-03-03"):
        transitions.acknowledge(done, ACTOR, date(2026, 3, 4))
    assert not transitions.can_acknowledge(done) and transitions.can_acknowledge(case)


def test_outcomes_are_the_recordable_codes_for_feedback_that_has_one():
    case = _owned()
    with pytest.raises(Refused, match="Unknown outcome 'withdrawn'"):
        transitions.record_outcome(case, ACTOR, "withdrawn")
    with pytest.raises(Refused, match="A compliment has no outcome"):
        transitions.record_outcome(_case("compliment"), ACTOR, "upheld")
    rows = transitions.record_outcome(case, ACTOR, "upheld", cause="Rota", remedy="Apology")
    assert _types(rows) == ["responded", "outcome_recorded", "cause_recorded", "remedy_recorded"]
    answered = _owned(("responded", {"stage": "stage1"}))
    assert _types(transitions.record_outcome(answered, ACTOR, "upheld")) == ["outcome_recorded"]


def test_triage_makes_events_only_for_what_changed():
    settle = dict(
        owners=OWNERS,
        known_themes=["communication", "safety"],
        procedure=PROCEDURE,
        note="Checked",
    )
    same = transitions.triage(
        _owned(), ACTOR, kind="complaint", service="home-care", themes=[], owner="olive", **settle
    )
    assert same == []
    rows = transitions.triage(
        _case("enquiry"),
        ACTOR,
        kind="complaint",
        service="mental-health",
        themes=["safety"],
        owner="oscar",
        **settle,
    )
    assert [(r["type"], r["kind"] or r["value"], r["stage"]) for r in rows] == [
        ("kind_changed", "complaint", ""),
        ("service_changed", "mental-health", ""),
        ("theme_added", "safety", ""),
        ("assigned", "oscar", ""),  # assigned as a whole: it was not a complaint before
    ]
    with pytest.raises(Refused, match="Unknown theme 'bogus'"):
        transitions.triage(
            _owned(),
            ACTOR,
            kind="complaint",
            service="x",
            themes=["bogus"],
            owner="olive",
            **settle,
        )


def test_the_clock_and_sign_off_changes_check_the_stage():
    case = _owned()
    with pytest.raises(Refused, match="must be in the future") as past:
        transitions.extend(case, ACTOR, date(2026, 3, 27), "More time")
    assert past.value.about == "until"
    assert _types(transitions.pause(case, ACTOR, "Consent")) == ["paused"]
    with pytest.raises(Refused, match="not paused"):
        transitions.resume(case, ACTOR)
    with pytest.raises(Refused, match="no outcome waiting"):
        transitions.sign_off(case, ACTOR)


def test_who_may_own_a_case():
    @dataclass
    class Account:
        username: str
        roles: tuple
        active: bool = True

        def has(self, *roles):
            return any(r in self.roles for r in roles)

    accounts = [
        Account("olive", ("officer",)),
        Account("mina", ("manager",)),
        Account("sam", ("safeguarding_lead",)),
        Account("old", ("officer",), active=False),
    ]
    assert transitions.owners_among(accounts) == {"olive", "mina"}


def test_the_rules_need_no_web_framework():
    """The rules import without Flask: the package's own ``__init__`` (which builds the app) is
    skipped, and any import of flask fails."""
    package = Path(transitions.__file__).parents[1]
    code = (
        "import sys, types\n"
        "package = types.ModuleType('forms_app')\n"
        f"package.__path__ = [{str(package)!r}]\n"
        "sys.modules['forms_app'] = package\n"
        "sys.modules['flask'] = None\n"
        "import forms_app.casework.transitions, forms_app.casework.annotations\n"
        "loaded = [m for m, module in sys.modules.items() if module is not None]\n"
        "print(sorted(m for m in loaded if m.split('.')[0] in ('flask', 'werkzeug')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
