"""The bytes of evidence files in the database, for app servers that share one (``store_url``).

The same methods as ``storage.evidence.EvidenceFiles`` (which keeps them in the data directory),
so a caller of ``store.evidence`` cannot tell which it has: ``PostgresStore.evidence`` gives this
one. Every app server on the database then opens a file whichever server took it.

- A case's files are one row each in ``feedback_evidence_files`` (the case, the file id, the
  checksum and the bytes). The bytes go up first, in a durable commit of their own and without
  the store's write lock, marked as waiting for their rows (``staged_at``): a file of several
  megabytes takes a while to send, and every other writer would wait for it. Then, under the
  write lock (``attach`` runs inside ``commit_batch``), the rows are written in the same
  transaction that checks the bytes are there for that case with the checksum and size the rows
  say, and clears the mark. So a row never names bytes that are not stored, and the commit is
  durable before it returns.
- Bytes still marked are no case's file yet: never read as one, never overwritten by an upload
  for another case (a file id names one case's bytes only), removed when their batch fails,
  with their case by erasure, and otherwise by the drafts' purge once they have waited longer
  than any upload could (``STAGED_GRACE_S``: a server that stopped between the two steps).
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
from ..store import StoreWriteError
from .shared import SharedTable

CASE_FILES = "feedback_evidence_files"
HELD_FILES = "feedback_held_files"
#: The drafts' table (``postgres.drafts``): a held file whose draft is not there goes.
DRAFTS = "feedback_drafts"
#: How long sent bytes may wait for their rows before the purge removes them: far longer than
#: sending the largest file a form takes and waiting for the write lock.
STAGED_GRACE_S = 3600
#: The database's clock, in seconds: every app server marks and sweeps by the same clock.
_NOW = "extract(epoch FROM clock_timestamp())::double precision"


class FileTables(SharedTable):
    name = CASE_FILES
    statements = (
        f"""CREATE TABLE IF NOT EXISTS {CASE_FILES} (
            id text PRIMARY KEY,
            ref text NOT NULL,
            sha256 text NOT NULL,
            data bytea NOT NULL,
            staged_at double precision)""",
        # A table made before bytes were sent ahead of their rows gains the mark (the catalogue
        # is asked first: ALTER TABLE would wait for every reader of the table each time).
        f"""DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = '{CASE_FILES}'::regclass
                           AND attname = 'staged_at' AND NOT attisdropped) THEN
                ALTER TABLE {CASE_FILES} ADD COLUMN staged_at double precision;
            END IF;
        END $$""",
        f"CREATE INDEX IF NOT EXISTS {CASE_FILES}_ref ON {CASE_FILES} (ref)",
        f"""CREATE INDEX IF NOT EXISTS {CASE_FILES}_staged ON {CASE_FILES} (staged_at)
            WHERE staged_at IS NOT NULL""",
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
        """As ``EvidenceFiles.attach``: the bytes go up first (``send_bytes``), then the rows
        are written under the write lock once the bytes are found there for this case."""
        for row, _data in files:
            problems = contract.check(EVIDENCE, {**row, "ref": ref}) if contract else []
            if problems:
                raise ValueError(f"evidence row refused: {sorted({p.field for p in problems})}")
        wanted: dict[str, tuple[Mapping[str, str], bytes]] = {}
        for row, data in files:
            if valid_file_id(row["id"]) and row["id"] not in wanted:
                check_bytes(row, data)
                wanted[row["id"]] = (row, data)
        if not wanted:
            return 0
        try:
            self.table.ready()
            # A form sent again sends no bytes again (checked again under the lock).
            known = self._attached(list(wanted))
            sent = self.send_bytes(ref, [item for key, item in wanted.items() if key not in known])
        except psycopg.Error as exc:
            self.store.connections.forget()  # it may be broken: the next call opens a new one
            # The same error as a batch the store could not write: callers handle that one.
            raise StoreWriteError("the files could not be stored; nothing was written") from exc

        def decide() -> dict[str, list[dict[str, str]]]:
            # Inside ``commit_batch``: this thread's connection holds the batch's transaction
            # and the write lock, so no other writer adds the same file id meanwhile, and the
            # mark is cleared only if the rows commit.
            connection = self.store.connections.get()
            attached = self._attached(list(wanted), connection)
            rows = [row for key, (row, _data) in wanted.items() if key not in attached]
            found = _claim(connection, ref, rows)
            missing = [row["id"] for row in rows if row["id"] not in found]
            if missing:
                raise EvidenceDamaged(f"file {missing[0]} is not stored for this case")
            return {EVIDENCE: [{**row, "ref": ref} for row in rows]}

        added = 0
        try:
            added = self.store.commit_batch(decide).get(EVIDENCE, 0)
        finally:
            if added < len(sent):
                self._drop_sent(ref, sent)
        return added

    def send_bytes(self, ref: str, files: Sequence[tuple[Mapping[str, str], bytes]]) -> list[str]:
        """Store the bytes of files for case ``ref`` in one durable commit, without the write
        lock, marked as waiting for their rows (no case's file until ``attach`` writes them).
        Bytes already there for the same case with the same checksum and still waiting are
        kept (a form sent again); bytes of another case, or already attached, are never
        overwritten. Returns the ids whose bytes are now waiting."""
        if not files:
            return []
        self.table.ready()
        sent = []
        with self.table.durable() as connection:
            for row, data in files:
                check_bytes(row, data)
                if not valid_file_id(row["id"]):
                    continue
                if _put(connection, ref, row["id"], data, staged=True):
                    sent.append(row["id"])
        return sent

    def _attached(self, ids: list[str], connection: psycopg.Connection | None = None) -> set[str]:
        """The ids the ``evidence`` table holds, on the batch's connection or this thread's."""
        if connection is None:
            connection = self.store.connections.get()
        query = f"SELECT id FROM {EVIDENCE} WHERE id = ANY(%s)"
        return {file_id for (file_id,) in connection.execute(query, (ids,))}

    def _drop_sent(self, ref: str, ids: list[str]) -> None:
        """Remove sent bytes whose rows did not come (the batch failed, or the file was
        attached meanwhile). A database that does not answer leaves them for the purge."""
        try:
            with self.table.durable() as connection:
                connection.execute(
                    f"""DELETE FROM {CASE_FILES} WHERE id = ANY(%s) AND ref = %s
                        AND staged_at IS NOT NULL""",
                    (ids, ref),
                )
        except psycopg.Error:
            pass

    def keep(self, ref: str, file_id: str, data: bytes) -> None:
        if not valid_file_id(file_id):
            raise ValueError("not a file id")
        self.table.ready()
        with self.table.durable() as connection:
            _put(connection, ref, file_id, data)

    def read(self, row: Mapping[str, str]) -> bytes:
        """The file's bytes, checked against its row's checksum."""
        if not valid_file_id(row.get("id", "")):
            raise EvidenceDamaged("not a file id")
        try:
            with self.table.durable() as connection:
                found = connection.execute(
                    f"""SELECT data FROM {CASE_FILES} WHERE id = %s AND ref = %s
                        AND staged_at IS NULL""",
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


def _put(
    connection: psycopg.Connection, ref: str, file_id: str, data: bytes, *, staged: bool = False
) -> bool:
    """Write a file's bytes; whether they were written. ``staged``: marked as waiting for their
    rows, and only over bytes of the same case and checksum still waiting (the file id comes
    with the upload, so it must not reach another case's bytes). Otherwise (moving a data
    directory, rows written next) the bytes are stored as the case's."""
    if not staged:
        connection.execute(
            f"""INSERT INTO {CASE_FILES} (id, ref, sha256, data) VALUES (%s, %s, %s, %s)
                ON CONFLICT (id) DO UPDATE SET ref = EXCLUDED.ref, sha256 = EXCLUDED.sha256,
                data = EXCLUDED.data, staged_at = NULL""",
            (file_id, ref, sha256_of(data), data),
        )
        return True
    written = connection.execute(
        f"""INSERT INTO {CASE_FILES} AS f (id, ref, sha256, data, staged_at)
            VALUES (%s, %s, %s, %s, {_NOW})
            ON CONFLICT (id) DO UPDATE SET staged_at = EXCLUDED.staged_at
            WHERE f.staged_at IS NOT NULL AND f.ref = EXCLUDED.ref
              AND f.sha256 = EXCLUDED.sha256
            RETURNING id""",
        (file_id, ref, sha256_of(data), data),
    ).fetchone()
    return written is not None


def _claim(connection: psycopg.Connection, ref: str, rows: list[Mapping[str, str]]) -> set[str]:
    """Under the write lock: clear the mark of the bytes stored for ``ref`` with the checksum
    and size each row says; the ids found. The size is read from the value's header, so no
    byte is read while the lock is held."""
    if not rows:
        return set()
    found = connection.execute(
        f"""UPDATE {CASE_FILES} AS f SET staged_at = NULL
            FROM unnest(%s::text[], %s::text[], %s::bigint[]) AS w(id, sha256, size)
            WHERE f.id = w.id AND f.ref = %s AND f.sha256 = w.sha256
              AND octet_length(f.data) = w.size
            RETURNING f.id""",
        (
            [row["id"] for row in rows],
            [row["sha256"] for row in rows],
            [int(row["size"]) for row in rows],
            ref,
        ),
    )
    return {file_id for (file_id,) in found}


def purge_held(url: str, grace_s: float = STAGED_GRACE_S) -> int:
    """Delete the held files whose draft is gone (purged, erased, or sent and its files
    attached), as the files engine removes a draft's folder, and the bytes sent for a case
    whose rows have not come within ``grace_s``; return how many went."""
    table = FileTables(url)
    with table.durable() as connection:
        swept = connection.execute(
            f"DELETE FROM {CASE_FILES} WHERE staged_at < {_NOW} - %s", (grace_s,)
        ).rowcount
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
    if swept:
        table.vacuum(CASE_FILES)
    return removed + swept


def case_files_stored(url: str, refs: Iterable[str]) -> int:
    """How many files of the cases the database holds (what erasure must leave at 0)."""
    with FileTables(url).durable() as connection:
        return connection.execute(
            f"SELECT count(*) FROM {CASE_FILES} WHERE ref = ANY(%s)", (sorted(set(refs)),)
        ).fetchone()[0]
