"""Adding files from the tracking page, with the real clamd scanning each one: a file that is
taken is stored with the case and becomes a case event staff see and are alerted to, opened by
staff only once scanned; every bad file gets the journey's own message in the person's language
and wording, what they added before stays, and no input gives a server error."""

from __future__ import annotations

import io
import re

import pytest

from forms_app.casework import transitions as t
from forms_app.evidence import Limits
from tests.evidence import samples
from tests.evidence.test_public_files import BAD_FILES, WELSH, problems_on
from tests.support.walker import csrf_token

from . import scanning
from .conftest import staff_do, tracked
from .scanning import add, person_files

# This module's app scans with a real clamd (the fixtures of ``scanning``).
clamd_socket = scanning.clamd_socket
app = scanning.app

REPLY = "The carer came at 9 today. Thank you, but Mam still has no evening visit."


def test_a_photo_and_a_letter_become_events_staff_see_and_are_alerted_to(
    client, app_parts, notify, signed_in
):
    olive = signed_in("olive")
    sent, page = tracked(client, app_parts, notify)
    assert 'enctype="multipart/form-data"' in page.get_data(as_text=True)
    staff_do(
        app_parts,
        sent.reference,
        t.assign,
        "olive",
        owners={"olive"},
        procedure=app_parts.procedure,
    )
    added = add(client, (samples.jpeg(), "hallway.jpg"), (samples.pdf(), "letter.pdf"))
    assert added.status_code == 303
    shown = client.get(added.headers["Location"]).get_data(as_text=True)
    assert "We have received your files" in shown
    assert "hallway.jpg" in shown and "letter.pdf" in shown  # listed as sent
    rows = person_files(app_parts, sent.reference)
    assert [(r["name"], r["kind"], r["scan"]) for r in rows] == [
        ("hallway.jpg", "jpeg", "clean"),
        ("letter.pdf", "pdf", "clean"),
    ]
    assert app_parts.store.evidence.read(rows[0]) == samples.jpeg()
    events = [r for r in app_parts.store.rows("events") if r["type"] == "person_added_file"]
    assert [(e["ref"], e["actor"], e["value"], e["note"]) for e in events] == [
        (sent.reference, "person", rows[0]["id"], "hallway.jpg"),
        (sent.reference, "person", rows[1]["id"], "letter.pdf"),
    ]
    case_page = olive.get(f"/staff/cases/{sent.reference}").get_data(as_text=True)
    assert "File from the person (tracking page)" in case_page and "hallway.jpg" in case_page
    assert "The person, from the tracking page" in case_page
    home = olive.get("/staff/").get_data(as_text=True)
    assert "data-new-replies" in home and "2 new files" in home
    download = olive.get(f"/staff/cases/{sent.reference}/files/{rows[0]['id']}")
    assert download.status_code == 200 and download.data == samples.jpeg()
    assert download.headers["Content-Disposition"].startswith("attachment;")
    # A reply and a file together are both counted; once staff act, neither is new.
    assert add(client, (samples.png(), "map.png")).status_code == 303
    page = client.get("/track/case").get_data(as_text=True)
    client.post("/track/reply", data={"csrf_token": csrf_token(page), "message": REPLY})
    home = olive.get("/staff/").get_data(as_text=True)
    assert "1 new message, 3 new files" in home
    staff_do(app_parts, sent.reference, t.acknowledge)
    assert "data-new-replies" not in olive.get("/staff/").get_data(as_text=True)


@pytest.mark.parametrize("bad", list(BAD_FILES))
def test_each_bad_file_gets_the_journeys_message_and_earlier_files_stay(
    client, app_parts, notify, bad
):
    (content, name), words = BAD_FILES[bad]
    sent, _page = tracked(client, app_parts, notify)
    assert add(client, (samples.jpeg(), "kept.jpg")).status_code == 303
    refused = add(client, (content, name))
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    problems = problems_on(html)
    assert any(words in problem and name in problem for problem in problems), problems
    assert 'class="govuk-file-upload govuk-file-upload--error"' in html
    assert "kept.jpg" in html  # still listed as sent
    shown = [r["name"] for r in person_files(app_parts, sent.reference) if r["scan"] == "clean"]
    assert shown == ["kept.jpg"]


@pytest.mark.parametrize("bad", list(BAD_FILES))
def test_each_bad_file_is_refused_in_welsh_for_a_welsh_case(client, app_parts, notify, bad):
    (content, name), _english = BAD_FILES[bad]
    tracked(client, app_parts, notify, start="/cy/complaint/")
    refused = add(client, (content, name), prefix="/cy")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert 'lang="cy"' in html and "Ychwanegu ffeiliau" in html
    problems = problems_on(html)
    assert any(WELSH[bad] in problem and name in problem for problem in problems), problems


def test_easy_read_welsh_gets_its_own_words(client, app_parts, notify):
    tracked(client, app_parts, notify, start="/cy/easy-read/complaint/")
    refused = add(client, (samples.elf(), "llun.jpg"), prefix="/cy/easy-read")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Ychwanegu lluniau neu lythyrau" in html and "Dewiswch eich ffeiliau" in html
    (problem,) = problems_on(html)
    assert "llun.jpg" in problem and "Allwn ni ddim ei derbyn" in problem  # easy read
    added = add(client, (samples.jpeg(), "llun-go-iawn.jpg"), prefix="/cy/easy-read")
    assert added.status_code == 303
    shown = client.get(added.headers["Location"]).get_data(as_text=True)
    assert "Cawsom eich ffeiliau" in shown and "llun-go-iawn.jpg" in shown


