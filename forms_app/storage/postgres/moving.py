"""Moving the case tables between engines, and writing them out as a data package.

Both work through the stores' own methods (``rows`` to read, ``commit_batch`` to write), so they
work between any two engines, in either direction, and the rows arrive in the order they were
written: a data directory moved into PostgreSQL and back holds the same rows, and so the same
bytes (each row's checksum is made from its cells). ``feedback migrate-store`` also copies the
bytes of the cases' evidence files (``copy_files``), before the rows that name them, and runs
all of it inside one larger move that is all or nothing (the command makes it so).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ..contract import Contract
from ..evidence import EVIDENCE
from ..package_check import PackageReport, validate_package
from ..store import Store


class TargetNotEmpty(ValueError):
    """The store rows were to be copied into already holds rows: nothing was copied."""


def table_names(store) -> list[str]:
    """The case tables a store has, whichever engine it is."""
    return list(getattr(store, "shapes", None) or store.tables)


def copy_rows(source, target, *, files: bool = False) -> dict[str, int]:
    """Copy every row of every case table of ``source`` into the empty ``target``, in one
    commit (all or nothing), then check that ``target`` reads back exactly the same rows.
    With ``files``, the bytes of the evidence files are copied first (``copy_files``), so no
    row arrives before its bytes. Returns the rows copied per table (and with ``files``,
    ``evidence_files``: how many files were copied)."""
    names = check_empty(source, target)
    copied = copy_files(source, target) if files and EVIDENCE in names else None
    rows = {name: list(source.rows(name)) for name in names}
    counts = target.commit_batch(lambda: rows)
    different = [name for name in names if list(target.rows(name)) != rows[name]]
    if different:
        raise RuntimeError(f"the copy does not read back the same in {', '.join(different)}")
    if copied is not None:
        counts = {**counts, "evidence_files": copied}
    return counts


def check_empty(source, target) -> list[str]:
    """The case tables both stores have; raises ``TargetNotEmpty`` if ``target`` holds rows
    in any of them."""
    names = [name for name in table_names(target) if name in table_names(source)]
    full = [name for name in names if next(iter(target.rows(name)), None) is not None]
    if full:
        raise TargetNotEmpty(f"the target already holds rows in {', '.join(full)}")
    return names


def copy_files(source, target) -> int:
    """Copy the bytes of every evidence file of ``source`` into ``target`` (the data
    directory's ``evidence/`` folder or the database, whichever each engine keeps them in),
    each read and checked against its checksum first. Raises ``EvidenceDamaged`` for a file
    that is missing or damaged, before its row is copied. Returns how many were copied."""
    latest: dict[tuple[str, str], dict[str, str]] = {}
    for row in source.rows(EVIDENCE):
        latest[(row["ref"], row["id"])] = row
    for (ref, file_id), row in latest.items():
        target.evidence.keep(ref, file_id, source.evidence.read(row))
    return len(latest)


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
