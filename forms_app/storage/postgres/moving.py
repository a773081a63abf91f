"""Moving the case tables between engines, and writing them out as a data package.

Both work through the stores' own methods (``rows`` to read, ``commit_batch`` to write), so they
work between any two engines, in either direction, and the rows arrive in the order they were
written: a data directory moved into PostgreSQL and back holds the same rows, and so the same
bytes (each row's checksum is made from its cells).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ..contract import Contract
from ..package_check import PackageReport, validate_package
from ..store import Store


class TargetNotEmpty(ValueError):
    """The store rows were to be copied into already holds rows: nothing was copied."""


def table_names(store) -> list[str]:
    """The case tables a store has, whichever engine it is."""
    return list(getattr(store, "shapes", None) or store.tables)


def copy_rows(source, target) -> dict[str, int]:
    """Copy every row of every case table of ``source`` into the empty ``target``, in one
    commit (all or nothing), then check that ``target`` reads back exactly the same rows.
    Returns the rows copied per table."""
    names = [name for name in table_names(target) if name in table_names(source)]
    full = [name for name in names if next(iter(target.rows(name)), None) is not None]
    if full:
        raise TargetNotEmpty(f"the target already holds rows in {', '.join(full)}")
    rows = {name: list(source.rows(name)) for name in names}
    counts = target.commit_batch(lambda: rows)
    different = [name for name in names if list(target.rows(name)) != rows[name]]
    if different:
        raise RuntimeError(f"the copy does not read back the same in {', '.join(different)}")
    return counts


def export_package(
    source, target_dir: Path, contract: Contract | None = None
) -> tuple[dict[str, int], PackageReport]:
    """Write every case table of ``source`` into ``target_dir`` (new or empty) as a data
    package (the descriptor with its schemas, one checksummed CSV per table), then validate
    it with frictionless. Returns the rows written per table and the validation report."""
    contract = contract or Contract()
    target_dir = Path(target_dir)
    if target_dir.exists() and any(target_dir.iterdir()):
        raise TargetNotEmpty(f"{target_dir} is not empty")
    target_dir.mkdir(parents=True, exist_ok=True)
    tables: Mapping[str, list[str]] = {
        name: contract.columns(name) for name in contract.resource_names
    }
    package = Store(target_dir, tables)
    package.recover()
    counts = copy_rows(source, package)
    contract.write_descriptor(target_dir)
    return counts, validate_package(target_dir)
