"""A case in brief: what the case list, the inbox and the home page's figures need of one case
(who may see it, what the list filters and sorts on, what is due next and by when, the
complaint stages it answered and how many of its requests to investigators wait for an
answer), without its events.

The case index makes a brief from a folded case (``CaseIndex.brief``), and saves the briefs
beside the saved cases (``index_snapshot``), so a process that has just started can list and
count 100,000 cases without folding each and working out its deadline. A saved brief holds no
status that depends on the day: "overdue" or "due soon" is worked out from its due date when a
page is drawn (``CaseIndex.due_status``), so a brief saved yesterday is still right today. A
case whose due date itself moves with the day (its clock is paused: the response date moves on
while the pause lasts) has no saved brief; it is folded when a list needs it.

A saved brief is used only while the rules that made its dates are the same: ``rules_digest``
covers the procedure profiles, the working-day and deadline code, the bank holiday rules'
version, the default procedure and the organisation's closure days. Anything else that makes a
saved case stale (a changed table, schema or code) already makes the whole saved index ignored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date
from operator import itemgetter
from pathlib import Path

import holidays

from forms_app.procedures import profiles, working_days

from .requests import outstanding
from .state import Case

#: The modules of this package whose code decides a brief's dates and fields.
_CASEWORK_MODULES = ("briefs", "deadlines", "index", "state", "request_state", "requests")


#: A brief's fields, in the order it holds them (and saves them).
FIELDS = (
    "ref",
    "received_at",  # when received, as seconds since 1970 (sorts as the time does)
    "kind",
    "service",
    "stage",
    "owner",
    "flags",  # the names of the flags set, sorted
    "status",  # the case's: open, closed, withdrawn, merged
    "procedure",
    "next_what",  # "acknowledge", "respond" or "" (nothing due)
    "due_day",  # by when, as a day number (``date.toordinal``), 0 for none
    "paused",  # the clock of what is due next is paused
    "answered",  # (day number answered, on time) per complaint stage with a target
    "waiting",  # requests to investigators still waiting for an answer
    "version",  # the case's version it was made from
)


class Brief(tuple):
    """One case in brief: a tuple of plain values (``FIELDS``), so briefs are saved as they are
    and loaded with no work per brief. Its attributes are named as the case's own (``ref``,
    ``owner``, ``flags``, ``service``, ``is_open``...), so the access rules (``access.can_see``)
    and the list's filters read a brief exactly as they read a case."""

    __slots__ = ()

    @classmethod
    def of(
        cls,
        case: Case,
        next_what: str,
        next_due: date | None,
        paused: bool,
        answered: tuple[tuple[date, bool], ...],
    ) -> Brief:
        return cls(
            (
                case.ref,
                case.received.timestamp(),
                case.kind,
                case.service,
                case.stage,
                case.owner,
                tuple(sorted(case.flags)),
                case.status,
                case.procedure,
                next_what,
                next_due.toordinal() if next_due else 0,
                paused,
                tuple((day.toordinal(), on_time) for day, on_time in answered),
                len(outstanding(case)),
                case.version,
            )
        )

    @property
    def next_due(self) -> date | None:
        day = self[10]
        return date.fromordinal(day) if day else None

    @property
    def is_open(self) -> bool:
        return self[7] == "open"

    @property
    def in_inbox(self) -> bool:
        """New and not yet triaged: open, with nobody owning it (as ``Case.in_inbox``)."""
        return self[7] == "open" and not self[5]

    @property
    def keeps(self) -> bool:
        """May this brief be saved? Not while what is due next moves with the day."""
        return not self[11]


for _place, _name in enumerate(FIELDS):
    setattr(Brief, _name, property(itemgetter(_place), doc=f"the case's {_name}"))


def pack(brief: Brief) -> tuple:
    """The brief as a plain tuple, which ``marshal`` can save (and ``Brief(values)`` makes
    the brief again)."""
    return tuple(brief)


def share(packed: list[tuple | None]) -> list[tuple | None]:
    """The packed briefs again, each distinct string among them one object: ``marshal`` writes
    an object it has written before as a reference to it, so the saved briefs are smaller and
    quicker to load."""
    strings: dict[str, str] = {}

    def one(value):
        kind = type(value)
        if kind is str:
            return strings.setdefault(value, value)
        if kind is tuple:
            return tuple([one(part) for part in value])
        return value

    return [one(values) for values in packed]


def rules_digest(default_procedure: str, closure_days: Iterable[date]) -> str:
    """SHA-256 of everything, beyond a case's own events, that its brief's dates follow."""
    digest = hashlib.sha256()

    def part(label: str, data: bytes) -> None:
        digest.update(label.encode() + b"\0" + len(data).to_bytes(8, "big") + data)

    procedures = Path(profiles.PROCEDURES_DIR)
    for path in sorted(procedures.glob("*.yaml")):
        part(f"procedure {path.name}", path.read_bytes())
    for module in (profiles, working_days):
        part(f"code {module.__name__}", Path(module.__file__).read_bytes())
    here = Path(__file__).resolve().parent
    for name in _CASEWORK_MODULES:
        part(f"code casework.{name}", (here / f"{name}.py").read_bytes())
    part("holidays", str(getattr(holidays, "__version__", "")).encode())
    part("default procedure", default_procedure.encode())
    part("closure days", " ".join(sorted(day.isoformat() for day in closure_days)).encode())
    return digest.hexdigest()
