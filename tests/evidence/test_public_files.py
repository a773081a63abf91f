"""A person adds files to a complaint, with the real clamd scanning each one: the good ones go
with the complaint, every bad one gets a clear message in their language and wording, nothing
they typed is lost, and no input gives a server error."""

from __future__ import annotations

import io
import re

import pytest

from tests.support.walker import ANSWERS, csrf_token, walk_to_check

from . import samples

ERRORS = re.compile(r'<ul class="govuk-list govuk-error-summary__list">(.*?)</ul>', re.S)


def problems_on(html: str) -> list[str]:
    found = ERRORS.search(html)
    if not found:
        return []
    return [" ".join(t.split()) for t in re.findall(r'<a href="#files">(.*?)</a>', found.group(1))]


def ready_to_add(client, prefix: str = "") -> str:
    """A complete complaint draft; returns the address of its file page."""
    walk_to_check(client, f"{prefix}/complaint/", ANSWERS["complaint"])
    return f"{prefix}/complaint/add-files"


def upload(client, url: str, *files: tuple[bytes, str], action: str = "upload"):
    page = client.get(url)
    assert page.status_code == 200
    data = {
        "csrf_token": csrf_token(page.get_data(as_text=True)),
        "action": action,
        "files": [(io.BytesIO(content), name) for content, name in files],
    }
    return client.post(url, data=data, content_type="multipart/form-data")


def send(client, prefix: str = ""):
    check = client.get(f"{prefix}/complaint/check-your-answers")
    assert check.status_code == 200
    return client.post(
        f"{prefix}/complaint/check-your-answers",
        data={"csrf_token": csrf_token(check.get_data(as_text=True))},
        follow_redirects=True,
    )


def test_a_photo_and_a_letter_go_with_the_complaint(client, app_parts):
    url = ready_to_add(client)
    added = upload(client, url, (samples.jpeg(), "ward.jpg"), (samples.pdf(), "letter.pdf"))
    assert added.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "ward.jpg" in page and "letter.pdf" in page
    check = client.get("/complaint/check-your-answers").get_data(as_text=True)
    assert "ward.jpg" in check
    sent = send(client)
    assert sent.status_code == 200 and "data-reference" in sent.get_data(as_text=True)
    ref = re.search(r"data-reference>([A-Z0-9-]+)<", sent.get_data(as_text=True)).group(1)
    rows = app_parts.store.evidence.files_of(ref)
    assert [(r["name"], r["kind"], r["scan"], r["added_by"]) for r in rows] == [
        ("ward.jpg", "jpeg", "clean", "person"),
        ("letter.pdf", "pdf", "clean", "person"),
    ]
    # Stored outside the web root, checked against its checksum when read back.
    assert app_parts.store.evidence.read(rows[0]) == samples.jpeg()
    folder = app_parts.settings.data_dir / "evidence" / ref
    assert sorted(p.name for p in folder.iterdir()) == sorted(r["id"] for r in rows)
    # The held copies beside the draft are gone.
    assert not list((app_parts.settings.data_dir / "drafts" / "files").glob("*/*"))


def test_sending_again_attaches_nothing_twice(client, app_parts):
    url = ready_to_add(client)
    upload(client, url, (samples.png(), "map.png"))
    check = client.get("/complaint/check-your-answers")
    token = csrf_token(check.get_data(as_text=True))
    for _click in range(2):  # a second click, or the form sent again after a lost reply
        client.post("/complaint/check-your-answers", data={"csrf_token": token})
    (row,) = app_parts.store.rows("evidence")
    # And the store itself skips a file it holds already.
    data = app_parts.store.evidence.read(row)
    assert app_parts.store.evidence.attach(row["ref"], [(row, data)]) == 0
    assert len(list(app_parts.store.rows("evidence"))) == 1


def test_a_file_can_be_removed_before_sending(client):
    url = ready_to_add(client)
    upload(client, url, (samples.png(), "map.png"))
    page = client.get(url).get_data(as_text=True)
    file_id = re.search(r'name="remove" value="([^"]+)"', page).group(1)
    removed = client.post(url, data={"csrf_token": csrf_token(page), "remove": file_id})
    assert removed.status_code == 302
    assert "map.png" not in client.get(url).get_data(as_text=True)


