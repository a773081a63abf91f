"""One set of rules for every case transition: the same change made through the staff pages and
through the shared sheet gives the same events, or the same refusal with the same reason; and
the rules themselves, called directly.

Each comparison makes two cases with the same history, changes one through the staff pages
(signed in, posting the action's form) and the other through the sheet pull
(``sheets.pull.interpret``), and compares the new events. Columns that legitimately differ
between the two are left out: ``event_id``, ``ref`` and ``at`` (each event's own), ``actor``
(the member of staff, or ``sheet``) and ``note`` (the staff pages' free text, or the sheet's
"Changed in the shared sheet"). So are the events that are nothing but a note: the staff
outcome page also records the cause and the remedy, which the sheet has no columns for.
"""

from __future__ import annotations

import html
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from forms_app.accounts import UserBook
from forms_app.casework import transitions
from forms_app.casework.index import CaseIndex
from forms_app.casework.state import Case
from forms_app.casework.transitions import Actor, Refused
from forms_app.procedures.profiles import load_procedure
from forms_app.sheets.pull import SHEET_NOTE, Rules, interpret
from tests.support.staff import PEOPLE, add_events, csrf, sign_in, submit

LGSCO = "england-council-lgsco-2026"
DIFFERING = ("event_id", "ref", "at", "actor", "note")
NOTE_ONLY = ("cause_recorded", "remedy_recorded")

# -- the two ways in ----------------------------------------------------------------------------

_ACCOUNTS: dict[str, object] = {}


def _make_accounts(data_dir: Path) -> dict[str, str]:
    """Mina (manager), Olive and Oscar (officers) and Sam (safeguarding lead, who may not own
    cases). Hashing passwords is slow on purpose, so the accounts are made once per run and
    their file copied."""
    target = Path(data_dir) / "users.json"
    if not _ACCOUNTS:
        book = UserBook(data_dir)
        for username in ("mina", "olive", "oscar", "sam"):
            name, roles, services = PEOPLE[username]
            added = book.add(
                username,
                name=name,
                password="correct horse battery staple",
                roles=roles,
                services=services,
                email=f"{username}@staff.example.org",
            )
            _ACCOUNTS[username] = added.totp_secret
        _ACCOUNTS["file"] = target.read_bytes()
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(_ACCOUNTS["file"])
    return {k: v for k, v in _ACCOUNTS.items() if k != "file"}


@dataclass
class BothWays:
    """Cases made in pairs, changed through the staff pages and through the sheet."""

    parts: object
    client: object
    data_dir: Path
    pairs: list[tuple[str, str]] = field(default_factory=list)

    def pair(self, *history, **submission) -> tuple[str, str]:
        """Two cases with the same submission and the same events."""
        refs = []
        for _ in range(2):
            ref = submit(self.parts, **submission)
            if history:
                add_events(self.parts, ref, "mina", *history)
            refs.append(ref)
        return refs[0], refs[1]

    def events(self, ref: str) -> list[dict]:
        return [e for e in self.parts.store.rows("events") if e["ref"] == ref]

    def staff(self, ref: str, action: str, data: dict) -> tuple[list[dict], str]:
        """Post the action's form; return the new events and, if refused, the page's text."""
        before = len(self.events(ref))
        path = f"/staff/cases/{ref}/do/{action}"
        page = self.client.get(path)
        assert page.status_code == 200, page.text[:300]
        response = self.client.post(path, data={**data, "csrf_token": csrf(page.text)})
        assert response.status_code in (302, 400), response.status_code
        refused = html.unescape(response.text) if response.status_code == 400 else ""
        return self.events(ref)[before:], refused

    def case(self, ref: str) -> tuple[Case, CaseIndex]:
        index = CaseIndex(self.parts.store, self.parts.procedure)
        index.refresh()
        return index.get(ref), index

    def sheet(self, ref: str, edits: dict[str, str]):
        """Interpret a row of Triage edits as the sync worker does; return (events, problems)."""
        case, index = self.case(ref)
        rules = Rules(
            contract=self.parts.contract,
            procedure_for=index.procedure_for,
            themes={t.code: t.name for t in self.parts.settings.themes},
            owners=transitions.owners_among(UserBook(self.data_dir).all()),
            today=date.today(),
            now=datetime.now(UTC),
            actor="sheet",
        )
        return interpret(case, edits, rules)


