"""The data contract: the table schemas in ``datapackage/``, and fast row checks built from them.

The schemas own every data rule (required, enum, pattern, length). Forms, imports and the sheet
sync all check rows here, so a rule is written once. Checking one row uses per-field cell readers
built once from the schema (tens of microseconds); full ``frictionless validate`` of the package
is for tests, ``feedback validate`` and publishing.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from frictionless import Schema

from .schema_version import check_schema_version

PACKAGE_DIR = Path(__file__).resolve().parents[2] / "datapackage"


@dataclass(frozen=True)
class FieldProblem:
    """One rule a value broke: ``code`` is the schema constraint (required, enum, maxLength,
    pattern, type...) and ``limit`` the constraint's value, for the person's message."""

    field: str
    code: str
    limit: object = None


class Contract:
    """The package descriptor with its schemas, and a row checker per resource."""

    def __init__(self, package_dir: Path = PACKAGE_DIR):
        self.package_dir = package_dir
        self.descriptor = json.loads((package_dir / "datapackage.json").read_text("utf-8"))
        for resource in self.descriptor["resources"]:
            if isinstance(resource["schema"], str):
                schema_path = package_dir / resource["schema"]
                resource["schema"] = json.loads(schema_path.read_text("utf-8"))

    @property
    def resource_names(self) -> list[str]:
        return [resource["name"] for resource in self.descriptor["resources"]]

    def resource(self, name: str) -> dict:
        for resource in self.descriptor["resources"]:
            if resource["name"] == name:
                return resource
        raise KeyError(f"no resource called {name!r} in datapackage.json")

    def columns(self, name: str) -> list[str]:
        """Column names of a resource in order (the last is always ``crc``)."""
        return [field["name"] for field in self.resource(name)["schema"]["fields"]]

    @property
    def personal_fields(self) -> list[str]:
        """The personal details a person can give (the personal resource less its key and
        checksum): what exports, case pages and erasure treat as personal."""
        return [name for name in self.columns("personal") if name not in ("ref", "crc")]

    def field(self, resource: str, name: str) -> dict:
        for field in self.resource(resource)["schema"]["fields"]:
            if field["name"] == name:
                return field
        raise KeyError(f"{resource} has no field {name!r}")

    def enum(self, resource: str, name: str) -> list[str]:
        return list(self.field(resource, name).get("constraints", {}).get("enum", []))

    @cached_property
    def _readers(self) -> dict[str, dict]:
        readers = {}
        for resource in self.descriptor["resources"]:
            schema = Schema.from_descriptor(resource["schema"])
            readers[resource["name"]] = {f.name: f.create_cell_reader() for f in schema.fields}
        return readers

    def check(
        self, resource: str, row: Mapping[str, str], *, partial: bool = False
    ) -> list[FieldProblem]:
        """Check one row of strings against the resource's schema.

        With ``partial`` only the fields present in ``row`` are checked (a question page checks
        its own answers before the whole row exists). ``unique`` is not checked here: the store
        owns uniqueness under its lock.
        """
        readers = self._readers[resource]
        problems = []
        for name, reader in readers.items():
            if partial and name not in row:
                continue
            if name == "crc":
                continue
            _value, notes = reader(row.get(name, ""))
            for code in notes or {}:
                if code == "unique":
                    continue
                limit = self.field(resource, name).get("constraints", {}).get(code)
                problems.append(FieldProblem(name, code, limit))
        unknown = set(row) - set(readers)
        problems.extend(FieldProblem(name, "unknown_field") for name in sorted(unknown))
        return problems

    @property
    def version(self) -> str:
        """The schema version of this code's tables (the descriptor's ``version``)."""
        return self.descriptor["version"]

    def write_descriptor(self, data_dir: Path, *, migrated: bool = False) -> Path:
        """Write the self-contained descriptor (schemas inlined) into the data directory, so
        the data directory on its own is a valid data package. Only rewritten when it changed.

        The descriptor records the data's schema version, so it is never written over one of
        another version (``SchemaVersionError`` says to migrate, or that the data is newer),
        except by ``feedback migrate`` once the tables are upgraded (``migrated``)."""
        if not migrated:
            check_schema_version(data_dir, self.version)
        target = data_dir / "datapackage.json"
        text = json.dumps(self.descriptor, indent=2, ensure_ascii=False) + "\n"
        if target.exists() and target.read_text("utf-8") == text:
            return target
        # A temporary file of this writer's own: gunicorn's workers start together and each
        # writes the descriptor; with one shared temporary name, one worker's rename took the
        # file from under another's, whose failed start then stopped gunicorn.
        handle, name = tempfile.mkstemp(dir=data_dir, prefix=".datapackage-", suffix=".tmp")
        temporary = Path(name)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
            temporary.replace(target)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        return target
