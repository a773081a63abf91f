"""Folding a case's events into its state, its due dates moved by extensions and pauses, and
the index that keeps cases current by reading only what was appended."""

from __future__ import annotations

from datetime import UTC, date, datetime

from forms_app.casework.deadlines import stage_due, status_of
from forms_app.casework.index import CaseIndex
from forms_app.casework.state import fold
from forms_app.cli.staff import due_command
from forms_app.procedures.profiles import load_procedure
from tests.support.staff import add_events, submit

CHARITY = load_procedure("charity-help-and-care")
LGSCO = load_procedure("england-council-lgsco-2026")
CAL = CHARITY.calendar()


def _sub(kind="complaint", received="2025-03-03T10:00:00+00:00", procedure="charity-help-and-care"):
    return {
        "ref": "ABCD-EFGH",
        "received": received,
        "kind": kind,
        "service": "home-care",
        "language": "cy",
        "channel": "online",
        "procedure": procedure,
        "variant": "standard",
        "anonymous": "false",
    }


def _ev(type_, at="2025-03-04T10:00:00+00:00", actor="olive", **values):
    row = {
        "event_id": "x" * 12,
        "ref": "ABCD-EFGH",
        "at": at,
        "actor": actor,
        "type": type_,
        "stage": "",
        "kind": "",
        "outcome": "",
        "value": "",
        "note": "",
    }
    row.update(values)
    return row


def test_a_complaint_worked_from_receipt_to_closure_at_stage_2():
    case = fold(
        _sub(),
        [
            _ev("assigned", value="olive"),
            _ev("theme_added", value="communication"),
            _ev("theme_added", value="waiting-times"),
            _ev("theme_removed", value="communication"),
            _ev("acknowledged", stage="stage1"),
            _ev("flag_set", value="councillor_mp", note="Cllr Example wrote too"),
            _ev("responded", stage="stage1", at="2025-03-20T10:00:00+00:00"),
            _ev("outcome_recorded", stage="stage1", outcome="not_upheld", note="Found"),
            _ev("cause_recorded", stage="stage1", note="Rota gap"),
            _ev("remedy_recorded", stage="stage1", note="Apology"),
            _ev("signed_off", stage="stage1", actor="mina"),
            _ev("closed", stage="stage1", at="2025-03-21T10:00:00+00:00"),
            _ev(
                "stage_entered", stage="stage2", value="2025-03-28", at="2025-03-28T10:00:00+00:00"
            ),
            _ev("assigned", stage="stage2", value="oscar"),
            _ev("outcome_recorded", stage="stage2", outcome="partially_upheld"),
            _ev("closed", stage="stage2", at="2025-04-20T10:00:00+00:00"),
        ],
        first_stage="stage1",
    )
    assert case.status == "closed" and case.closed_on == date(2025, 4, 20)
    assert case.stage == "stage2" and case.owner == "oscar"
    assert case.themes == ["waiting-times"]
    assert case.flags == {"councillor_mp": "Cllr Example wrote too"}
    first = case.stages["stage1"]
    assert (first.acknowledged, first.responded) == (date(2025, 3, 4), date(2025, 3, 20))
    assert (first.outcome, first.cause, first.remedy) == ("not_upheld", "Rota gap", "Apology")
    assert first.signed_off_by == "mina" and first.owner == "olive"
    assert case.stages["stage2"].started == date(2025, 3, 28)
    assert case.stages["stage2"].owner == "oscar"
    assert case.unsigned == ["stage2"]  # the stage 2 outcome still needs its sign-off
    assert case.language == "cy" and len(case.events) == 16


