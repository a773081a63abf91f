"""The store is the only way to the case tables: nothing outside ``forms_app/storage/`` names
their files, reaches into ``Store.tables`` or makes a ``Table`` of its own. Checked over the
source of every module (the file names as text, comments and docstrings included; the rest on
the syntax tree, so that the reports' own ``Table`` of figures is not mistaken for the
store's).
"""

from __future__ import annotations

import ast

from forms_app.organisation.settings import PROJECT_DIR
from forms_app.storage import Store, open_for_reading
from forms_app.storage.reading import table_path

PACKAGE = PROJECT_DIR / "forms_app"
STORAGE = PACKAGE / "storage"
FILE_NAMES = ("submissions.csv", "personal.csv", "events.csv")
#: What only the storage layer may import: the file engine's own pieces.
ENGINE = {"Table", "NewRecords", "Cursor", "Located", "Scan", "Batch", "RowsByRef"}
ENGINE_MODULES = {"table", "scanning", "tailing", "rewriting", "uncommitted"}


def problems_in(source: str) -> list[str]:
    """What in one module's source reaches the tables other than through the store."""
    found = [f"names {name}" for name in FILE_NAMES if name in source]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr == "tables" and _is_store(node.value):
            found.append(f"line {node.lineno}: reaches into the store's tables")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "forms_app.storage"
        ):
            module = (node.module or "").rsplit(".", 1)[-1]
            names = {alias.name for alias in node.names}
            if names & ENGINE:
                found.append(f"line {node.lineno}: imports {sorted(names & ENGINE)}")
            if module in ENGINE_MODULES and names - {"fsync_directory", "StorageError"}:
                found.append(f"line {node.lineno}: imports from storage.{module}")
            if module == "storage" and names & ENGINE_MODULES:
                found.append(f"line {node.lineno}: imports storage.{sorted(names)}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.rsplit(".", 1)[-1] in ENGINE_MODULES and "storage" in alias.name:
                    found.append(f"line {node.lineno}: imports {alias.name}")
    return found


def _is_store(node: ast.expr) -> bool:
    """``store``, ``self.store``, ``parts.store``, ``p.store``: anything called a store."""
    if isinstance(node, ast.Name):
        return "store" in node.id.lower()
    if isinstance(node, ast.Attribute):
        return "store" in node.attr.lower()
    return False


def test_nothing_outside_storage_reaches_the_table_files():
    modules = [p for p in PACKAGE.rglob("*.py") if STORAGE not in p.parents]
    assert len(modules) > 100, "the package was not found"
    found = {
        str(path.relative_to(PROJECT_DIR)): problems
        for path in modules
        if (problems := problems_in(path.read_text("utf-8")))
    }
    assert found == {}


def test_the_check_finds_each_way_round_the_store():
    """The check above can fail: each way round the store is found, and the reports' own
    tables of figures are not mistaken for the store's."""
    assert problems_in('path = data_dir / "events.csv"')
    assert problems_in("# reads personal.csv\nx = 1")
    assert problems_in('rows = store.tables["events"].read()')
    assert problems_in("table = self.store.tables.get(name)")
    assert problems_in("from forms_app.storage import Table")
    assert problems_in("from forms_app.storage.table import Table, fsync_directory")
    assert problems_in("from forms_app.storage.tailing import read_changes")
    assert problems_in("import forms_app.storage.table")
    assert not problems_in("from forms_app.storage.table import fsync_directory")
    assert not problems_in("for table in report.tables.values():\n    t = Table(key='x')")
    assert not problems_in("from forms_app.storage import EVENTS, Store, open_for_reading")


def test_the_store_and_the_reader_find_the_same_files(tmp_path):
    """One place names a table's file: the store's tables and the reports' reader agree."""
    store = Store(tmp_path, {"submissions": ["ref", "idempotency_key", "crc"]})
    assert store.tables["submissions"].path == table_path(tmp_path, "submissions")
    store.commit_submission(idempotency_key="k1", submission={}, personal=None)
    reader = open_for_reading(tmp_path)
    assert reader.has("submissions") and not reader.has("events")
    assert list(reader.scan("submissions")) == list(store.scan("submissions"))
    assert list(Store.open_for_reading(tmp_path).scan("submissions", ("idempotency_key",))) == [
        ("k1",)
    ]