def test_a_virus_is_kept_in_quarantine_never_listed_and_never_served(
    client, app_parts, notify, signed_in
):
    olive = signed_in("olive")
    sent, _page = tracked(client, app_parts, notify)
    refused = add(client, (samples.EICAR, "notes.txt"))
    assert refused.status_code == 400
    assert "notes.txt" not in refused.get_data(as_text=True).split("data-files-sent")[-1][:200]
    assert "We have received your files" not in refused.get_data(as_text=True)
    (row,) = person_files(app_parts, sent.reference)
    assert row["scan"] == "infected" and "eicar" in row["finding"].lower()
    assert olive.get(f"/staff/cases/{sent.reference}/files/{row['id']}").status_code == 404


def test_fifty_files_at_once_keep_the_first_ten_and_say_so(client, app_parts, notify):
    sent, _page = tracked(client, app_parts, notify)
    refused = add(client, *[(samples.png(), f"page-{n:02}.png") for n in range(50)])
    assert refused.status_code == 400
    problems = problems_on(refused.get_data(as_text=True))
    assert len(problems) == 40 and all("up to 10 files" in p for p in problems)
    assert len(person_files(app_parts, sent.reference)) == 10
    assert "We have received your files" in refused.get_data(as_text=True)


def test_a_case_holds_a_bounded_number_of_the_persons_files(app, client, app_parts, notify):
    app.config["EVIDENCE_LIMITS"] = Limits(files=2)
    sent, _page = tracked(client, app_parts, notify)
    for n in range(3):
        pair = [(samples.png(), f"p{n}-{m}.png") for m in range(2)]
        assert add(client, *pair).status_code == 303
    refused = add(client, (samples.png(), "one-more.png"))
    assert refused.status_code == 400
    (problem,) = problems_on(refused.get_data(as_text=True))
    assert "up to 6 files" in problem and "one-more.png" in problem
    assert len(person_files(app_parts, sent.reference)) == 6


def test_an_upload_over_the_request_limit_shows_the_case_page_saying_so(
    app, client, app_parts, notify
):
    app.config["UPLOAD_MAX_CONTENT_LENGTH"] = 200_000
    sent, _page = tracked(client, app_parts, notify)
    refused = add(client, (samples.jpeg() + bytes(300_000), "huge.jpg"))
    assert refused.status_code == 413
    html = refused.get_data(as_text=True)
    assert "too big together" in problems_on(html)[0]
    assert sent.reference in html
    assert person_files(app_parts, sent.reference) == []


def test_choosing_no_file_says_so(client, app_parts, notify):
    tracked(client, app_parts, notify)
    page = client.get("/track/case").get_data(as_text=True)
    empty = client.post(
        "/track/files",
        data={"csrf_token": csrf_token(page), "files": [(io.BytesIO(b""), "")]},
        content_type="multipart/form-data",
    )
    assert empty.status_code == 400
    assert problems_on(empty.get_data(as_text=True)) == ["Choose a file to add"]


def test_without_a_tracking_session_nothing_is_stored(client, app_parts, notify):
    sent, _page = tracked(client, app_parts, notify)
    token = csrf_token(client.get("/track/case").get_data(as_text=True))
    finished = client.post("/track/finish", data={"csrf_token": token})
    assert finished.status_code == 303
    token = csrf_token(client.get("/track").get_data(as_text=True))
    answer = client.post(
        "/track/files",
        data={"csrf_token": token, "files": [(io.BytesIO(samples.png()), "map.png")]},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 302 and "/track" in answer.headers["Location"]
    assert person_files(app_parts, sent.reference) == []


def test_a_file_scanned_when_the_scanner_is_away_is_checked_before_staff_open_it(
    app, client, app_parts, notify, signed_in, clamd_socket
):
    from forms_app.evidence import Clamd

    olive = signed_in("olive")
    sent, _page = tracked(client, app_parts, notify)
    app.extensions["evidence_scanner"] = Clamd(path=str(clamd_socket) + ".gone")
    assert add(client, (samples.EICAR, "later.txt")).status_code == 303
    (row,) = person_files(app_parts, sent.reference)
    assert row["scan"] == "pending"
    assert olive.get(f"/staff/cases/{sent.reference}/files/{row['id']}").status_code == 404
    app.extensions["evidence_scanner"] = Clamd(path=str(clamd_socket))
    case_page = olive.get(f"/staff/cases/{sent.reference}").get_data(as_text=True)
    assert re.search(r"later\.txt", case_page)
    (row,) = person_files(app_parts, sent.reference)
    assert row["scan"] == "infected"  # found by the scan again, never served
    assert olive.get(f"/staff/cases/{sent.reference}/files/{row['id']}").status_code == 404


def test_hostile_file_names_and_broken_bodies_never_give_a_server_error(client, app_parts, notify):
    sent, _page = tracked(client, app_parts, notify)
    names = ["../../etc/passwd.jpg", "..", "a\x00b.jpg", "<script>x</script>.png", "ŵ" * 400]
    for name in names:
        answer = add(client, (samples.png(), name))
        assert answer.status_code == 303, name
    stored = [r["name"] for r in person_files(app_parts, sent.reference)]
    assert all("/" not in n and "\x00" not in n and "<" not in n for n in stored), stored
    assert len(stored) == len(names)
    notes = [r["note"] for r in app_parts.store.rows("events") if r["type"] == "person_added_file"]
    assert notes == stored  # the event names the file as it was kept
    token = csrf_token(client.get("/track/case").get_data(as_text=True))
    for body in (b"--x\r\nbroken", b"", b"files=%FF"):
        answer = client.post(
            "/track/files",
            data=body,
            content_type="multipart/form-data; boundary=x",
            headers={"X-CSRFToken": token},
        )
        assert answer.status_code in (400, 422), (body, answer.status_code)
    assert len(person_files(app_parts, sent.reference)) == len(names)
