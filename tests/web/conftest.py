"""The app behind nginx with TLS, started once for the tests in this folder that ask for it."""

from __future__ import annotations

import pytest

from tests.support.tls import TlsStack, production_env


@pytest.fixture(scope="module")
def tls_stack(tmp_path_factory):
    """Production mode behind nginx over HTTPS: the one way an organisation runs the app."""
    stack = TlsStack(tmp_path_factory.mktemp("tls"), env=production_env())
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()
