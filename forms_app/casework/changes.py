"""What every change to a case shares: who makes it (``Actor``), the refusal with its reason
(``Refused``), the stage an event carries, and the rules that a case whose processing is
restricted (UK GDPR Article 18), or that was merged into another, is not changed.
``transitions``, ``annotations`` and ``linking`` use these (and ``transitions`` offers them to
its callers under its own name)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from .events import event
from .flags import is_restricted
from .state import Case


class Refused(Exception):
    """A change the rules do not allow. ``reason`` says why, for staff; ``about`` names the
    argument of the change function the reason is about (``"owner"``, ``"on"``...), or is
    empty when it is about the change as a whole."""

    def __init__(self, reason: str, about: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.about = about


@dataclass(frozen=True)
class Actor:
    """Who makes a change and when: ``name`` goes in every event's actor column, ``at`` is the
    event time (None: now), and ``today`` is the date the rules about dates use."""

    name: str
    today: date
    at: datetime | None = None

    def event(self, case: Case, type_: str, **values: str) -> dict:
        return event(case.ref, self.name, type_, at=self.at, **values)


def stage_code(case: Case) -> str:
    """The stage an event about the current stage carries: the complaint's stage, else empty
    (other feedback has a single step)."""
    return case.stage if case.kind == "complaint" else ""


#: The actor of the changes the person makes themselves (a reply, asking for the next stage).
PERSON = "person"


def refuse_while_restricted(case: Case, actor: Actor, doing: str) -> None:
    """Refuse ``doing`` (for example "closing it") while the case's processing is restricted,
    unless the person themselves asks from the tracking page. A case merged into another is
    refused the same way: its work goes on in the case it was merged into."""
    if case.status == "merged" and actor.name != PERSON:
        raise Refused(
            f"This case was merged into {case.merged_into}, so {doing} is not allowed here. "
            "Make the change on that case"
        )
    if is_restricted(case) and actor.name != PERSON:
        raise Refused(
            f"Processing of this case is restricted (UK GDPR Article 18), so {doing} is not "
            "allowed. Only notes can be added until the restriction is lifted"
        )
