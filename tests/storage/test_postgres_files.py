"""Evidence files and produced letters kept in the shared PostgreSQL database (against a real
server): stored with their rows in one transaction, checked on every read, held beside drafts
and purged with them, reached by subject access, and removed by erasure from the database
itself, not only from a data directory."""

from __future__ import annotations

import zipfile

import psycopg
import pytest

from forms_app.letters.database_letters import DatabaseLetters
from forms_app.letters.document import LetterFiles
from forms_app.records.retention import reach
from forms_app.records.retention.erasure import erase
from forms_app.records.retention.subject_access import subject_access
from forms_app.storage import EvidenceDamaged
from forms_app.storage.drafts import draft_owner, new_draft_id
from forms_app.storage.evidence import new_file_id
from forms_app.storage.postgres.files import (
    CASE_FILES,
    HELD_FILES,
    DatabaseEvidenceFiles,
    case_files_stored,
)
from tests.support.evidence_rows import evidence_row
from tests.support.staff import submit

PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
LETTER_TEXT = "Dear Gwenllian Prydderch,\n\nThank you for telling us about the late visit.\n"


def stored_bytes(url: str, table: str) -> list[tuple]:
    with psycopg.connect(url) as connection:
        return connection.execute(f"SELECT id, data FROM {table} ORDER BY id").fetchall()


def test_postgres_evidence_bytes_are_kept_in_the_database_not_the_data_directory(
    parts, postgres_url
):
    ref = submit(parts, name="Gwenllian Prydderch")
    evidence = parts.store.evidence
    assert isinstance(evidence, DatabaseEvidenceFiles)
    row = evidence_row(PHOTO)
    assert evidence.attach(ref, [(row, PHOTO)], parts.contract) == 1
    assert evidence.attach(ref, [(row, PHOTO)], parts.contract) == 0, "nothing twice"
    [listed] = evidence.files_of(ref)
    assert listed["id"] == row["id"] and listed["ref"] == ref
    assert evidence.read(listed) == PHOTO
    assert [(i, bytes(d)) for i, d in stored_bytes(postgres_url, CASE_FILES)] == [
        (row["id"], PHOTO)
    ]
    assert not (parts.settings.data_dir / "evidence").exists()


def test_postgres_evidence_row_and_bytes_commit_together_or_not_at_all(parts, postgres_url):
    ref = submit(parts)
    good, bad = evidence_row(PHOTO), evidence_row(PHOTO, scan="not-a-scan-state")
    with pytest.raises(ValueError):
        # No contract given: the store itself refuses the second row, after the bytes of
        # both were written in the same transaction.
        parts.store.evidence.attach(ref, [(good, PHOTO), (bad, PHOTO)])
    assert stored_bytes(postgres_url, CASE_FILES) == []
    assert parts.store.evidence.files_of(ref) == []


def test_postgres_evidence_read_refuses_bytes_that_no_longer_match_their_checksum(
    parts, postgres_url
):
    ref = submit(parts)
    row = evidence_row(PHOTO)
    parts.store.evidence.attach(ref, [(row, PHOTO)])
    with psycopg.connect(postgres_url) as connection:
        connection.execute(
            f"UPDATE {CASE_FILES} SET data = %s WHERE id = %s", (PHOTO[:-1] + b"!", row["id"])
        )
    [listed] = parts.store.evidence.files_of(ref)
    with pytest.raises(EvidenceDamaged):
        parts.store.evidence.read(listed)
    other = submit(parts)
    with pytest.raises(EvidenceDamaged):  # another case's row cannot reach these bytes
        parts.store.evidence.read({**listed, "ref": other})


def test_postgres_evidence_kept_on_disk_before_the_move_is_still_read_and_checked(parts):
    ref = submit(parts)
    row = evidence_row(PHOTO)
    folder = parts.settings.data_dir / "evidence" / ref
    folder.mkdir(parents=True)
    (folder / row["id"]).write_bytes(PHOTO)
    parts.store.append("evidence", [{**row, "ref": ref}])
    [listed] = parts.store.evidence.files_of(ref)
    assert parts.store.evidence.read(listed) == PHOTO
    (folder / row["id"]).write_bytes(b"changed")
    with pytest.raises(EvidenceDamaged):
        parts.store.evidence.read(listed)


