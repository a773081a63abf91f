"""The case tables in PostgreSQL (psycopg 3), for an installation that outgrows one machine.

The data package on disk stays the default engine; a ``store_url`` of ``postgresql://...`` in
the settings chooses this one instead (``storage.engines``). The same methods, rows, errors and
guarantees as the data package's ``Store``, so no caller knows which engine it has.

- ``schema``: the tables made from the table schemas, with their rules as constraints.
- ``roles``: personal details readable only through a role of their own.
- ``connection``: one connection per thread, durable commits, the write lock.
- ``store``: ``PostgresStore``, the engine.
- ``moving``: every row of one store copied into another (``feedback migrate-store``) and a
  store written out as a data package (``feedback export-package``).
"""

from .roles import grant_roles
from .store import PositionCursor, PostgresStore, RowRefused

__all__ = ["PositionCursor", "PostgresStore", "RowRefused", "grant_roles"]
