"""A Notify stand-in on a free port for the message tests."""

from __future__ import annotations

import pytest

from tests.support import notify_standin


@pytest.fixture
def faults():
    return notify_standin.Faults()


@pytest.fixture
def notify(faults):
    served = notify_standin.serve(faults=faults)
    yield served
    served.stop()
