"""Writing a checked import: all of it or none of it, under the store's lock.

What is already stored decides what is new: a case whose reference is stored with the imported
idempotency key is already imported (its events are added only if new); a reference stored for a
case that was not imported is a conflict, and nothing is written.

The store writes it as one batch (``Store.commit_batch``): personal details, then submissions
(the commit point, as in ``Store.commit_submission``), then events, each one write and fsync; a
failure cuts back what this import wrote. If the process is killed between the submissions and
the events, running the same import again adds the missing events: event ids are derived from
their content.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

from forms_app.storage import EVENTS, PERSONAL, SUBMISSIONS, Store, StoreWriteError

from .mapping import ImportMapping
from .planning import Plan, PlannedCase, Problem

log = logging.getLogger(__name__)


class ImportRefused(Exception):
    """Nothing was written because of these problems."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass
class Existing:
    """What the store holds that an import must not repeat."""

    keys: dict[str, str] = field(default_factory=dict)  # ref -> idempotency key
    event_ids: set[str] = field(default_factory=set)

    @classmethod
    def read(cls, store: Store) -> Existing:
        keys = dict(store.scan(SUBMISSIONS, ("ref", "idempotency_key")))
        event_ids = {event_id for (event_id,) in store.scan(EVENTS, ("event_id",))}
        return cls(keys, event_ids)


@dataclass
class Changes:
    """What an import would add to the store."""

    new_cases: list[PlannedCase] = field(default_factory=list)
    new_events: list[dict[str, str]] = field(default_factory=list)
    already_imported: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def personal_rows(self) -> list[dict[str, str]]:
        return [case.personal for case in self.new_cases if case.personal is not None]

    def by_year_and_kind(self) -> Counter:
        """New cases counted by (year received, kind)."""
        return Counter((case.received.year, case.submission["kind"]) for case in self.new_cases)

    def events_by_type(self) -> Counter:
        return Counter(event["type"] for event in self.new_events)


def compare(plan: Plan, mapping: ImportMapping, existing: Existing) -> Changes:
    """Split the plan into what is new and what is there already."""
    changes = Changes()
    for case in plan.cases:
        stored_key = existing.keys.get(case.ref)
        if stored_key is None:
            changes.new_cases.append(case)
        elif stored_key == case.submission["idempotency_key"]:
            changes.already_imported += 1
        else:
            changes.problems.append(
                Problem(
                    case.row,
                    mapping.reference.where,
                    f"{case.ref} is already the reference of a case that was not imported: "
                    "expected a reference not in use (give the mapping's reference a prefix)",
                )
            )
            continue
        changes.new_events.extend(e for e in case.events if e["event_id"] not in existing.event_ids)
    return changes


def commit(store: Store, plan: Plan, mapping: ImportMapping) -> Changes:
    """Write everything new in ``plan`` or nothing; return what was written.

    Raises ImportRefused (nothing written) if the plan has problems or conflicts with the
    store, and StoreWriteError (nothing written) if the disk refused.
    """
    if plan.problems:
        raise ImportRefused(plan.problems)
    found: list[Changes] = []

    def decide() -> dict[str, list[dict[str, str]]]:
        # Read under the lock: another import or a new submission may have landed since the
        # dry run, and this is the state the writes will follow.
        changes = compare(plan, mapping, Existing.read(store))
        if changes.problems:
            raise ImportRefused(changes.problems)
        found.append(changes)
        return {
            PERSONAL: changes.personal_rows,
            SUBMISSIONS: [case.submission for case in changes.new_cases],
            EVENTS: changes.new_events,
        }

    try:
        store.commit_batch(decide)
    except StoreWriteError as exc:
        log.error("import: nothing stored: %s", exc)
        raise StoreWriteError("the import could not be stored; nothing was written") from exc
    return found[0]
