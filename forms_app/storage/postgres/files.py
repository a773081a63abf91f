"""The bytes of evidence files in the database, for app servers that share one (``store_url``).

The same methods as ``storage.evidence.EvidenceFiles`` (which keeps them in the data directory),
so a caller of ``store.evidence`` cannot tell which it has: ``PostgresStore.evidence`` gives this
one. Every app server on the database then opens a file whichever server took it.

- A case's files are one row each in ``feedback_evidence_files`` (the case, the file id, the
  checksum and the bytes). They are written in the same transaction as their rows in the
  ``evidence`` table, under the store's write lock (``attach`` runs inside ``commit_batch``), so
  a row never names bytes that are not stored, and the commit is durable before it returns.
- Files a person adds before they send are held in ``feedback_held_files`` by draft id, and go
  when their draft has gone (``purge_held``, run by the drafts' purge and by erasure).
- Every read checks the bytes against the checksum in the file's row. A file kept in the data
  directory before its installation moved to the database is still read from there.

PostgreSQL keeps a deleted row's bytes in its table until ``VACUUM`` reuses the space, so
removing cases' files (retention, erasure) runs one on the table afterwards.
"""

from __future__ import annotations

import errno
import time
from collections.abc import Iterable, Mapping, Sequence

import psycopg

from ..evidence import (
    EVIDENCE,
    EvidenceDamaged,
    EvidenceFiles,
    check_bytes,
    remove_case_folders,
    sha256_of,
    valid_file_id,
    valid_ids,
)
from .shared import SharedTable

CASE_FILES = "feedback_evidence_files"
HELD_FILES = "feedback_held_files"
#: The drafts' table (``postgres.drafts``): a held file whose draft is not there goes.
DRAFTS = "feedback_drafts"


class FileTables(SharedTable):
    name = CASE_FILES
    statements = (
        f"""CREATE TABLE IF NOT EXISTS {CASE_FILES} (
            id text PRIMARY KEY,
            ref text NOT NULL,
            sha256 text NOT NULL,
            data bytea NOT NULL)""",
        f"CREATE INDEX IF NOT EXISTS {CASE_FILES}_ref ON {CASE_FILES} (ref)",
        f"""CREATE TABLE IF NOT EXISTS {HELD_FILES} (
            draft_id text NOT NULL,
            id text NOT NULL,
            data bytea NOT NULL,
            held_at double precision NOT NULL,
            PRIMARY KEY (draft_id, id))""",
    )

    def ready(self) -> None:
        """Make the tables now if this process has not yet (before a transaction of the
        store's, which runs on another connection)."""
        with self.durable():
            pass

    def vacuum(self, table: str) -> None:
        """Give back the space of deleted rows, so no copy of removed bytes stays in the table.
        Outside a transaction (VACUUM refuses to run in one): the connection autocommits."""
        connection = self.connections.get()
        try:
            connection.execute(f"VACUUM {table}")
        except psycopg.OperationalError:
            self.connections.forget()
            raise


def _unreadable(what: str, exc: psycopg.Error) -> OSError:
    """A database error as the OSError the callers of the file engine already handle."""
    return EvidenceDamaged(errno.EIO, f"{what}: the database did not answer ({type(exc).__name__})")


