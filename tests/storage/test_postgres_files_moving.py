"""``feedback migrate-store`` moves the bytes of the files added to cases and the produced
letters into PostgreSQL and back, with the rows, against a real server."""

from __future__ import annotations

from forms_app.letters.database_letters import DatabaseLetters
from forms_app.letters.document import LetterFiles
from forms_app.storage.evidence import new_file_id, sha256_of
from forms_app.storage.postgres import PostgresStore
from forms_app.storage.postgres.files import case_files_stored
from tests.storage.test_postgres_moving import TABLES, feedback
from tests.support.staff import submit

PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
TEXT = "Dear Dafydd Parry,\n\nThank you for your complaint.\n"


def test_migrate_store_moves_evidence_bytes_and_letters_into_postgres_and_back(
    app_parts, postgres_url, tmp_path
):
    data_dir = app_parts.settings.data_dir
    ref = submit(app_parts, name="Dafydd Parry")
    row = {
        "id": new_file_id(), "name": "step.png", "kind": "png", "size": str(len(PHOTO)),
        "sha256": sha256_of(PHOTO), "scan": "clean", "finding": "", "added_by": "person",
        "at": "2026-12-07T06:00:00.000000+00:00",
    }  # fmt: skip
    assert app_parts.store.evidence.attach(ref, [(row, PHOTO)], app_parts.contract) == 1
    meta = {"ref": ref, "template": "acknowledgement", "name": "Dafydd Parry"}
    LetterFiles(data_dir).save(ref, "letter-0001", TEXT, meta)

    moved_in = feedback(data_dir, "migrate-store", "--to", postgres_url)
    assert moved_in.exit_code == 0, moved_in.output
    assert "evidence_files: 1 files" in moved_in.output and "letters: 1 letters" in moved_in.output
    assert case_files_stored(postgres_url, [ref]) == 1
    database = PostgresStore(postgres_url, tmp_path / "elsewhere", TABLES)
    [stored] = database.evidence.files_of(ref)
    assert database.evidence.read(stored) == PHOTO, "read from the database, not the folder"
    assert DatabaseLetters(tmp_path / "elsewhere", postgres_url).load(ref, "letter-0001") == (
        TEXT,
        meta,
    )

    back = tmp_path / "back"
    moved_out = feedback(back, "migrate-store", "--from", postgres_url, "--data-dir", back)
    assert moved_out.exit_code == 0, moved_out.output
    assert (back / "evidence" / ref / row["id"]).read_bytes() == PHOTO
    for suffix in (".md", ".json"):
        name = f"letter-0001{suffix}"
        assert (back / "letters" / ref / name).read_bytes() == (
            data_dir / "letters" / ref / name
        ).read_bytes()
