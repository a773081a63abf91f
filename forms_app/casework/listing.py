"""The case list: one row per case with its next due date and status; filters and sorting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .deadlines import DUE_SOON, OVERDUE
from .index import CaseIndex
from .state import Case

SORTS = ("due", "received", "ref", "owner", "stage", "service")
STATUSES = ("on_time", "due_soon", "overdue", "paused")


@dataclass(frozen=True)
class CaseRow:
    """What the case list shows for one case."""

    case: Case
    next_what: str
    next_due: date | None
    status: str

    @property
    def ref(self) -> str:
        return self.case.ref


@dataclass(frozen=True)
class Filters:
    service: str = ""
    stage: str = ""
    owner: str = ""
    status: str = ""
    kind: str = ""
    sort: str = "due"

    @classmethod
    def from_args(cls, args) -> Filters:
        sort = args.get("sort", "due")
        status = args.get("status", "")
        return cls(
            service=args.get("service", "")[:40],
            stage=args.get("stage", "")[:40],
            owner=args.get("owner", "")[:100],
            status=status if status in STATUSES else "",
            kind=args.get("kind", "")[:20],
            sort=sort if sort in SORTS else "due",
        )


def case_rows(index: CaseIndex, cases, today: date, filters: Filters = Filters()) -> list[CaseRow]:
    """Rows for ``cases`` that pass ``filters``, sorted. Cheap filters run before deadlines."""
    rows = []
    for case in cases:
        if filters.service and case.service != filters.service:
            continue
        if filters.stage and case.stage != filters.stage:
            continue
        if filters.owner and case.owner != filters.owner:
            continue
        if filters.kind and case.kind != filters.kind:
            continue
        _due, what, when, status = index.deadline(case, today)
        if filters.status and status != filters.status:
            continue
        rows.append(CaseRow(case, what, when, status))
    key = {
        "due": lambda r: (r.next_due or date.max, r.case.received),
        "received": lambda r: r.case.received,
        "ref": lambda r: r.case.ref,
        "owner": lambda r: (r.case.owner or "~", r.next_due or date.max),
        "stage": lambda r: (r.case.stage, r.next_due or date.max),
        "service": lambda r: (r.case.service, r.next_due or date.max),
    }[filters.sort]
    rows.sort(key=key)
    return rows


def needs_attention(rows: list[CaseRow]) -> list[CaseRow]:
    """Overdue and nearly due rows (the manager's weekly view, ``feedback due``)."""
    return [r for r in rows if r.status in (OVERDUE, DUE_SOON)]
