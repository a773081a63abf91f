"""Running the upgrade: backed up, staged, validated, swapped in, version recorded.

``migrate`` does, for a data directory whose schema version is older than the code's:

1. takes the store lock, and keeps it to the end, so no row is appended meanwhile;
2. takes a backup the way ``feedback backup`` does (under that lock, fsynced, with a manifest);
3. stages every table through its pending steps (``storage.upgrading``: a new file beside the
   old one, fsynced, checksummed like any row the store writes);
4. validates the staged package whole with frictionless, as ``feedback validate`` does: if
   anything is wrong, nothing live has changed and the problems are reported;
5. swaps the changed tables in (rename over the old file, directory fsynced), then records the
   new version in the data directory's descriptor.

At the code's version it does nothing (so running it twice changes nothing), and it refuses a
data directory written by a later release. A dry run stages and validates, and says what would
change, without the lock, the backup or the swap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from forms_app.storage import Store, StoreLock
from forms_app.storage.backup import take_backup
from forms_app.storage.contract import Contract
from forms_app.storage.package_check import validate_package
from forms_app.storage.schema_version import (
    NewerDataError,
    SchemaVersionError,
    data_version,
    version_key,
)
from forms_app.storage.store import COMMIT_ORDER, SUBMISSIONS
from forms_app.storage.upgrading import StagedTable, Staging, columns_on_disk

from .plan import MIGRATIONS, Migration, pending


class MigrationRefused(SchemaVersionError):
    """The upgraded tables would not be valid (or no steps lead to this code's layout):
    nothing live was changed. ``problems`` lists why, never a cell's value."""

    def __init__(self, message: str, problems: Sequence[str] = ()):
        super().__init__(message)
        self.problems = list(problems)


@dataclass
class MigrationReport:
    """What an upgrade did, or would do: versions, steps, per-table counts, the backup."""

    data_dir: Path
    found: str | None
    wanted: str
    dry_run: bool
    steps: list[Migration] = field(default_factory=list)
    tables: list[StagedTable] = field(default_factory=list)
    backup: Path | None = None

    @property
    def changed(self) -> bool:
        return self.found is not None and version_key(self.found) != version_key(self.wanted)

    @property
    def lines(self) -> list[str]:
        if self.found is None:
            return [f"{self.data_dir} holds no data yet: nothing to migrate"]
        if not self.changed:
            return [f"{self.data_dir} is at schema version {self.wanted}: nothing to do"]
        verb = "would migrate" if self.dry_run else "migrated"
        lines = [f"{verb} {self.data_dir} from schema version {self.found} to {self.wanted}"]
        lines += [f"  step {step.version} ({step.table}): {step.summary}" for step in self.steps]
        lines += [f"  {table.describe()}" for table in self.tables if table.differs]
        if self.backup is not None:
            lines.append(f"backup taken first: {self.backup}")
        lines.append(
            "dry run: the upgraded tables validate; nothing was changed"
            if self.dry_run
            else "the upgraded tables validate with frictionless"
        )
        return lines


def migrate(
    data_dir: Path,
    *,
    backup_to: Path | None,
    dry_run: bool = False,
    contract: Contract | None = None,
    migrations: Sequence[Migration] = MIGRATIONS,
) -> MigrationReport:
    """Upgrade ``data_dir`` to the code's schema version (see the module docstring).

    ``backup_to`` is where the backup directory is made (required unless ``dry_run``). Raises
    ``NewerDataError`` for data from a later release and ``MigrationRefused`` when the result
    would not be valid; in both cases nothing live has changed."""
    data_dir = Path(data_dir)
    contract = contract or Contract()
    report = MigrationReport(data_dir, data_version(data_dir), contract.version, dry_run)
    if report.found is None or not report.changed:
        return report
    if version_key(report.found) > version_key(report.wanted):
        raise NewerDataError(
            f"{data_dir} holds schema version {report.found}, written by a later release "
            f"than this one ({report.wanted}): run that release, or restore a backup"
        )
    if not dry_run and backup_to is None:
        raise ValueError("a backup destination is required to migrate")
    report.steps = pending(report.found, report.wanted, migrations)
    plans = _plans(data_dir, contract, report.steps)
    if dry_run:
        with Staging(data_dir, label="dry") as staging:
            report.tables = _stage_and_check(staging, contract, plans)
        return report
    with StoreLock(data_dir):
        Staging.remove_stale(data_dir)
        store = Store(data_dir, {name: plan.before for name, plan in plans.items()})
        report.backup = take_backup(store, Path(backup_to), lock_held=True)
        with Staging(data_dir) as staging:
            report.tables = _stage_and_check(staging, contract, plans)
            order = [name for name in COMMIT_ORDER if name in plans]
            staging.swap(order + [name for name in plans if name not in order])
            contract.write_descriptor(data_dir, migrated=True)
    return report


@dataclass(frozen=True)
class _Plan:
    """One table's way through the pending steps."""

    before: tuple[str, ...]
    after: tuple[str, ...]
    changes: tuple[Callable, ...]


def _plans(data_dir: Path, contract: Contract, steps: Sequence[Migration]) -> dict[str, _Plan]:
    """Each table's columns before and after, and its changes; refused before anything is
    written if the steps do not end in this code's columns."""
    plans = {}
    unknown = sorted({step.table for step in steps} - set(contract.resource_names))
    if unknown:
        raise MigrationRefused(f"steps name tables this release does not have: {unknown}")
    for name in contract.resource_names:
        wanted = tuple(contract.columns(name))
        before = columns_on_disk(data_dir, name) or wanted
        columns, changes = before, []
        for step in steps:
            if step.table == name:
                columns = tuple(step.columns(columns))
                changes.append(step.change)
        if columns != wanted:
            raise MigrationRefused(
                f"{name}: after the upgrade steps its columns would be {list(columns)}, but this "
                f"release's are {list(wanted)}: a step is missing; nothing was changed"
            )
        plans[name] = _Plan(before, wanted, tuple(changes))
    if SUBMISSIONS not in plans:
        raise MigrationRefused("this release's package has no submissions table")
    return plans


def _stage_and_check(
    staging: Staging, contract: Contract, plans: dict[str, _Plan]
) -> list[StagedTable]:
    staged = [
        staging.stage(name, plan.after, _chained(plan.changes)) for name, plan in plans.items()
    ]
    contract.write_descriptor(staging.path, migrated=True)
    checked = validate_package(staging.path)
    if not checked.valid:
        raise MigrationRefused(
            f"the upgraded tables would not be valid ({len(checked.errors)} problems): "
            "nothing was changed",
            checked.errors,
        )
    return staged


class _Again:
    """The rows ``change`` makes of ``rows``, made afresh each time they are read (a step may
    read its rows twice, and so may the step after it)."""

    def __init__(self, change: Callable, rows: Iterable[dict[str, str]]):
        self._change, self._rows = change, rows

    def __iter__(self) -> Iterator[dict[str, str]]:
        return iter(self._change(self._rows))


def _chained(changes: Sequence[Callable]) -> Callable:
    def change(rows: Iterable[dict[str, str]]) -> Iterable[dict[str, str]]:
        for step in changes:
            rows = _Again(step, rows)
        return rows

    return change
