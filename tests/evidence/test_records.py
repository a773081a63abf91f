"""Evidence files reach backups (and the restore drill checks them), subject access, retention
purge and erasure, and an old data directory is upgraded to have the evidence table."""

from __future__ import annotations

import json
import os
import zipfile
from datetime import UTC, datetime

from forms_app.records.retention.rewrite import remove_cases
from forms_app.records.retention.subject_access import subject_access
from forms_app.storage.backup import restore_drill, take_backup
from forms_app.storage.drafts import new_draft_id
from forms_app.storage.evidence import new_file_id, sha256_of
from tests.support.staff import submit

from . import samples


def _add(app_parts, ref, data, name, scan="clean"):
    row = {
        "id": new_file_id(),
        "name": name,
        "kind": "jpeg" if data.startswith(b"\xff\xd8") else "text",
        "size": str(len(data)),
        "sha256": sha256_of(data),
        "scan": scan,
        "finding": "",
        "added_by": "person",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    app_parts.store.evidence.attach(ref, [(row, data)])
    return row


def _tables(app_parts):
    return {name: app_parts.contract.columns(name) for name in app_parts.contract.resource_names}


def test_a_backup_holds_each_file_with_its_checksum_and_the_drill_checks_them(app_parts, tmp_path):
    ref = submit(app_parts)
    row = _add(app_parts, ref, samples.jpeg(), "ward.jpg")
    backup = take_backup(app_parts.store, tmp_path / "backups")
    relative = f"evidence/{ref}/{row['id']}"
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["files"][relative]["sha256"] == row["sha256"]
    assert restore_drill(backup, _tables(app_parts)).ok
    # A file changed in the backup (and its manifest entry with it) is still caught by its row.
    (backup / relative).write_bytes(samples.png())
    manifest["files"][relative].update(bytes=len(samples.png()), sha256=sha256_of(samples.png()))
    (backup / "manifest.json").write_text(json.dumps(manifest))
    report = restore_drill(backup, _tables(app_parts))
    assert not report.ok
    assert any("does not match its checksum" in problem for problem in report.problems)


def test_subject_access_copies_passed_files_and_lists_a_quarantined_one(app_parts, tmp_path):
    ref = submit(app_parts, email="ceri.example@example.com")
    _add(app_parts, ref, samples.jpeg(), "ward.jpg")
    _add(app_parts, ref, samples.EICAR, "bad.txt", scan="infected")
    result = subject_access(app_parts, tmp_path / "answer.zip", ref=ref, actor="mina")
    with zipfile.ZipFile(result.output) as answer:
        names = answer.namelist()
        copied = [name for name in names if name.startswith("evidence/")]
        assert len(copied) == 1 and copied[0].endswith("ward.jpg")
        assert answer.read(copied[0]) == samples.jpeg()
        assert "bad.txt" in answer.read("evidence.csv").decode()
        assert "files added to your case" in answer.read("cover-note.txt").decode()
    assert result.records["evidence"] == 2 and result.records["evidence_files"] == 1


def test_removing_a_case_removes_its_files_and_rows_and_keeps_others(app_parts):
    gone = submit(app_parts)
    kept = submit(app_parts)
    _add(app_parts, gone, samples.jpeg(), "gone.jpg")
    _add(app_parts, kept, samples.png(), "kept.png")
    counts = remove_cases(app_parts.store, [gone], operation="purge")
    assert counts["evidence"] == 1 and counts["evidence_files"] == 1
    data_dir = app_parts.settings.data_dir
    assert not (data_dir / "evidence" / gone).exists()
    assert [r["name"] for r in app_parts.store.rows("evidence")] == ["kept.png"]
    assert len(list((data_dir / "evidence" / kept).iterdir())) == 1


def test_files_held_for_a_draft_go_when_the_draft_is_purged(app_parts):
    drafts = app_parts.drafts
    evidence = app_parts.store.evidence
    old_id, live_id = new_draft_id("0123456789abcdef"), new_draft_id("fedcba9876543210")
    for draft_id, data in ((old_id, samples.jpeg()), (live_id, samples.png())):
        drafts.save(draft_id, {"journeys": {}})
        evidence.hold(draft_id, new_file_id(), data)
    owner, token = old_id.split(".")
    os.utime(drafts.directory / owner / f"{token}.json", (0, 0))
    assert drafts.purge() == 1
    held = drafts.directory / "files"
    assert sorted(p.name for p in held.iterdir()) == [live_id]