def test_due_dates_move_with_an_extension_and_with_pauses():
    # Received Mon 3 March 2025: Stage 1 acknowledge by Thu 6 March (3 working days).
    case = fold(_sub(), [], first_stage="stage1")
    stage = case.current
    due = stage_due(CHARITY, CAL, case, stage, date(2025, 3, 3))
    assert due.acknowledge == date(2025, 3, 6)
    assert due.respond == date(2025, 3, 31)  # 28 calendar days
    assert due.next_for(stage) == ("acknowledge", date(2025, 3, 6))

    # Paused Mon 10 to Fri 14 March: 4 days (calendar target, so calendar days).
    case = fold(
        _sub(),
        [
            _ev("acknowledged", stage="stage1"),
            _ev("paused", stage="stage1", at="2025-03-10T09:00:00+00:00"),
            _ev("resumed", stage="stage1", at="2025-03-14T09:00:00+00:00"),
        ],
        first_stage="stage1",
    )
    due = stage_due(CHARITY, CAL, case, case.current, date(2025, 3, 20))
    assert due.respond == date(2025, 4, 4) and due.paused_days == 4

    # An extension replaces the date; a pause before it is already allowed for by it.
    case = fold(
        _sub(),
        [
            _ev("paused", stage="stage1", at="2025-03-10T09:00:00+00:00"),
            _ev("resumed", stage="stage1", at="2025-03-14T09:00:00+00:00"),
            _ev(
                "extension_agreed",
                stage="stage1",
                value="2025-04-30",
                at="2025-03-20T09:00:00+00:00",
            ),
        ],
        first_stage="stage1",
    )
    due = stage_due(CHARITY, CAL, case, case.current, date(2025, 3, 21))
    assert due.respond == date(2025, 4, 30) and due.respond_target == date(2025, 3, 31)

    # Still paused: the date keeps moving and the case is never overdue.
    case = fold(
        _sub(),
        [_ev("paused", stage="stage1", at="2025-03-10T09:00:00+00:00")],
        first_stage="stage1",
    )
    assert case.current.paused
    assert status_of(date(2025, 3, 1), date(2025, 4, 2), date(2025, 4, 4), paused=True) == "paused"


def test_due_dates_carry_the_date_promised_to_the_person():
    # Received Friday 4 December 2026: 28 days on is New Year's Day 2027.
    received = "2026-12-04T10:00:00+00:00"
    case = fold(_sub(received=received), [], first_stage="stage1")
    due = stage_due(CHARITY, CAL, case, case.current, date(2026, 12, 4))
    assert due.respond == date(2027, 1, 1)
    assert due.respond_promised == date(2026, 12, 31)
    assert due.acknowledge == due.acknowledge_promised == date(2026, 12, 9)

    # Paused Monday 7 to Thursday 10 December: 3 calendar days on is Monday 4 January, a
    # working day, so nothing moves back.
    case = fold(
        _sub(received=received),
        [
            _ev("paused", stage="stage1", at="2026-12-07T09:00:00+00:00"),
            _ev("resumed", stage="stage1", at="2026-12-10T09:00:00+00:00"),
        ],
        first_stage="stage1",
    )
    due = stage_due(CHARITY, CAL, case, case.current, date(2026, 12, 11))
    assert due.respond == due.respond_promised == date(2027, 1, 4)

    # A date agreed with the person is promised as agreed.
    case = fold(
        _sub(received=received),
        [_ev("extension_agreed", stage="stage1", value="2027-01-08", at=received)],
        first_stage="stage1",
    )
    due = stage_due(CHARITY, CAL, case, case.current, date(2026, 12, 11))
    assert due.respond == due.respond_promised == date(2027, 1, 8)


def test_working_day_pause_and_acknowledgement_day_zero():
    sub = _sub(procedure="england-council-lgsco-2026", received="2026-04-02T10:00:00+00:00")
    # Acknowledged early (Tue 7 April): Stage 1's 10 working days count from then.
    case = fold(
        sub, [_ev("acknowledged", stage="stage1", value="2026-04-07")], first_stage="stage1"
    )
    due = stage_due(LGSCO, LGSCO.calendar(), case, case.current, date(2026, 4, 8))
    assert due.respond == date(2026, 4, 21)
    # Paused Wed 8 to Wed 15 April: 5 working days; 21 April + 5 = 28 April.
    case = fold(
        sub,
        [
            _ev("acknowledged", stage="stage1", value="2026-04-07"),
            _ev("paused", stage="stage1", at="2026-04-08T09:00:00+00:00"),
            _ev("resumed", stage="stage1", at="2026-04-15T09:00:00+00:00"),
        ],
        first_stage="stage1",
    )
    due = stage_due(LGSCO, LGSCO.calendar(), case, case.current, date(2026, 4, 16))
    assert (due.paused_days, due.respond) == (5, date(2026, 4, 28))


def test_status_on_time_due_soon_overdue():
    today, soon = date(2025, 3, 3), date(2025, 3, 5)
    assert status_of(date(2025, 3, 10), today, soon) == "on_time"
    assert status_of(date(2025, 3, 5), today, soon) == "due_soon"
    assert status_of(date(2025, 3, 3), today, soon) == "due_soon"
    assert status_of(date(2025, 2, 28), today, soon) == "overdue"


