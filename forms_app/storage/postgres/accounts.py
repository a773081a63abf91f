"""Staff accounts in the database, so that every app server signs in against the same accounts
and sees a change (a password, a role, a disabled account, a back-off) as soon as it is made.

The counterpart of ``users.json``: the whole document in one row (``feedback_documents``, named
``users``), with a version that moves on at every change so a reader can keep its copy until
then, as the file's reader keeps it until the file's time and size change. A change reads the
row FOR UPDATE, so changes from any number of servers take their turn and none is lost (the
file's lock), and commits durably unless the caller says it need not (sign-in counters).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from psycopg.types.json import Jsonb

from .shared import SharedTable

TABLE = "feedback_documents"


class DocumentTable(SharedTable):
    """One JSON document, by name, in the database at ``url``."""

    name = TABLE
    statements = (
        f"""CREATE TABLE IF NOT EXISTS {TABLE} (
            name text PRIMARY KEY,
            version bigint NOT NULL,
            body jsonb NOT NULL)""",
    )

    def __init__(self, url: str, document: str):
        super().__init__(url)
        self.document = document

    def read(self) -> tuple[int, dict] | None:
        """The document's version and body, or None if it was never written."""
        found = self.quick_one(
            f"SELECT version, body FROM {TABLE} WHERE name = %s", (self.document,)
        ).fetchone()
        return None if found is None else (int(found[0]), found[1])

    @contextmanager
    def editing(self, *, durable: bool = True) -> Iterator[dict]:
        """The document to change in place, written back when the block ends without error;
        no other change of it can start meanwhile."""
        with self.durable() if durable else self.quick() as connection:
            connection.execute(
                f"INSERT INTO {TABLE} (name, version, body) VALUES (%s, 0, '{{}}') "
                "ON CONFLICT (name) DO NOTHING",
                (self.document,),
            )
            (body,) = connection.execute(
                f"SELECT body FROM {TABLE} WHERE name = %s FOR UPDATE", (self.document,)
            ).fetchone()
            yield body
            connection.execute(
                f"UPDATE {TABLE} SET version = version + 1, body = %s WHERE name = %s",
                (Jsonb(body), self.document),
            )
