"""The case list: one row per case with its next due date and status; filters and sorting.

Rows are made from cases in brief (``briefs``), so a list of many cases folds only the cases
whose rows are drawn (``CaseRow.case``); a case passed in whole is kept as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from forms_app.storage.gc_pause import paused_collection

from .briefs import Brief
from .deadlines import DUE_SOON, OVERDUE
from .index import CaseIndex
from .state import Case

SORTS = ("due", "received", "ref", "owner", "stage", "service")
STATUSES = ("on_time", "due_soon", "overdue", "paused")


class CaseRow:
    """What the case list shows for one case: its brief, what is due next, by when, and the
    status that gives today; the case itself is looked up when first asked for."""

    __slots__ = ("brief", "status", "_index", "_case")

    def __init__(self, brief: Brief, status: str, index: CaseIndex, case: Case | None = None):
        self.brief = brief
        self.status = status
        self._index = index
        self._case = case

    @property
    def ref(self) -> str:
        return self.brief.ref

    @property
    def next_what(self) -> str:
        return self.brief.next_what

    @property
    def next_due(self) -> date | None:
        return self.brief.next_due

    @property
    def case(self) -> Case:
        if self._case is None:
            self._case = self._index.peek(self.brief.ref)
        return self._case


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
    """Rows for ``cases`` (cases or cases in brief) that pass ``filters``, sorted. Cheap
    filters run before deadlines."""
    with paused_collection():  # up to one row per case, and no cycle among them
        return _case_rows(index, cases, today, filters)


def _case_rows(index: CaseIndex, cases, today: date, filters: Filters) -> list[CaseRow]:
    rows = []
    append = rows.append
    brief_of, status_of = index.brief, index.due_status
    filtered = filters.service or filters.stage or filters.owner or filters.kind
    for item in cases:
        if filtered and not (
            (not filters.service or item.service == filters.service)
            and (not filters.stage or item.stage == filters.stage)
            and (not filters.owner or item.owner == filters.owner)
            and (not filters.kind or item.kind == filters.kind)
        ):
            continue
        if type(item) is Brief:
            brief, case = item, None
        else:
            brief, case = brief_of(item, today), item
        status = status_of(brief, today)
        if filters.status and status != filters.status:
            continue
        append(CaseRow(brief, status, index, case))
    last = date.max.toordinal()
    key = {
        "due": lambda r: (r.brief.due_day or last, r.brief.received_at),
        "received": lambda r: r.brief.received_at,
        "ref": lambda r: r.brief.ref,
        "owner": lambda r: (r.brief.owner or "~", r.brief.due_day or last),
        "stage": lambda r: (r.brief.stage, r.brief.due_day or last),
        "service": lambda r: (r.brief.service, r.brief.due_day or last),
    }[filters.sort]
    rows.sort(key=key)
    return rows


def needs_attention(rows: list[CaseRow]) -> list[CaseRow]:
    """Overdue and nearly due rows (the manager's weekly view, ``feedback due``)."""
    return [r for r in rows if r.status in (OVERDUE, DUE_SOON)]