def test_kind_changes_start_and_stop_the_complaint_clock():
    enquiry = _sub(kind="enquiry")
    case = fold(
        enquiry,
        [_ev("kind_changed", kind="complaint", at="2025-03-05T10:00:00+00:00")],
        first_stage="stage1",
    )
    assert case.kind == "complaint" and case.original_kind == "enquiry"
    assert case.stage == "stage1" and case.current.started == date(2025, 3, 5)
    case = fold(_sub(), [_ev("kind_changed", kind="concern")], first_stage="stage1")
    assert case.kind == "concern" and case.stage == "" and case.current is case.step


def test_reopen_restarts_the_clock_and_withdraw_closes():
    case = fold(
        _sub(),
        [
            _ev("outcome_recorded", stage="stage1", outcome="upheld"),
            _ev("closed", stage="stage1"),
            _ev("reopened", stage="stage1", at="2025-05-01T10:00:00+00:00"),
        ],
        first_stage="stage1",
    )
    assert case.is_open and case.reopened == 1
    assert case.current.started == date(2025, 5, 1) and not case.current.outcome
    case = fold(_sub(), [_ev("withdrawn", note="Sorted out with the team")], first_stage="stage1")
    assert case.status == "withdrawn" and not case.is_open


def test_learning_actions_and_ombudsman():
    case = fold(
        _sub(),
        [
            _ev("action_added", value="A-1", note="Rota review"),
            _ev("action_owner_set", value="A-1", note="Home care manager"),
            _ev("action_target_set", value="A-1", note="2025-06-30"),
            _ev("action_updated", value="A-1", note="Draft rota"),
            _ev("action_added", value="Review visit scheduling", note="Owner: service manager"),
            _ev("ombudsman_referred", stage="ombudsman", value="2025-07-01"),
            _ev("ombudsman_outcome", stage="ombudsman", outcome="not_upheld"),
        ],
        first_stage="stage1",
    )
    action = case.actions["A-1"]
    assert (action.owner, action.target, action.status) == (
        "Home care manager",
        date(2025, 6, 30),
        "in_progress",
    )
    assert "Review visit scheduling" in case.actions  # older rows: value was the description
    assert case.ombudsman_referred == date(2025, 7, 1) and case.ombudsman_outcome == "not_upheld"


def test_the_index_reads_only_what_was_appended(app_parts):
    index = CaseIndex(app_parts.store, app_parts.procedure)
    first = submit(app_parts, received=datetime(2025, 3, 3, 10, tzinfo=UTC))
    assert index.get(first).owner == ""
    add_events(app_parts, first, "olive", ("assigned", {"value": "olive"}))
    events_table = app_parts.store.tables["events"]
    before = index._cursors["events"]
    assert index.get(first).owner == "olive"
    assert index._cursors["events"].offset == events_table.length() != before
    second = submit(app_parts, kind="compliment")
    assert {c.ref for c in index.open_cases()} == {first, second}
    add_events(app_parts, second, "olive", ("closed", {}))
    assert [c.ref for c in index.open_cases()] == [first]
    # Events whose submission the index has not read yet wait for it.
    index2 = CaseIndex(app_parts.store, app_parts.procedure)
    index2._apply({**index.get(first).events[0], "ref": "LATE-CASE"})
    assert "LATE-CASE" in index2._waiting


def test_feedback_due_lists_overdue_cases_by_owner(app, app_parts):
    late = submit(app_parts, received=datetime(2025, 3, 3, 10, tzinfo=UTC))
    add_events(app_parts, late, "olive", ("assigned", {"value": "olive"}))
    fine = submit(app_parts, received=datetime(2025, 3, 20, 10, tzinfo=UTC))
    add_events(
        app_parts,
        fine,
        "olive",
        ("assigned", {"value": "oscar"}),
        ("acknowledged", {"stage": "stage1"}),
    )
    result = app.test_cli_runner().invoke(due_command, ["--today", "2025-03-07"])
    assert result.exit_code == 0, result.output
    # Received Mon 3 March, acknowledgement due Thu 6 March: overdue on Fri 7 March.
    assert f"  {late}\toverdue\tacknowledge\t2025-03-06" in result.output
    assert fine not in result.output  # responds by 17 April: on time
