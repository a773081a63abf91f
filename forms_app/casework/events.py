"""Making event rows and appending them: every change to a case goes through ``record``.

Each row is checked against the events schema (``Contract.check``) before anything is written,
and a batch is appended in one durable write, so an action that is several facts (an outcome
with its cause and remedy) lands whole or not at all. Then the messages the change sends to the
person are queued (``messaging``).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from forms_app.storage.contract import Contract, FieldProblem
from forms_app.storage.store import Store

COLUMNS = ("event_id", "ref", "at", "actor", "type", "stage", "kind", "outcome", "value", "note")


class InvalidEvent(ValueError):
    """An event row broke a rule of the events schema; nothing was written."""

    def __init__(self, problems: list[FieldProblem]):
        super().__init__("; ".join(f"{p.field}: {p.code}" for p in problems))
        self.problems = problems


def event(ref: str, actor: str, type_: str, *, at: datetime | None = None, **values: str) -> dict:
    """One event row: the given values, everything else empty, the time now (UTC)."""
    unknown = set(values) - set(COLUMNS)
    if unknown:
        raise TypeError(f"unknown event fields {sorted(unknown)}")
    row = {name: "" for name in COLUMNS}
    row.update(values)
    row.update(
        event_id=secrets.token_urlsafe(12),
        ref=ref,
        at=(at or datetime.now(UTC)).isoformat(timespec="seconds"),
        actor=actor,
        type=type_,
    )
    return row


def record(store: Store, contract: Contract, rows: list[dict]) -> list[dict]:
    """Check every row against the schema, then append them all in one write."""
    problems = [p for row in rows for p in contract.check("events", row)]
    if problems:
        raise InvalidEvent(problems)
    store.append_events(rows)
    # The one place every stored change passes: the person hears of those they are told about
    # (queued durably here, before the member of staff sees the change done).
    from .messaging import after_recorded  # messaging uses the transitions, which use this

    after_recorded(store, rows)
    return rows
