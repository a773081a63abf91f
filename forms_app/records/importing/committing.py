"""Writing a checked import: all of it or none of it, under the store's lock.

What is already stored decides what is new: a case whose reference is stored with the imported
idempotency key is already imported (its events are added only if new); a reference stored for a
case that was not imported is a conflict, and nothing is written.

Order of writes, each one ``os.write`` and fsync: personal details, then submissions (the commit
point, as in ``Store.commit_submission``), then events. A failure truncates what this import
wrote. If the process is killed between the submissions and the events, running the same import
again adds the missing events: event ids are derived from their content.

# STORE-API: until ``Store`` offers a batch commit of given references (see the lead's note),
# this module uses the store's public pieces: ``Store.lock()``, ``Store.tables`` and ``Table``'s
# ``read_new`` / ``encode`` / ``write`` / ``truncate``, which its docstrings say callers holding
# the lock may use.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

from forms_app.storage import EVENTS, PERSONAL, SUBMISSIONS, Store, StoreWriteError
from forms_app.storage.table import StorageError, Table

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
        keys = {row["ref"]: row["idempotency_key"] for row in store.rows(SUBMISSIONS)}
        event_ids = {row["event_id"] for row in store.rows(EVENTS)}
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
    tables = store.tables
    try:
        with store.lock():
            # Read under the lock: another import or a new submission may have landed since the
            # dry run, and this is the state the writes will follow.
            changes = compare(plan, mapping, Existing.read(store))
            if changes.problems:
                raise ImportRefused(changes.problems)
            submissions = [case.submission for case in changes.new_cases]
            # Encode everything before writing anything: a row that does not fit fails here.
            data = [
                (tables[PERSONAL], tables[PERSONAL].encode(changes.personal_rows)),
                (tables[SUBMISSIONS], tables[SUBMISSIONS].encode(submissions)),
                (tables[EVENTS], tables[EVENTS].encode(changes.new_events)),
            ]
            _drop_uncommitted_personal(tables[PERSONAL], tables[SUBMISSIONS])
            _write_all(data)
    except (OSError, StorageError) as exc:
        if isinstance(exc, StoreWriteError):
            raise
        log.error("import: nothing stored: %s", exc)
        raise StoreWriteError("the import could not be stored; nothing was written") from exc
    return changes


def _write_all(data: list[tuple[Table, bytes]]) -> None:
    """Append each table's bytes; on any failure cut every table back to where it was."""
    written: list[tuple[Table, int]] = []
    try:
        for table, payload in data:
            if payload:
                written.append((table, table.write(payload)))
    except BaseException:
        for table, start in reversed(written):
            table.truncate(start)
        raise


def _drop_uncommitted_personal(personal: Table, submissions: Table) -> None:
    """Cut personal rows left at the end by a submission commit that died half-way.

    # STORE-API: the same as ``Store._drop_uncommitted``, which ``commit_submission`` runs before
    # writing. Without it, this import's submissions would strand such rows in the middle of the
    # file, where they break the package's foreign key. Remove when Store has a batch commit.
    """
    refs = {located.row["ref"] for located in submissions.read_new(None)[0]}
    rows = personal.read_new(None)[0]
    last_committed = max(
        (index for index, located in enumerate(rows) if located.row["ref"] in refs), default=-1
    )
    trailing = rows[last_committed + 1 :]
    if trailing:
        personal.truncate(trailing[0].start)
        log.warning("import: removed %d uncommitted personal rows", len(trailing))
