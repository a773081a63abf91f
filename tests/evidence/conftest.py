"""A real clamd for the evidence tests (tests/support/clamd.py), started once per file."""

from __future__ import annotations

import pytest

from tests.support.clamd import running_clamd


@pytest.fixture(scope="module")
def clamd_socket(tmp_path_factory):
    # A short folder name: a unix socket's path must fit in 108 bytes.
    with running_clamd(tmp_path_factory.mktemp("clamd")) as socket_path:
        yield socket_path
