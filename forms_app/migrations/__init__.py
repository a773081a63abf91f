"""Upgrading a data directory from an earlier release's table layout (``feedback migrate``).

- ``plan``: the steps in order (``MIGRATIONS``), each a pure function over one table's rows
  with a docstring saying what changed and why, and the shapes of change steps are made from
  (a column added or renamed, a code renamed, a table created).
- ``learning_actions``: schema 1.1.0, learning actions named by an identifier.
- ``running``: ``migrate``: under the store lock, a backup, the steps staged beside the live
  tables, the result validated with frictionless, swapped in, and the new version recorded.

The data directory's version, and the refusal to start on another one, are the storage layer's
(``storage.schema_version``): it is the one place that knows the data directory's files.
"""

from .plan import MIGRATIONS, Migration, pending
from .running import MigrationRefused, MigrationReport, migrate

__all__ = ["MIGRATIONS", "Migration", "MigrationRefused", "MigrationReport", "migrate", "pending"]
