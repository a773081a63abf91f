"""Produced letters in the shared database, for app servers that share one (``store_url``).

The same methods as ``document.LetterFiles`` (a Markdown file and a JSON file per letter in the
data directory), one row per letter instead: the case, the letter's id, its text and its
record (the same JSON the file holds). ``LetterFiles(data_dir)`` gives this one when its data
directory was told to use a database (``storage.shared_database``), so a caller cannot tell
which it has. A letter is saved with a durable commit before the event that names it is
written, as the files are synced first. A letter kept in the data directory before the move
to the database is still read from there.

Erasure and retention delete a case's rows (``remove``), then ``VACUUM`` the table: PostgreSQL
keeps a deleted row's bytes in its table until the space is reused.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import psycopg

from forms_app.storage.postgres.shared import SharedTable

from .document import LetterFiles

LETTERS = "feedback_letters"


class LetterTable(SharedTable):
    name = LETTERS
    statements = (
        f"""CREATE TABLE IF NOT EXISTS {LETTERS} (
            ref text NOT NULL,
            id text NOT NULL,
            text text NOT NULL,
            meta text NOT NULL,
            saved_at double precision NOT NULL,
            PRIMARY KEY (ref, id))""",
    )


def meta_text(meta: dict) -> str:
    """A letter's record as its ``.json`` file holds it."""
    return json.dumps(meta, ensure_ascii=False, indent=2)


class DatabaseLetters(LetterFiles):
    """``LetterFiles`` with the letters in the database at ``url`` (by default the one the
    data directory uses)."""

    def __init__(self, data_dir: Path, url: str | None = None):
        from forms_app.storage.shared_database import database_for

        super().__init__(data_dir)
        self.table = LetterTable(url or database_for(data_dir))

    def save(self, ref: str, letter_id: str, text: str, meta: dict) -> None:
        self._paths(ref, letter_id)  # KeyError for a reference or id of the wrong shape
        with self.table.durable() as connection:
            connection.execute(
                f"""INSERT INTO {LETTERS} (ref, id, text, meta, saved_at)
                    VALUES (%s, %s, %s, %s, %s) ON CONFLICT (ref, id) DO UPDATE SET
                    text = EXCLUDED.text, meta = EXCLUDED.meta, saved_at = EXCLUDED.saved_at""",
                (ref, letter_id, text, meta_text(meta), time.time()),
            )

    def load(self, ref: str, letter_id: str) -> tuple[str, dict] | None:
        try:
            self._paths(ref, letter_id)
            with self.table.durable() as connection:
                found = connection.execute(
                    f"SELECT text, meta FROM {LETTERS} WHERE ref = %s AND id = %s",
                    (ref, letter_id),
                ).fetchone()
        except KeyError:
            return None
        if found is None:
            return super().load(ref, letter_id)  # kept in the data directory before the move
        try:
            return found[0], json.loads(found[1])
        except ValueError:
            return None

    def every(self) -> Iterator[tuple[str, str]]:
        with self.table.durable() as connection:
            found = connection.execute(f"SELECT ref, id FROM {LETTERS} ORDER BY ref, id").fetchall()
        yield from found

    def of_case(self, ref: str) -> list[tuple[str, str, dict]]:
        """The case's letters in the database: ``(id, text, record)`` each, by id."""
        with self.table.durable() as connection:
            found = connection.execute(
                f"SELECT id, text, meta FROM {LETTERS} WHERE ref = %s ORDER BY id", (ref,)
            ).fetchall()
        return [(letter_id, text, json.loads(meta)) for letter_id, text, meta in found]

    def remove(self, refs: Iterable[str]) -> int:
        """Delete every letter of the cases from the database; return how many files they
        would have been (a ``.md`` and a ``.json`` each), as the files' removal counts."""
        refs = sorted(set(refs))
        if not refs:
            return 0
        with self.table.durable() as connection:
            removed = connection.execute(
                f"DELETE FROM {LETTERS} WHERE ref = ANY(%s)", (refs,)
            ).rowcount
        if removed:
            connection = self.table.connections.get()
            try:
                connection.execute(f"VACUUM {LETTERS}")
            except psycopg.OperationalError:
                self.table.connections.forget()
                raise
        return removed * 2


def copy_letters(source: LetterFiles, target: LetterFiles) -> int:
    """Copy every letter ``source`` keeps into ``target`` (the data directory's files or the
    database: ``feedback migrate-store``); return how many."""
    copied = 0
    for ref, letter_id in list(source.every()):
        found = source.load(ref, letter_id)
        if found is not None:
            target.save(ref, letter_id, *found)
            copied += 1
    return copied
