"""Staff edits in the Triage tab, turned into events, or into problems that are never applied.

A cell is an edit when it differs from what the service last wrote there. Each edited row is
read column by column on a working copy of the case, in the order a person would do things
(reopen, acknowledge, stage, owner, themes, outcome, then close), so "outcome upheld, status
closed" in one go works. This module only reads the cells (names or codes, UK or ISO dates):
what each change appends, and when it is refused, is decided by the same casework functions
the staff pages call (``forms_app.casework.transitions``), so an edit made here and the same
edit made in the staff pages give the same events or the same refusal. Every event row is
then checked against the events schema.

A stage moved on in the same row as a new owner is one change: the new stage with its owner,
as the staff pages' escalation makes it (so a procedure wanting a different person at the new
stage is satisfied). A value that breaks a rule produces a ``Problem`` and no event: the cell
gets a note, the Problems tab a row, and the case stays as it was.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import date, datetime

from forms_app.casework import transitions
from forms_app.casework.state import Case
from forms_app.casework.transitions import Actor, Refused
from forms_app.procedures.profiles import Procedure
from forms_app.storage.contract import Contract

from .layout import STATUSES

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


@dataclass
class Rules:
    """What the casework changes of this step need: the schema every event row is checked
    against, each case's procedure, the themes and the people who may own a case, the dates,
    and who the events are from."""

    contract: Contract
    procedure_for: object  # callable(code) -> Procedure
    themes: dict[str, str]  # code -> name
    owners: set[str]  # usernames of the accounts that may own a case (active officers, managers)
    today: date
    now: datetime
    actor: str = "sheet"

    def acting(self) -> Actor:
        """Who the events are from, when, and the day the rules about dates use."""
        return Actor(self.actor, self.today, self.now)


def interpret(case: Case, edits: dict[str, str], rules: Rules) -> tuple[list[dict], list[Problem]]:
    """Events for the valid edits of one row, and problems for the others."""
    work = copy.deepcopy(case)
    events: list[dict] = []
    problems: list[Problem] = []
    order = list(ORDER)
    if _code(edits.get("status", "")) == "open" and not case.is_open:
        order.remove("status")
        order.insert(0, "status")  # reopen first, then the rest applies to an open case
    taken: set[str] = set()  # columns already read as part of another column's change
    for column in order:
        if column not in edits or column in taken:
            continue
        columns = [column]
        try:
            if column == "stage":
                owner = _new_owner(work, edits)
                try:
                    made = _stage(work, edits[column].strip(), rules, owner)
                except Refused as why:
                    if owner is not None and why.about == "owner":
                        columns.append("owner")  # refused because of the owner given with it
                    raise
                if any(row["type"] == "assigned" for row in made):
                    columns.append("owner")
            else:
                made = CELL_READERS[column](work, edits[column].strip(), rules)
        except Refused as why:
            problems += [Problem(case.ref, c, edits[c], why.reason) for c in columns]
            taken.update(columns)
            continue
        taken.update(columns)
        bad = [p for row in made for p in rules.contract.check("events", row)]
        if bad:
            detail = ", ".join(f"{p.field} ({p.code})" for p in bad)
            problems += [
                Problem(case.ref, c, edits[c], f"Not a value the data allows: {detail}")
                for c in columns
            ]
            continue
        for row in made:
            work.apply(row)
        events += made
    return events, problems


def _code(text: str) -> str:
    return "_".join(text.strip().lower().replace("-", " ").split())


def _procedure(case: Case, rules: Rules) -> Procedure:
    return rules.procedure_for(case.procedure)


def _username(text: str) -> str:
    return text.strip().lower()


def _new_owner(case: Case, edits: dict[str, str]) -> str | None:
    """The owner typed in the row, when it changes the case's owner; None otherwise."""
    if "owner" not in edits:
        return None
    wanted = _username(edits["owner"])
    return None if wanted == case.owner else wanted


# -- one reader per column: the cell's text into a casework change ----------------------------


def _stage(case: Case, value: str, rules: Rules, owner: str | None) -> list[dict]:
    procedure = _procedure(case, rules)
    names = {_code(s.name): s.code for s in procedure.stages}
    wanted = _code(value)
    return transitions.enter_stage(
        case,
        rules.acting(),
        names.get(wanted, wanted),
        procedure=procedure,
        owners=rules.owners,
        owner=owner,
        on=rules.today,
        note=SHEET_NOTE,
    )


def _status(case: Case, value: str, rules: Rules) -> list[dict]:
    wanted = _code(value)
    if wanted not in STATUSES:
        raise Refused(f"Unknown status {value!r}: use {', '.join(STATUSES)}", "status")
    return transitions.set_status(case, rules.acting(), wanted, SHEET_NOTE)


def _owner(case: Case, value: str, rules: Rules) -> list[dict]:
    wanted = _username(value)
    if wanted == case.owner:
        return []
    return transitions.assign(
        case,
        rules.acting(),
        wanted,
        owners=rules.owners,
        procedure=_procedure(case, rules),
        note=SHEET_NOTE,
    )


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
        raise Refused(
            f"Unknown theme {', '.join(map(repr, unknown))}: use codes from "
            + ", ".join(rules.themes),
            "themes",
        )
    return transitions.set_themes(case, rules.acting(), wanted, known=rules.themes)


def _outcome(case: Case, value: str, rules: Rules) -> list[dict]:
    wanted = _code(value)
    current = case.current
    if wanted == (current.outcome if current is not None else ""):
        return []
    return transitions.record_outcome(
        case, rules.acting(), wanted, findings=SHEET_NOTE, on=rules.today
    )


def parse_date(text: str) -> date:
    """YYYY-MM-DD, or DD/MM/YYYY as people in the UK write it; Refused otherwise."""
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
    raise Refused(f"{text!r} is not a date: write it as YYYY-MM-DD, for example 2026-03-27", "on")


def _acknowledged(case: Case, value: str, rules: Rules) -> list[dict]:
    current = case.current
    have = current.acknowledged if current is not None else None
    if not value:
        if have is None:
            return []
        raise Refused("An acknowledgement cannot be removed in the sheet")
    on = parse_date(value)
    if on == have:
        return []
    return transitions.acknowledge(case, rules.acting(), on)


#: The reader of each editable column but the stage (which may take the owner with it).
CELL_READERS = {
    "status": _status,
    "owner": _owner,
    "themes": _themes,
    "outcome": _outcome,
    "acknowledged": _acknowledged,
}