class DatabaseEvidenceFiles(EvidenceFiles):
    """``EvidenceFiles`` with the bytes in the store's own database."""

    def __init__(self, store):
        super().__init__(store)
        self.table = FileTables(store.url)

    # -- held beside a draft --------------------------------------------------------------

    def hold(self, draft_id: str, file_id: str, data: bytes) -> None:
        if not valid_ids(draft_id, file_id):
            raise ValueError("not a draft or file id")
        try:
            with self.table.durable() as connection:
                connection.execute(
                    f"""INSERT INTO {HELD_FILES} (draft_id, id, data, held_at)
                        VALUES (%s, %s, %s, %s) ON CONFLICT (draft_id, id)
                        DO UPDATE SET data = EXCLUDED.data, held_at = EXCLUDED.held_at""",
                    (draft_id, file_id, data, time.time()),
                )
        except psycopg.Error as exc:
            raise _unreadable(f"file {file_id} not held", exc) from exc

    def held(self, draft_id: str, file_id: str) -> bytes | None:
        """The held bytes, or None when none are held. A database that does not answer is an
        error (EvidenceDamaged), not "none held": the caller would take the file as attached."""
        if not valid_ids(draft_id, file_id):
            return None
        try:
            with self.table.durable() as connection:
                found = connection.execute(
                    f"SELECT data FROM {HELD_FILES} WHERE draft_id = %s AND id = %s",
                    (draft_id, file_id),
                ).fetchone()
        except psycopg.Error as exc:
            raise _unreadable(f"held file {file_id} cannot be read", exc) from exc
        if found is None:
            return super().held(draft_id, file_id)  # held before the move to the database
        return bytes(found[0])

    def drop_held(self, draft_id: str, file_id: str | None = None) -> None:
        """Forget one held file, or (no ``file_id``) every file held for a draft. A database
        that does not answer leaves them for the drafts' purge."""
        super().drop_held(draft_id, file_id)
        query = f"DELETE FROM {HELD_FILES} WHERE draft_id = %s"
        params: tuple = (draft_id,)
        if file_id is not None:
            query, params = query + " AND id = %s", (draft_id, file_id)
        try:
            with self.table.durable() as connection:
                connection.execute(query, params)
        except psycopg.Error:
            pass

    # -- cases ----------------------------------------------------------------------------

    def attach(
        self, ref: str, files: Sequence[tuple[Mapping[str, str], bytes]], contract=None
    ) -> int:
        """As ``EvidenceFiles.attach``; the bytes and the rows commit in one transaction."""
        for row, _data in files:
            problems = contract.check(EVIDENCE, {**row, "ref": ref}) if contract else []
            if problems:
                raise ValueError(f"evidence row refused: {sorted({p.field for p in problems})}")
        wanted = [(row, data) for row, data in files if valid_file_id(row["id"])]
        if not wanted:
            return 0
        self.table.ready()

        def decide() -> dict[str, list[dict[str, str]]]:
            # Inside ``commit_batch``: this thread's connection is the one holding the batch's
            # transaction and the write lock, so these writes commit with the rows, or not at
            # all, and no other writer can add the same file id meanwhile.
            connection = self.store.connections.get()
            ids = [row["id"] for row, _data in wanted]
            known = {
                file_id
                for (file_id,) in connection.execute(
                    f"SELECT id FROM {EVIDENCE} WHERE id = ANY(%s)", (ids,)
                )
            }
            rows: list[dict[str, str]] = []
            for row, data in wanted:
                if row["id"] in known:
                    continue
                check_bytes(row, data)
                _put(connection, ref, row["id"], data)
                known.add(row["id"])
                rows.append({**row, "ref": ref})
            return {EVIDENCE: rows}

        return self.store.commit_batch(decide).get(EVIDENCE, 0)

    def keep(self, ref: str, file_id: str, data: bytes) -> None:
        if not valid_file_id(file_id):
            raise ValueError("not a file id")
        with self.table.durable() as connection:
            _put(connection, ref, file_id, data)

    def read(self, row: Mapping[str, str]) -> bytes:
        """The file's bytes, checked against its row's checksum."""
        if not valid_file_id(row.get("id", "")):
            raise EvidenceDamaged("not a file id")
        try:
            with self.table.durable() as connection:
                found = connection.execute(
                    f"SELECT data FROM {CASE_FILES} WHERE id = %s AND ref = %s",
                    (row["id"], row["ref"]),
                ).fetchone()
        except psycopg.Error as exc:
            raise _unreadable(f"file {row['id']} cannot be read", exc) from exc
        if found is None:
            return super().read(row)  # kept in the data directory before the move
        data = bytes(found[0])
        if sha256_of(data) != row["sha256"]:
            raise EvidenceDamaged(f"file {row['id']} does not match its checksum")
        return data

    def remove_cases(self, refs: Iterable[str]) -> int:
        """Delete every file of the cases, in the database and any left in the data directory;
        return how many went."""
        refs = sorted(set(refs))
        if not refs:
            return 0
        with self.table.durable() as connection:
            removed = connection.execute(
                f"DELETE FROM {CASE_FILES} WHERE ref = ANY(%s)", (refs,)
            ).rowcount
        if removed:
            self.table.vacuum(CASE_FILES)
        return removed + remove_case_folders(self.data_dir, refs)


def _put(connection: psycopg.Connection, ref: str, file_id: str, data: bytes) -> None:
    connection.execute(
        f"""INSERT INTO {CASE_FILES} (id, ref, sha256, data) VALUES (%s, %s, %s, %s)
            ON CONFLICT (id) DO UPDATE SET ref = EXCLUDED.ref, sha256 = EXCLUDED.sha256,
            data = EXCLUDED.data""",
        (file_id, ref, sha256_of(data), data),
    )


def purge_held(url: str) -> int:
    """Delete the held files whose draft is gone (purged, erased, or sent and its files
    attached), as the files engine removes a draft's folder; return how many went."""
    table = FileTables(url)
    with table.durable() as connection:
        drafts = connection.execute("SELECT to_regclass(%s)", (DRAFTS,)).fetchone()[0]
        if drafts is None:
            removed = connection.execute(f"DELETE FROM {HELD_FILES}").rowcount
        else:
            removed = connection.execute(
                f"""DELETE FROM {HELD_FILES} AS h WHERE NOT EXISTS (
                    SELECT 1 FROM {DRAFTS} AS d WHERE d.id = h.draft_id AND NOT d.sent)"""
            ).rowcount
    if removed:
        table.vacuum(HELD_FILES)
    return removed


def case_files_stored(url: str, refs: Iterable[str]) -> int:
    """How many files of the cases the database holds (what erasure must leave at 0)."""
    with FileTables(url).durable() as connection:
        return connection.execute(
            f"SELECT count(*) FROM {CASE_FILES} WHERE ref = ANY(%s)", (sorted(set(refs)),)
        ).fetchone()[0]