@pytest.fixture
def both(app, app_parts, data_dir):
    secrets_by_user = _make_accounts(data_dir)
    client = app.test_client()
    sign_in(client, "mina", secrets_by_user["mina"])
    return BothWays(app_parts, client, data_dir)


def _same(rows: list[dict]) -> list[dict]:
    return [
        {k: v for k, v in row.items() if k not in DIFFERING}
        for row in rows
        if row["type"] not in NOTE_ONLY
    ]


def _assert_same_events(staff_rows, sheet_result):
    sheet_rows, problems = sheet_result
    assert problems == []
    assert staff_rows, "the staff page made no change"
    assert _same(staff_rows) == _same(sheet_rows)


def _assert_same_refusal(staff_result, sheet_result, column: str) -> str:
    staff_rows, page = staff_result
    sheet_rows, problems = sheet_result
    assert staff_rows == [] and sheet_rows == []
    assert [p.column for p in problems] == [column]
    reason = problems[0].message
    assert reason in page, f"the staff page does not say {reason!r}"
    return reason


def _day_fields(name: str, day: date) -> dict[str, str]:
    return {
        f"{name}-day": str(day.day),
        f"{name}-month": str(day.month),
        f"{name}-year": str(day.year),
    }


TODAY = date.today()
# (Triage asks for at least one theme, so every case has one and the staff page keeps it.)
AT_STAGE_1_WITH_OLIVE = (
    ("assigned", {"value": "olive", "stage": "stage1"}),
    ("theme_added", {"value": "safety"}),
)
TRIAGE_AS_IT_IS = {
    "kind": "complaint",
    "service": "home-care",
    "themes": ["safety"],
    "independent": "yes",
}
WITH_OUTCOME = AT_STAGE_1_WITH_OLIVE + (
    ("outcome_recorded", {"stage": "stage1", "outcome": "upheld"}),
)


# -- the same change both ways: the same events -----------------------------------------------


def test_acknowledging_gives_the_same_events_both_ways(both):
    staff_ref, sheet_ref = both.pair(*AT_STAGE_1_WITH_OLIVE, procedure=LGSCO)
    staff = both.staff(staff_ref, "acknowledge", _day_fields("on", TODAY))[0]
    sheet = both.sheet(sheet_ref, {"acknowledged": TODAY.strftime("%d/%m/%Y")})
    _assert_same_events(staff, sheet)
    assert [r["type"] for r in staff] == ["acknowledged"]


def test_changing_the_owner_gives_the_same_events_both_ways(both):
    staff_ref, sheet_ref = both.pair(*AT_STAGE_1_WITH_OLIVE, procedure=LGSCO)
    staff = both.staff(
        staff_ref,
        "triage",
        {**TRIAGE_AS_IT_IS, "owner": "oscar"},
    )[0]
    sheet = both.sheet(sheet_ref, {"owner": "Oscar"})
    _assert_same_events(staff, sheet)
    assert [(r["type"], r["stage"], r["value"]) for r in staff] == [("assigned", "stage1", "oscar")]


def test_changing_the_themes_gives_the_same_events_both_ways(both):
    history = AT_STAGE_1_WITH_OLIVE
    staff_ref, sheet_ref = both.pair(*history, procedure=LGSCO)
    staff = both.staff(
        staff_ref,
        "triage",
        {
            "kind": "complaint",
            "service": "home-care",
            "themes": ["communication", "waiting-times"],
            "owner": "olive",
            "independent": "yes",
        },
    )[0]
    sheet = both.sheet(sheet_ref, {"themes": "communication, Waiting times and delays"})
    _assert_same_events(staff, sheet)
    assert [(r["type"], r["value"]) for r in staff] == [
        ("theme_added", "communication"),
        ("theme_added", "waiting-times"),
        ("theme_removed", "safety"),
    ]


