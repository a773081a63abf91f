"""One set of rules for every case transition: the same change made through the staff pages and
through the shared sheet gives the same events, or the same refusal with the same reason (the
rules themselves, called directly, are tested in test_transition_rules.py).

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
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from forms_app.accounts import UserBook
from forms_app.casework import transitions
from forms_app.casework.index import CaseIndex
from forms_app.casework.state import Case
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
