"""Fixtures for the sheet tests: an injected clock, the local stand-in for Google Sheets on
that clock, a data directory with staff accounts, and a disk without fsync for tests that
count rows rather than test durability. The plain helpers (``submit``, ``worker_for``...)
are in tests/support/sheets.py."""

from __future__ import annotations

import pytest

from tests.support.fake_sheets import FakeClock, FakeSheets
from tests.support.sheets import make_staff


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def fake(clock):
    with FakeSheets(clock) as server:
        yield server


@pytest.fixture
def staffed(app_parts, data_dir):
    """The app's parts on a data directory holding the staff accounts of
    ``tests.support.sheets.STAFF``."""
    make_staff(data_dir)
    return app_parts