def test_moving_on_a_stage_with_a_new_owner_gives_the_same_events_both_ways(both):
    staff_ref, sheet_ref = both.pair(*WITH_OUTCOME, procedure=LGSCO)
    staff = both.staff(staff_ref, "escalate", {"to": "stage2", "owner": "oscar", "reason": "x"})[0]
    sheet = both.sheet(sheet_ref, {"stage": "Stage 2", "owner": "oscar"})
    _assert_same_events(staff, sheet)
    assert [(r["type"], r["stage"], r["value"]) for r in staff] == [
        ("stage_entered", "stage2", TODAY.isoformat()),
        ("assigned", "stage2", "oscar"),
    ]


def test_going_to_the_ombudsman_gives_the_same_events_both_ways(both):
    staff_ref, sheet_ref = both.pair(*WITH_OUTCOME, procedure=LGSCO)
    staff = both.staff(staff_ref, "escalate", {"to": "ombudsman", **_day_fields("on", TODAY)})[0]
    sheet = both.sheet(sheet_ref, {"stage": "ombudsman"})
    _assert_same_events(staff, sheet)
    assert [(r["type"], r["stage"]) for r in staff] == [("ombudsman_referred", "ombudsman")]


def test_an_enquiry_becoming_a_complaint_gives_the_same_events_both_ways(both):
    staff_ref, sheet_ref = both.pair(
        ("assigned", {"value": "olive"}),
        ("theme_added", {"value": "safety"}),
        kind="enquiry",
        procedure=LGSCO,
    )
    staff = both.staff(staff_ref, "triage", {**TRIAGE_AS_IT_IS, "owner": "olive"})[0]
    sheet = both.sheet(sheet_ref, {"stage": "stage1"})
    _assert_same_events(staff, sheet)
    assert [(r["type"], r["kind"]) for r in staff] == [("kind_changed", "complaint")]
    assert sheet[0][0]["note"] == f"was enquiry; {SHEET_NOTE}"


def test_recording_an_outcome_gives_the_same_events_both_ways(both):
    staff_ref, sheet_ref = both.pair(*AT_STAGE_1_WITH_OLIVE, procedure=LGSCO)
    staff = both.staff(
        staff_ref,
        "outcome",
        {
            "outcome": "partially_upheld",
            "findings": "The visit was late.",
            "cause": "A rota gap.",
            "remedy": "An apology.",
            **_day_fields("on", TODAY),
        },
    )[0]
    sheet = both.sheet(sheet_ref, {"outcome": "partially upheld"})
    _assert_same_events(staff, sheet)
    assert [r["type"] for r in _same(staff)] == ["responded", "outcome_recorded"]


@pytest.mark.parametrize(
    ("action", "status", "history", "types"),
    [
        ("close", "closed", WITH_OUTCOME, ["closed"]),
        ("withdraw", "withdrawn", AT_STAGE_1_WITH_OLIVE, ["outcome_recorded", "withdrawn"]),
        ("reopen", "open", WITH_OUTCOME + (("closed", {"stage": "stage1"}),), ["reopened"]),
    ],
)
def test_changing_the_status_gives_the_same_events_both_ways(both, action, status, history, types):
    staff_ref, sheet_ref = both.pair(*history, procedure=LGSCO)
    staff = both.staff(staff_ref, action, {"note": "n", "reason": "The person rang."})[0]
    sheet = both.sheet(sheet_ref, {"status": status.title()})
    _assert_same_events(staff, sheet)
    assert [r["type"] for r in staff] == types


# -- the same change both ways: the same refusal ----------------------------------------------


def test_the_previous_stages_owner_is_refused_at_an_independent_stage_both_ways(both):
    staff_ref, sheet_ref = both.pair(*WITH_OUTCOME, procedure=LGSCO)
    # In the sheet, moving the stage on keeps the owner: Olive, who handled stage 1.
    reason = _assert_same_refusal(
        both.staff(staff_ref, "escalate", {"to": "stage2", "owner": "olive"}),
        both.sheet(sheet_ref, {"stage": "stage2"}),
        "stage",
    )
    assert "different person" in reason and reason.endswith("Choose someone else")
    # Olive typed as the owner beside the stage changes nothing (she owns it already): the
    # stage alone is refused.
    sheet_rows, problems = both.sheet(sheet_ref, {"stage": "stage2", "owner": "OLIVE "})
    assert sheet_rows == [] and [(p.column, p.message) for p in problems] == [("stage", reason)]
    # Someone else typed beside it: the stage moves on with them, as the staff page does.
    sheet_rows, problems = both.sheet(sheet_ref, {"stage": "stage2", "owner": "mina"})
    assert problems == [] and [(r["type"], r["value"]) for r in sheet_rows] == [
        ("stage_entered", TODAY.isoformat()),
        ("assigned", "mina"),
    ]


