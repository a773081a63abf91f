"""Learning actions across cases (what the organisation will change because of a complaint):
the actions list, overdue ones first."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from .state import Case, LearningAction


@dataclass(frozen=True)
class ActionRow:
    case: Case
    action: LearningAction
    overdue: bool


def action_rows(cases: list[Case], today: date, *, include_completed: bool = False):
    """Every learning action on these cases: overdue first, then by target date."""
    rows = []
    for case in cases:
        for action in case.actions.values():
            if action.completed and not include_completed:
                continue
            overdue = not action.completed and action.target is not None and action.target < today
            rows.append(ActionRow(case, action, overdue))
    rows.sort(key=lambda r: (not r.overdue, r.action.target or date.max, r.case.ref))
    return rows


def new_action_id() -> str:
    """A short identifier for a new learning action, unique within its case."""
    return "A-" + secrets.token_hex(3).upper()
