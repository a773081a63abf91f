"""The shape of the code, kept by tests: which package may import which, nothing loose at the
top of ``forms_app``, modules small enough to read in one sitting, and comments that point only
at what a newcomer has (this repository, or a public source).

ARCHITECTURE.md explains the layers; ``LAYERS`` below is the same table, and the one that is
enforced.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "forms_app"

#: Each package's layer. A package may import packages of a lower layer, and of its own layer
#: only where ``PEERS`` allows it; never a higher one. The top module (``forms_app/__init__.py``,
#: which assembles the app) may import anything.
LAYERS = {
    # Foundations: know nothing of cases or pages.
    "organisation": 0,
    "language": 0,
    "messages": 2,
    "printing": 0,
    "evidence": 0,
    "storage": 1,
    "accounts": 1,
    "identity": 2,
    "procedures": 2,
    "migrations": 2,
    # The domain: cases, words and order, letters, the sheet, reports, records.
    "casework": 3,
    "journeys": 3,
    "questionnaires": 3,
    "letters": 4,
    "sheets": 4,
    "reports": 4,
    "tracking": 4,
    "records": 5,
    # What every page gets, then the surfaces people and programs use.
    "web": 6,
    "observing": 6,
    "public": 7,
    "staff": 7,
    "sitebuild": 7,
    "demo": 7,
    "cli": 8,
}

#: Imports allowed between packages of one layer, as (importer, imported).
PEERS: set[tuple[str, str]] = set()


def _package_of(path: Path, root: Path = PACKAGE) -> str | None:
    parts = path.relative_to(root).parts
    return parts[0] if len(parts) > 1 else None


def _imported_packages(path: Path, root: Path = PACKAGE) -> set[tuple[str, int]]:
    """The ``forms_app`` packages a module imports, each with the line of its import."""
    module = list(path.relative_to(root.parent).with_suffix("").parts)
    package = module[:-1]  # what a relative import starts from (for __init__ too)
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = base + (node.module.split(".") if node.module else [])
            elif node.module and node.module.split(".")[0] == "forms_app":
                target = node.module.split(".")
            else:
                continue
            if len(target) > 1:
                found.add((target[1], node.lineno))
            else:  # from forms_app import casework
                found.update((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "forms_app" and len(parts) > 1:
                    found.add((parts[1], node.lineno))
    return found


def _modules():
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _wrong_imports(modules, root: Path = PACKAGE) -> list[str]:
    wrong = []
    for path in modules:
        importer = _package_of(path, root)
        if importer is None:
            continue
        for imported, line in _imported_packages(path, root):
            if imported == importer or imported not in LAYERS:
                continue
            if LAYERS[imported] > LAYERS[importer] or (
                LAYERS[imported] == LAYERS[importer] and (importer, imported) not in PEERS
            ):
                wrong.append(f"{path.relative_to(root.parent)}:{line} imports {imported}")
    return sorted(wrong)


def test_every_package_has_a_layer():
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert packages == set(LAYERS), "give each new package a layer in LAYERS and ARCHITECTURE.md"


def test_no_package_imports_one_above_it_or_beside_it():
    assert _wrong_imports(_modules()) == []


def test_the_layer_check_sees_a_wrong_import(tmp_path):
    # The check must be able to fail: storage importing staff (absolute) and casework
    # (relative, from inside a function) is caught; importing its own modules is not.
    root = tmp_path / "forms_app"
    (root / "storage").mkdir(parents=True)
    bad = root / "storage" / "bad.py"
    bad.write_text(
        "from forms_app.staff.context import render\n"
        "from .table import Table\n"
        "def f():\n    from ..casework import state\n"
    )
    assert _wrong_imports([bad], root) == [
        "forms_app/storage/bad.py:1 imports staff",
        "forms_app/storage/bad.py:4 imports casework",
    ]


def test_nothing_is_loose_at_the_top_of_the_package():
    loose = [p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py"]
    assert len(loose) <= 2, loose


MOSTLY_DATA = "mostly data"


@pytest.mark.parametrize("limit", [600])
def test_modules_are_small_enough_to_read_in_one_sitting(limit):
    too_long = []
    for path in _modules():
        lines = path.read_text(encoding="utf-8").count("\n")
        if lines > limit:
            docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
            if MOSTLY_DATA not in docstring.lower():
                too_long.append(f"{path.relative_to(PACKAGE.parent)} ({lines})")
    assert too_long == []


#: Pointers to documents a newcomer does not have: the project's planning notes (seed numbers,
#: reliability-plan and gotcha numbers) and files that are not in this repository.
OUTSIDE_POINTERS = re.compile(
    r"\bseeds?\s*\d|\bseed\s+0\d\d|\bgotchas?\b|\breliability plan\b|\bplan [A-Z]\d"
    r"|\bdocs_\w+\.md\b|\bstack-notes\b|\brules\.md\b|\bDESIGN\.md\b|\bpeers\.md\b"
)


def test_comments_point_only_at_what_a_newcomer_has():
    found = []
    for path in _modules():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if OUTSIDE_POINTERS.search(line):
                found.append(f"{path.relative_to(PACKAGE.parent)}:{number}: {line.strip()}")
    assert found == []


def test_the_pointer_check_knows_a_pointer():
    assert OUTSIDE_POINTERS.search("# as seed 004 §4.17 says")
    assert OUTSIDE_POINTERS.search("(reliability plan D10, gotcha 3)")
    assert not OUTSIDE_POINTERS.search("# the random seed makes the same data")
