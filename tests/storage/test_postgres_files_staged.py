"""Evidence bytes on PostgreSQL go up before the store's write lock is taken (against a real
server): other writers do not wait for a large upload, a row still never names bytes that are
not stored, bytes whose rows never came are never read as a case's file and are removed (by
the drafts' purge after a grace time, by erasure of their case), and a file id cannot be used
to overwrite another case's bytes."""

from __future__ import annotations

import threading

import psycopg
import pytest

from forms_app.casework.events import event
from forms_app.records.retention.erasure import erase
from forms_app.storage import EvidenceDamaged, StoreWriteError
from forms_app.storage.postgres import files
from forms_app.storage.postgres.files import CASE_FILES, case_files_stored
from forms_app.storage.postgres.schema import WRITE_LOCK
from tests.support.evidence_rows import evidence_row
from tests.support.staff import submit

PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
OTHER = b"%PDF-1.4 a letter from the ward" + bytes(range(200)) * 30


def write_lock_holders(url: str) -> int:
    """How many sessions hold the store's write lock now (seen from a connection of its own)."""
    with psycopg.connect(url, autocommit=True) as connection:
        return connection.execute(
            """SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted
               AND objsubid = 1 AND ((classid::bigint << 32) | objid::bigint) = %s""",
            (WRITE_LOCK,),
        ).fetchone()[0]


def stored(url: str) -> list[tuple[str, str]]:
    with psycopg.connect(url) as connection:
        return connection.execute(f"SELECT id, ref FROM {CASE_FILES} ORDER BY id").fetchall()


def test_postgres_evidence_bytes_go_up_while_other_writers_can_write(
    parts, postgres_url, monkeypatch
):
    ref, other = submit(parts), submit(parts)
    sending, seen = files._put, []

    def observed(*args, **kwargs):
        # While the bytes are being written: who holds the lock, and can a note be added?
        holders = write_lock_holders(postgres_url)
        note = threading.Thread(
            target=parts.store.append_events,
            args=([event(other, "officer.a", "note", note="Rang the ward manager back.")],),
        )
        note.start()
        note.join(timeout=20)
        seen.append((holders, note.is_alive()))
        return sending(*args, **kwargs)

    monkeypatch.setattr(files, "_put", observed)
    row = evidence_row(PHOTO)
    assert parts.store.evidence.attach(ref, [(row, PHOTO)], parts.contract) == 1
    assert seen == [(0, False)], "the write lock was held while the bytes went up"
    [listed] = parts.store.evidence.files_of(ref)
    assert parts.store.evidence.read(listed) == PHOTO
    notes = [r for r in parts.store.rows("events") if r["ref"] == other and r["type"] == "note"]
    assert len(notes) == 1


def test_postgres_evidence_bytes_of_a_batch_that_failed_are_never_read_and_go(
    parts, postgres_url, monkeypatch
):
    ref = submit(parts)
    row = evidence_row(PHOTO)

    def refused(decide):
        raise StoreWriteError("the rows could not be stored; nothing was written")

    monkeypatch.setattr(parts.store, "commit_batch", refused)
    with pytest.raises(StoreWriteError):
        parts.store.evidence.attach(ref, [(row, PHOTO)], parts.contract)
    with pytest.raises(EvidenceDamaged):
        parts.store.evidence.read({**row, "ref": ref})
    assert stored(postgres_url) == []


def test_postgres_evidence_bytes_left_without_rows_are_swept_after_a_grace_time(
    parts, postgres_url
):
    # A server that stopped between sending the bytes and writing the rows leaves them behind.
    ref = submit(parts)
    row = evidence_row(PHOTO)
    parts.store.evidence.send_bytes(ref, [(row, PHOTO)])
    assert stored(postgres_url) == [(row["id"], ref)]
    with pytest.raises(EvidenceDamaged):
        parts.store.evidence.read({**row, "ref": ref})
    assert parts.store.evidence.files_of(ref) == []

    parts.drafts.purge()
    assert stored(postgres_url) == [(row["id"], ref)], "an upload in progress keeps its bytes"
    with psycopg.connect(postgres_url) as connection:
        connection.execute(
            f"UPDATE {CASE_FILES} SET staged_at = staged_at - %s", (files.STAGED_GRACE_S + 60,)
        )
    parts.drafts.purge()
    assert stored(postgres_url) == []


