"""Staff edits in the Triage tab, turned into events, or into problems that are never applied.

A cell is an edit when it differs from what the service last wrote there. Each edited row is
checked column by column on a working copy of the case, in the order a person would do
things (reopen, acknowledge, stage, owner, themes, outcome, then close), so "outcome upheld,
status closed" in one go works. What a column may hold comes from the events schema (through
the contract, which checks every event row), the case's procedure (its stages, and moving on
one stage at a time), the settings (themes) and the staff accounts (owners).

A value that breaks a rule produces a ``Problem`` and no event: the cell gets a note, the
Problems tab a row, and the case stays as it was.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import date, datetime

from forms_app.casework.events import event
from forms_app.casework.state import Case
from forms_app.procedures.profiles import Procedure
from forms_app.storage.contract import Contract

from .layout import OUTCOMES, STATUSES

ORDER = ("acknowledged", "stage", "owner", "themes", "outcome", "status")
LABELS = {
    "stage": "Stage",
    "status": "Status",
    "owner": "Owner",
    "themes": "Themes",
    "outcome": "Outcome",
    "acknowledged": "Acknowledged on",
}
SHEET_NOTE = "Changed in the shared sheet"
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Problem:
    ref: str
    column: str
    value: str
    message: str


class Rejected(Exception):
    pass


@dataclass
class Rules:
    """What the values may be, for this step."""

    contract: Contract
    procedure_for: object  # callable(code) -> Procedure
    themes: dict[str, str]  # code -> name
    owners: set[str]  # active officers and managers
    today: date
    now: datetime
    actor: str = "sheet"


def _code(text: str) -> str:
    return "_".join(text.strip().lower().replace("-", " ").split())


def interpret(case: Case, edits: dict[str, str], rules: Rules) -> tuple[list[dict], list[Problem]]:
    """Events for the valid edits of one row, and problems for the others."""
    work = copy.deepcopy(case)
    events: list[dict] = []
    problems: list[Problem] = []
    order = list(ORDER)
    if _code(edits.get("status", "")) == "open" and not case.is_open:
        order.remove("status")
        order.insert(0, "status")  # reopen first, then the rest applies to an open case
    for column in order:
        if column not in edits:
            continue
        value = edits[column]
        try:
            made = HANDLERS[column](work, value.strip(), rules)
        except Rejected as why:
            problems.append(Problem(case.ref, column, value, str(why)))
            continue
        bad = [p for row in made for p in rules.contract.check("events", row)]
        if bad:
            detail = ", ".join(f"{p.field} ({p.code})" for p in bad)
            problems.append(
                Problem(case.ref, column, value, f"Not a value the data allows: {detail}")
            )
            continue
        for row in made:
            work.apply(row)
        events += made
    return events, problems


def _ev(case: Case, rules: Rules, type_: str, **values) -> dict:
    return event(case.ref, rules.actor, type_, at=rules.now, **values)


def _stage_code(case: Case) -> str:
    return case.stage if case.kind == "complaint" else ""


def _procedure(case: Case, rules: Rules) -> Procedure:
    return rules.procedure_for(case.procedure)


# -- one handler per column -------------------------------------------------------------------


def _stage(case: Case, value: str, rules: Rules) -> list[dict]:
    procedure = _procedure(case, rules)
    codes = [s.code for s in procedure.stages]
    names = {_code(s.name): s.code for s in procedure.stages}
    wanted = _code(value)
    wanted = names.get(wanted, wanted)
    shown = "ombudsman" if case.ombudsman_referred else _stage_code(case)
    if wanted == shown:
        return []
    allowed = ", ".join([*codes, "ombudsman"])
    if not wanted:
        raise Rejected("A complaint's stage cannot be removed. Put back " + (shown or codes[0]))
    if wanted != "ombudsman" and wanted not in codes:
        raise Rejected(
            f"The procedure ({procedure.name}) has no stage {value!r}. Its stages: {allowed}"
        )
    if wanted == "ombudsman":
        if case.kind != "complaint":
            raise Rejected("Only a complaint can go to the ombudsman")
        return [
            _ev(
                case,
                rules,
                "ombudsman_referred",
                stage="ombudsman",
                value=rules.today.isoformat(),
                note=SHEET_NOTE,
            )
        ]
    if case.ombudsman_referred:
        raise Rejected("The case is with the ombudsman: it cannot go back to a local stage")
    if case.kind != "complaint":
        if wanted != codes[0]:
            raise Rejected(
                f"A {case.kind} becomes a complaint at the first stage ({codes[0]}), not {wanted}"
            )
        return [
            _ev(
                case,
                rules,
                "kind_changed",
                kind="complaint",
                note=f"was {case.kind}; " + SHEET_NOTE,
            )
        ]
    here = codes.index(case.stage) if case.stage in codes else 0
    there = codes.index(wanted)
    if there < here:
        raise Rejected(f"A case cannot go back from {case.stage} to {wanted}")
    if there > here + 1:
        raise Rejected(
            f"A case moves on one stage at a time: after {case.stage} comes {codes[here + 1]}"
        )
    return [
        _ev(
            case,
            rules,
            "stage_entered",
            stage=wanted,
            value=rules.today.isoformat(),
            note=SHEET_NOTE,
        )
    ]


def _status(case: Case, value: str, rules: Rules) -> list[dict]:
    wanted = _code(value)
    if wanted not in STATUSES:
        raise Rejected(f"Unknown status {value!r}: use {', '.join(STATUSES)}")
    if wanted == case.status:
        return []
    stage = _stage_code(case)
    if wanted == "open":
        return [_ev(case, rules, "reopened", stage=stage, note=SHEET_NOTE)]
    if not case.is_open:
        raise Rejected(f"The case is {case.status}: set it to open first")
    current = case.current
    if wanted == "closed":
        if case.kind == "complaint" and current is not None and not current.outcome:
            raise Rejected("Record the outcome of this stage before closing the case")
        return [_ev(case, rules, "closed", stage=stage, note=SHEET_NOTE)]
    rows = []
    if case.kind == "complaint" and current is not None and not current.outcome:
        rows.append(
            _ev(case, rules, "outcome_recorded", stage=stage, outcome="withdrawn", note=SHEET_NOTE)
        )
    rows.append(_ev(case, rules, "withdrawn", stage=stage, note=SHEET_NOTE))
    return rows


def _owner(case: Case, value: str, rules: Rules) -> list[dict]:
    wanted = value.strip().lower()
    if wanted == case.owner:
        return []
    if not wanted:
        raise Rejected("An owner cannot be removed in the sheet: choose another owner")
    if wanted not in rules.owners:
        raise Rejected(f"{value!r} is not an active officer or manager account")
    if not case.is_open:
        raise Rejected(f"The case is {case.status}: reopen it before changing the owner")
    return [_ev(case, rules, "assigned", stage=_stage_code(case), value=wanted, note=SHEET_NOTE)]


def _themes(case: Case, value: str, rules: Rules) -> list[dict]:
    by_name = {name.strip().lower(): code for code, name in rules.themes.items()}
    wanted: list[str] = []
    unknown = []
    for token in re.split(r"[,;\n]", value):
        token = token.strip()
        if not token:
            continue
        code = token.lower() if token.lower() in rules.themes else by_name.get(token.lower())
        if code is None:
            unknown.append(token)
        elif code not in wanted:
            wanted.append(code)
    if unknown:
        raise Rejected(
            f"Unknown theme {', '.join(map(repr, unknown))}: use codes from "
            + ", ".join(rules.themes)
        )
    rows = [_ev(case, rules, "theme_added", value=t) for t in wanted if t not in case.themes]
    rows += [_ev(case, rules, "theme_removed", value=t) for t in case.themes if t not in wanted]
    return rows


def _outcome(case: Case, value: str, rules: Rules) -> list[dict]:
    wanted = _code(value)
    current = case.current
    have = current.outcome if current is not None else ""
    if wanted == have:
        return []
    if not wanted:
        raise Rejected("An outcome cannot be removed in the sheet")
    if wanted not in OUTCOMES:
        raise Rejected(f"Unknown outcome {value!r}: use {', '.join(OUTCOMES)}")
    if case.kind not in ("complaint", "concern", "enquiry") or current is None:
        raise Rejected(f"A {case.kind} has no outcome to record")
    if not case.is_open:
        raise Rejected(f"The case is {case.status}: reopen it before changing the outcome")
    stage = _stage_code(case)
    rows = []
    if current.responded is None:
        rows.append(_ev(case, rules, "responded", stage=stage, value=rules.today.isoformat()))
    rows.append(_ev(case, rules, "outcome_recorded", stage=stage, outcome=wanted, note=SHEET_NOTE))
    return rows


def parse_date(text: str) -> date:
    """YYYY-MM-DD, or DD/MM/YYYY as people in the UK write it; Rejected otherwise."""
    text = text.strip()
    try:
        if _ISO_DATE.match(text):
            return date.fromisoformat(text)
        match = _UK_DATE.match(text)
        if match:
            day, month, year = (int(x) for x in match.groups())
            return date(year, month, day)
    except ValueError:
        pass
    raise Rejected(f"{text!r} is not a date: write it as YYYY-MM-DD, for example 2026-03-27")


def _acknowledged(case: Case, value: str, rules: Rules) -> list[dict]:
    current = case.current
    have = current.acknowledged if current is not None else None
    if not value:
        if have is None:
            return []
        raise Rejected("An acknowledgement cannot be removed in the sheet")
    on = parse_date(value)
    if on == have:
        return []
    if current is None:
        raise Rejected("There is nothing to acknowledge at this point")
    if have is not None:
        raise Rejected(f"Already acknowledged on {have.isoformat()}")
    if on > rules.today:
        raise Rejected("The date must be today or in the past")
    if on < current.started:
        raise Rejected(f"The date is before the stage started ({current.started.isoformat()})")
    return [_ev(case, rules, "acknowledged", stage=_stage_code(case), value=on.isoformat())]


HANDLERS = {
    "stage": _stage,
    "status": _status,
    "owner": _owner,
    "themes": _themes,
    "outcome": _outcome,
    "acknowledged": _acknowledged,
}
