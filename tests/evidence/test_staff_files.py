"""Staff see a case's files with their virus check, open only those passed, add their own, and
never reach a file through a case they may not see."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

from forms_app.evidence import Clamd
from forms_app.storage.evidence import new_file_id, sha256_of
from forms_app.storage.package_check import validate_package
from tests.support.staff import submit
from tests.support.walker import csrf_token

from . import samples


def add_file(app_parts, ref, data, name, *, scan="clean", finding="", added_by="person"):
    row = {
        "id": new_file_id(),
        "name": name,
        "kind": "jpeg" if data.startswith(b"\xff\xd8") else "text",
        "size": str(len(data)),
        "sha256": sha256_of(data),
        "scan": scan,
        "finding": finding,
        "added_by": added_by,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    app_parts.store.evidence.attach(ref, [(row, data)])
    return row["id"]


def test_staff_download_a_passed_file_as_an_attachment_that_never_runs(signed_in, app_parts):
    olive = signed_in("olive")
    ref = submit(app_parts, service="home-care")
    file_id = add_file(app_parts, ref, samples.jpeg(), "ward <script>.jpg")
    page = olive.get(f"/staff/cases/{ref}").get_data(as_text=True)
    assert "No virus found" in page
    assert f"/staff/cases/{ref}/files/{file_id}" in page
    response = olive.get(f"/staff/cases/{ref}/files/{file_id}")
    assert response.status_code == 200
    assert response.data == samples.jpeg()
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="ward')
    assert "<" not in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_file_on_a_case_staff_may_not_see_is_not_found(signed_in, app_parts):
    oscar = signed_in("oscar")  # mental health only
    ref = submit(app_parts, service="home-care")
    file_id = add_file(app_parts, ref, samples.jpeg(), "ward.jpg")
    assert oscar.get(f"/staff/cases/{ref}/files/{file_id}").status_code == 404


def test_a_file_with_a_virus_is_shown_as_refused_and_never_served(signed_in, app_parts):
    olive = signed_in("olive")
    ref = submit(app_parts, service="home-care")
    file_id = add_file(
        app_parts, ref, samples.EICAR, "notes.txt", scan="infected", finding="eicar.txt.UNOFFICIAL"
    )
    page = olive.get(f"/staff/cases/{ref}").get_data(as_text=True)
    assert "A file was refused because it contained a virus" in page
    assert f"/files/{file_id}" not in page
    assert olive.get(f"/staff/cases/{ref}/files/{file_id}").status_code == 404
    # Quarantined, not deleted.
    assert app_parts.store.evidence.read(app_parts.store.evidence.files_of(ref)[0]) == (
        samples.EICAR
    )


def test_a_file_being_checked_cannot_be_opened_until_clamd_has_passed_it(
    signed_in, app, app_parts, clamd_socket, tmp_path
):
    olive = signed_in("olive")
    ref = submit(app_parts, service="home-care")
    file_id = add_file(app_parts, ref, samples.jpeg(), "ward.jpg", scan="pending")
    # While the scanner cannot be reached the file stays "being checked".
    app.extensions["evidence_scanner"] = Clamd(path=str(tmp_path / "gone.sock"), timeout=1)
    page = olive.get(f"/staff/cases/{ref}").get_data(as_text=True)
    assert "Being checked" in page
    assert olive.get(f"/staff/cases/{ref}/files/{file_id}").status_code == 404
    # Back again: the next view of the case scans it and it opens.
    app.extensions["evidence_scanner"] = Clamd(path=str(clamd_socket))
    page = olive.get(f"/staff/cases/{ref}").get_data(as_text=True)
    assert "No virus found" in page
    assert olive.get(f"/staff/cases/{ref}/files/{file_id}").status_code == 200
    assert [r["scan"] for r in app_parts.store.rows("evidence")] == ["pending", "clean"]
    # Two rows for one file, told apart by their time: the package is still valid.
    checked = validate_package(app_parts.settings.data_dir)
    assert checked.valid, checked.errors


def test_staff_add_files_to_a_case_and_a_virus_is_quarantined(signed_in, app_parts):
    olive = signed_in("olive")
    ref = submit(app_parts, service="home-care")
    page = olive.get(f"/staff/cases/{ref}").get_data(as_text=True)
    response = olive.post(
        f"/staff/cases/{ref}/files",
        data={
            "csrf_token": csrf_token(page),
            "files": [
                (io.BytesIO(samples.pdf()), "reply.pdf"),
                (io.BytesIO(samples.EICAR), "bad.txt"),
                (io.BytesIO(samples.elf()), "scan.jpg"),
            ],
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "bad.txt contains a virus" in html
    assert "is a program" in html
    rows = {r["name"]: r for r in app_parts.store.evidence.files_of(ref)}
    assert set(rows) == {"reply.pdf", "bad.txt"}
    assert rows["reply.pdf"]["added_by"] == "olive" and rows["reply.pdf"]["scan"] == "clean"
    assert rows["bad.txt"]["scan"] == "infected"
    assert re.search(r"A file was refused because it contained a virus", html)


def test_staff_upload_over_the_request_limit_says_so_with_the_way_back(signed_in, app, app_parts):
    app.config["UPLOAD_MAX_CONTENT_LENGTH"] = 100_000
    olive = signed_in("olive")
    ref = submit(app_parts, service="home-care")
    page = olive.get(f"/staff/cases/{ref}").get_data(as_text=True)
    response = olive.post(
        f"/staff/cases/{ref}/files",
        data={"csrf_token": csrf_token(page), "files": [(io.BytesIO(bytes(200_000)), "a.txt")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "too big together" in response.get_data(as_text=True)