def test_postgres_evidence_bytes_whose_rows_came_late_are_attached_once(parts, postgres_url):
    # A retried form: the first attempt's bytes went up, its rows did not.
    ref = submit(parts)
    row = evidence_row(PHOTO)
    parts.store.evidence.send_bytes(ref, [(row, PHOTO)])
    assert parts.store.evidence.attach(ref, [(row, PHOTO)], parts.contract) == 1
    assert parts.store.evidence.attach(ref, [(row, PHOTO)], parts.contract) == 0
    [listed] = parts.store.evidence.files_of(ref)
    assert parts.store.evidence.read(listed) == PHOTO
    files.purge_held(postgres_url, grace_s=0)
    assert parts.store.evidence.read(listed) == PHOTO, "attached bytes are never swept"


def test_postgres_erasure_removes_bytes_of_the_case_that_never_had_rows(parts, postgres_url):
    ref, kept = submit(parts, name="Gwenllian Prydderch"), submit(parts, name="Someone Else")
    parts.store.evidence.send_bytes(ref, [(evidence_row(PHOTO), PHOTO)])
    parts.store.evidence.attach(kept, [(evidence_row(OTHER), OTHER)], parts.contract)
    erase(parts, ref, "error", actor="officer.a")
    assert case_files_stored(postgres_url, [ref]) == 0
    assert case_files_stored(postgres_url, [kept]) == 1


def test_postgres_evidence_file_id_of_another_case_does_not_overwrite_its_bytes(parts):
    theirs, mine = submit(parts), submit(parts)
    row = evidence_row(PHOTO)
    assert parts.store.evidence.attach(theirs, [(row, PHOTO)], parts.contract) == 1
    taken = evidence_row(OTHER, id=row["id"])
    assert parts.store.evidence.attach(mine, [(taken, OTHER)], parts.contract) == 0
    # What an attach racing the first one would send: refused as well.
    assert parts.store.evidence.send_bytes(mine, [(taken, OTHER)]) == []
    [listed] = parts.store.evidence.files_of(theirs)
    assert parts.store.evidence.read(listed) == PHOTO
    assert parts.store.evidence.files_of(mine) == []


def test_postgres_evidence_file_id_of_an_upload_in_progress_does_not_take_its_place(parts):
    theirs, mine = submit(parts), submit(parts)
    row = evidence_row(PHOTO)
    parts.store.evidence.send_bytes(theirs, [(row, PHOTO)])  # their rows are not written yet
    taken = evidence_row(OTHER, id=row["id"])
    with pytest.raises(EvidenceDamaged):
        parts.store.evidence.attach(mine, [(taken, OTHER)], parts.contract)
    assert parts.store.evidence.files_of(mine) == []
    assert parts.store.evidence.attach(theirs, [(row, PHOTO)], parts.contract) == 1
    [listed] = parts.store.evidence.files_of(theirs)
    assert parts.store.evidence.read(listed) == PHOTO


def test_postgres_evidence_bytes_the_database_did_not_take_are_a_store_write_error(
    parts, postgres_url, monkeypatch
):
    ref = submit(parts)

    def lost(*args, **kwargs):
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(files, "_put", lost)
    # The error the pages already answer with "not attached yet", not a server error.
    with pytest.raises(StoreWriteError):
        parts.store.evidence.attach(ref, [(evidence_row(PHOTO), PHOTO)], parts.contract)
    assert stored(postgres_url) == []