def test_giving_an_independent_stage_back_to_the_previous_owner_is_refused_both_ways(both):
    history = WITH_OUTCOME + (
        ("stage_entered", {"stage": "stage2", "value": TODAY.isoformat()}),
        ("assigned", {"stage": "stage2", "value": "oscar"}),
    )
    staff_ref, sheet_ref = both.pair(*history, procedure=LGSCO)
    reason = _assert_same_refusal(
        both.staff(
            staff_ref,
            "triage",
            {**TRIAGE_AS_IT_IS, "owner": "olive"},
        ),
        both.sheet(sheet_ref, {"owner": "olive"}),
        "owner",
    )
    assert "different person" in reason


def test_an_owner_who_may_not_own_cases_is_refused_both_ways(both):
    staff_ref, sheet_ref = both.pair(*AT_STAGE_1_WITH_OLIVE, procedure=LGSCO)
    reason = _assert_same_refusal(
        both.staff(
            staff_ref,
            "triage",
            {**TRIAGE_AS_IT_IS, "owner": "sam"},
        ),
        both.sheet(sheet_ref, {"owner": "sam"}),
        "owner",
    )
    assert reason == "'sam' is not an active officer or manager account"


def test_a_new_stages_owner_who_may_not_own_cases_is_refused_both_ways(both):
    staff_ref, sheet_ref = both.pair(*WITH_OUTCOME, procedure=LGSCO)
    staff = both.staff(staff_ref, "escalate", {"to": "stage2", "owner": "sam"})
    sheet = both.sheet(sheet_ref, {"stage": "stage2", "owner": "sam"})
    assert staff[0] == [] and sheet[0] == []
    assert {p.column for p in sheet[1]} == {"stage", "owner"}
    assert all(p.message in staff[1] for p in sheet[1])


def test_closing_without_an_outcome_is_refused_both_ways(both):
    staff_ref, sheet_ref = both.pair(*AT_STAGE_1_WITH_OLIVE, procedure=LGSCO)
    reason = _assert_same_refusal(
        both.staff(staff_ref, "close", {"note": ""}),
        both.sheet(sheet_ref, {"status": "closed"}),
        "status",
    )
    assert reason == "Record the outcome of this stage before closing the case"


def test_an_acknowledgement_in_the_future_is_refused_both_ways(both):
    staff_ref, sheet_ref = both.pair(*AT_STAGE_1_WITH_OLIVE, procedure=LGSCO)
    tomorrow = TODAY + timedelta(days=1)
    reason = _assert_same_refusal(
        both.staff(staff_ref, "acknowledge", _day_fields("on", tomorrow)),
        both.sheet(sheet_ref, {"acknowledged": tomorrow.isoformat()}),
        "acknowledged",
    )
    assert reason == "The date must be today or in the past"


# -- the rules, called directly ----------------------------------------------------------------

PROCEDURE = load_procedure(LGSCO)
OWNERS = {"olive", "oscar", "mina"}
ACTOR = Actor("olive", date(2026, 3, 27), datetime(2026, 3, 27, 10, 0, tzinfo=UTC))


def _case(kind="complaint", *events) -> Case:
    case = Case.from_submission(
        {
            "ref": "FB-TEST-0001",
            "received": "2026-03-02T09:00:00+00:00",
            "kind": kind,
            "service": "home-care",
            "procedure": LGSCO,
        },
        first_stage="stage1",
    )
    for number, (type_, values) in enumerate(events):
        row = {"type": type_, "at": "2026-03-03T09:00:00+00:00", "actor": "mina"}
        row.update(event_id=str(number), ref=case.ref, stage="", kind="", outcome="", note="")
        case.apply({**row, "value": "", **values})
    return case


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
    from dataclasses import replace

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
