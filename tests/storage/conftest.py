"""The storage tests' fixtures: a real PostgreSQL server for the session (``postgres_server``)
and a fresh database per test (``postgres_url``), from ``tests/support/postgres.py``."""

from tests.support.postgres import postgres_server, postgres_url

__all__ = ["postgres_server", "postgres_url"]