BAD_FILES = {
    "eicar": ((samples.EICAR, "notes.txt"), "contains a virus"),
    "renamed ELF": ((samples.elf(), "photo.jpg"), "is a program"),
    "renamed MZ": ((samples.mz(), "photo.jpg"), "is a program"),
    "empty": ((b"", "empty.pdf"), "is empty"),
    "over the limit": ((samples.jpeg() + bytes(11 * 1024 * 1024), "big.jpg"), "smaller than 10 MB"),
    "PDF with JavaScript": ((samples.pdf_with_script(), "form.pdf"), "contains code that runs"),
    "zip bomb in a docx": ((samples.docx_bomb(), "notes.docx"), "damaged or too big"),
}
WELSH = {
    "eicar": "firws",
    "renamed ELF": "rhaglen",
    "renamed MZ": "rhaglen",
    "empty": "wag",
    "over the limit": "llai na 10 MB",
    "PDF with JavaScript": "cod",
    "zip bomb in a docx": "rhy fawr",
}


@pytest.mark.parametrize("bad", list(BAD_FILES))
def test_each_bad_file_is_refused_with_a_message_and_nothing_is_lost(client, app_parts, bad):
    (content, name), words = BAD_FILES[bad]
    url = ready_to_add(client)
    upload(client, url, (samples.jpeg(), "kept.jpg"))
    refused = upload(client, url, (content, name))
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert any(words in problem and name in problem for problem in problems_on(html)), problems_on(
        html
    )
    # The file already added stays listed; every answer is still in the draft.
    assert "kept.jpg" in html
    check = client.get("/complaint/check-your-answers")
    assert check.status_code == 200
    assert "Mam missed her tea" in check.get_data(as_text=True)
    assert "kept.jpg" in check.get_data(as_text=True)


@pytest.mark.parametrize("bad", list(BAD_FILES))
def test_each_bad_file_is_refused_in_welsh_for_a_welsh_journey(client, bad):
    (content, name), _english = BAD_FILES[bad]
    url = ready_to_add(client, "/cy")
    refused = upload(client, url, (content, name))
    assert refused.status_code == 400
    problems = problems_on(refused.get_data(as_text=True))
    assert any(WELSH[bad] in problem and name in problem for problem in problems), problems
    assert 'lang="cy"' in refused.get_data(as_text=True)


def test_a_virus_is_kept_in_quarantine_and_staff_are_told(client, app_parts):
    url = ready_to_add(client)
    upload(client, url, (samples.EICAR, "notes.txt"))
    page = client.get(url).get_data(as_text=True)
    assert "notes.txt" not in page  # not shown to the person as added
    sent = send(client)
    ref = re.search(r"data-reference>([A-Z0-9-]+)<", sent.get_data(as_text=True)).group(1)
    (row,) = app_parts.store.evidence.files_of(ref)
    assert row["scan"] == "infected" and "eicar" in row["finding"].lower()


def test_fifty_files_at_once_keep_the_first_ten_and_say_so(client):
    url = ready_to_add(client)
    files = [(samples.png(), f"page-{n:02}.png") for n in range(50)]
    refused = upload(client, url, *files)
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    problems = problems_on(html)
    assert len(problems) == 40
    assert all("up to 10 files" in problem for problem in problems)
    assert "page-09.png" in html
    assert html.count('name="remove"') == 10


def test_an_upload_over_the_request_limit_gets_a_page_that_keeps_everything(app, client):
    app.config["UPLOAD_MAX_CONTENT_LENGTH"] = 200_000
    url = ready_to_add(client)
    upload(client, url, (samples.jpeg(), "kept.jpg"))
    refused = upload(client, url, (samples.jpeg() + bytes(300_000), "huge.jpg"))
    assert refused.status_code == 413
    html = refused.get_data(as_text=True)
    assert "too big together" in problems_on(html)[0]
    assert "kept.jpg" in html
    check = client.get("/complaint/check-your-answers").get_data(as_text=True)
    assert "Mam missed her tea" in check


def test_other_pages_keep_the_small_request_limit(client):
    ready_to_add(client)
    page = client.get("/complaint/what-happened")
    response = client.post(
        "/complaint/what-happened",
        data={"csrf_token": csrf_token(page.get_data(as_text=True)), "details": "x" * 2_000_000},
    )
    assert response.status_code == 413


def test_no_scanner_in_production_means_no_file_page(data_dir, monkeypatch):
    from forms_app.evidence import scanner_from

    assert scanner_from("none", production=True) is None
    from forms_app import create_app
    from forms_app.organisation.settings import EXAMPLE_SETTINGS

    monkeypatch.delenv("FORMS_APP_CLAMD", raising=False)
    app = create_app(str(EXAMPLE_SETTINGS))
    app.config.update(TESTING=True)
    client = app.test_client()
    walk_to_check(client, "/complaint/", ANSWERS["complaint"])
    # Not offered: the page sends the person on, and check answers has no files row.
    assert client.get("/complaint/add-files").status_code == 302
    check = client.get("/complaint/check-your-answers").get_data(as_text=True)
    assert "Add photos" not in check
