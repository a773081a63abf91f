"""A copy of the data directory release 0.1.0 made (tests/fixtures/release-0.1), to upgrade."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

RELEASE_0_1 = Path(__file__).resolve().parents[1] / "fixtures" / "release-0.1"
TABLE_FILES = ("submissions.csv", "personal.csv", "events.csv")


@pytest.fixture
def old_data(data_dir) -> Path:
    """The app's data directory, filled with release 0.1.0's tables and descriptor."""
    shutil.copytree(RELEASE_0_1, data_dir, ignore=shutil.ignore_patterns("README.md"))
    return data_dir


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file's bytes under ``directory`` (lock files left out: they hold nothing)."""
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file() and not path.name.endswith(".lock")
    }
