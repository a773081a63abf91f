"""Who may read and write which case table: personal details behind a role of their own.

Three roles, made by the database's owner (a person setting up the database, or
``feedback migrate-store``), never by the app:

- the **personal role** (no login) is the only one granted the ``personal`` table;
- the **app role** (the app servers' login) reads and appends the other case tables, and is a
  member of the personal role, because staff open a case's contact details;
- a **reader role** (reports, analysts' tools) reads every case table except ``personal``.

So a connection that is not a member of the personal role cannot read a single contact detail,
whatever query it runs: the database refuses it, not the application.
"""

from __future__ import annotations

from collections.abc import Iterable

from psycopg import sql

from .schema import GENERATIONS, SEQUENCE

PERSONAL = "personal"


def _ensure_role(connection, role: str, *, login: bool) -> None:
    found = connection.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
    if found is None:
        connection.execute(
            sql.SQL("CREATE ROLE {} {}").format(
                sql.Identifier(role), sql.SQL("LOGIN" if login else "NOLOGIN")
            )
        )


def grant_roles(
    connection,
    tables: Iterable[str],
    *,
    app_role: str,
    personal_role: str,
    reader_role: str | None = None,
) -> None:
    """Make the roles if missing and grant each exactly what it needs (one transaction)."""
    tables = list(tables)
    others = [name for name in tables if name != PERSONAL]
    with connection.transaction():
        _ensure_role(connection, personal_role, login=False)
        _ensure_role(connection, app_role, login=True)
        if PERSONAL in tables:
            connection.execute(
                sql.SQL("REVOKE ALL ON {} FROM PUBLIC").format(sql.Identifier(PERSONAL))
            )
            connection.execute(
                sql.SQL("GRANT SELECT, INSERT, DELETE ON {} TO {}").format(
                    sql.Identifier(PERSONAL), sql.Identifier(personal_role)
                )
            )
            connection.execute(
                sql.SQL("GRANT {} TO {}").format(
                    sql.Identifier(personal_role), sql.Identifier(app_role)
                )
            )
        for name in others:
            connection.execute(
                sql.SQL("GRANT SELECT, INSERT, DELETE ON {} TO {}").format(
                    sql.Identifier(name), sql.Identifier(app_role)
                )
            )
        connection.execute(
            sql.SQL("GRANT SELECT, UPDATE ON {} TO {}").format(
                sql.Identifier(GENERATIONS), sql.Identifier(app_role)
            )
        )
        connection.execute(
            sql.SQL("GRANT USAGE ON SEQUENCE {} TO {}").format(
                sql.Identifier(SEQUENCE), sql.Identifier(app_role)
            )
        )
        if reader_role:
            _ensure_role(connection, reader_role, login=True)
            for name in [*others, GENERATIONS]:
                connection.execute(
                    sql.SQL("GRANT SELECT ON {} TO {}").format(
                        sql.Identifier(name), sql.Identifier(reader_role)
                    )
                )