def test_postgres_held_files_are_shared_and_go_with_their_draft(parts, postgres_url):
    evidence, drafts = parts.store.evidence, parts.drafts
    owner = draft_owner("198.51.100.7", "secret")
    kept, purged = new_draft_id(owner), new_draft_id(owner)
    drafts.save(kept, {"answers": {}})
    drafts.save(purged, {"answers": {}})
    file_id = new_file_id()
    evidence.hold(kept, file_id, PHOTO)
    evidence.hold(purged, file_id, b"other bytes")
    assert evidence.held(kept, file_id) == PHOTO
    assert not (parts.settings.data_dir / "drafts" / "files").exists()
    with pytest.raises(ValueError):
        evidence.hold("../../etc", file_id, PHOTO)
    assert evidence.held("../../etc", file_id) is None

    drafts.delete(purged)
    drafts.purge(idle_seconds=3600)
    assert evidence.held(kept, file_id) == PHOTO
    assert evidence.held(purged, file_id) is None
    assert len(stored_bytes(postgres_url, HELD_FILES)) == 1

    evidence.drop_held(kept)
    assert evidence.held(kept, file_id) is None


def test_postgres_letters_are_kept_in_the_database_and_read_back(parts, postgres_url):
    data_dir = parts.settings.data_dir
    letters = LetterFiles(data_dir)
    assert isinstance(letters, DatabaseLetters)
    meta = {"ref": "AB12-CD34", "template": "acknowledgement", "name": "Gwenllian Prydderch"}
    letters.save("AB12-CD34", "letter-0001", LETTER_TEXT, meta)
    assert LetterFiles(data_dir).load("AB12-CD34", "letter-0001") == (LETTER_TEXT, meta)
    assert LetterFiles(data_dir).load("AB12-CD34", "letter-0002") is None
    assert LetterFiles(data_dir).load("../x", "letter-0001") is None
    assert not (data_dir / "letters").exists()
    assert list(letters.every()) == [("AB12-CD34", "letter-0001")]


def test_postgres_subject_access_copies_letters_and_files_and_erasure_removes_them(
    parts, postgres_url, tmp_path
):
    data_dir = parts.settings.data_dir
    ref = submit(parts, name="Gwenllian Prydderch")
    kept = submit(parts, name="Someone Else")
    row, other = evidence_row(PHOTO), evidence_row(b"%PDF-1.4 kept", name="kept.pdf", kind="pdf")
    parts.store.evidence.attach(ref, [(row, PHOTO)], parts.contract)
    parts.store.evidence.attach(kept, [(other, b"%PDF-1.4 kept")], parts.contract)
    letters = LetterFiles(data_dir)
    letters.save(ref, "letter-0001", LETTER_TEXT, {"ref": ref, "template": "acknowledgement"})
    letters.save(kept, "letter-0002", "Dear Someone,\n", {"ref": kept})

    answer = subject_access(parts, tmp_path / "answer.zip", actor="officer.a", ref=ref)
    assert answer.records["letters"] == 2 and answer.records["evidence_files"] == 1
    with zipfile.ZipFile(tmp_path / "answer.zip") as package:
        names = package.namelist()
        assert package.read(f"letters/{ref}/letter-0001.md").decode() == LETTER_TEXT
        assert [n for n in names if n.startswith("evidence/")], names
        assert package.read(next(n for n in names if n.startswith("evidence/"))) == PHOTO

    erase(parts, ref, "error", actor="officer.a")
    assert case_files_stored(postgres_url, [ref]) == 0
    assert PHOTO not in [bytes(data) for _id, data in stored_bytes(postgres_url, CASE_FILES)]
    assert LetterFiles(data_dir).load(ref, "letter-0001") is None
    assert reach.letter_files(data_dir, ref) == {}
    # The other case keeps its file and its letter.
    assert case_files_stored(postgres_url, [kept]) == 1
    assert LetterFiles(data_dir).load(kept, "letter-0002") == ("Dear Someone,\n", {"ref": kept})
