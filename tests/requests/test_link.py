"""An investigating manager without an account is asked through a link: the officer asks, the
email carries the link, the link shows only what was shared, the answer with a file becomes a
case event and the officer hears of it; the link is then spent. Revoked, expired and unknown
links give one and the same page."""

from __future__ import annotations

import io
import re
import time

from forms_app.casework.request_links import Links
from tests.support.staff import csrf

from .conftest import (
    DETAILS,
    PERSON_EMAIL,
    PERSON_NAME,
    SHARED_FILE,
    ask,
    audit_actions,
    file_id,
    link_in,
)

MANAGER = "idris.manager@trust.example.org"


def _ask_idris(world, **fields):
    olive = world.client("olive")
    response = ask(
        olive,
        world.ref,
        who="link",
        name="Idris Manager",
        email=MANAGER,
        question="Please send a statement about the visit on 3 March.",
        **fields,
    )
    assert response.status_code == 303, response.text
    (body,) = world.inbox.to(MANAGER)
    return olive, link_in(body), body


def _main(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


def test_the_manager_answers_through_the_link_and_the_officer_is_told(world):
    shared = file_id(world, "visit-log.txt")
    olive, link, body = _ask_idris(world, shares="account_and_files", files=shared)
    assert world.ref in body and PERSON_NAME not in body and PERSON_EMAIL not in body

    manager = world.app.test_client()
    page = manager.get(link)
    assert page.status_code == 200
    assert DETAILS in page.text and "visit on 3 March" in page.text
    assert "visit-log.txt" in page.text
    for private in (PERSON_NAME, PERSON_EMAIL, "Mill Lane", "EX1 2AB"):
        assert private not in page.text
    download = manager.get(f"{link}/files/{shared}")
    assert download.status_code == 200 and download.data == SHARED_FILE

    answer = manager.post(
        link,
        data={
            "csrf_token": csrf(page.text),
            "answer": "The carer was held up by an emergency at the visit before.",
            "files": [(io.BytesIO(b"Rota for 3 March.\n"), "rota.txt")],
        },
        content_type="multipart/form-data",
    )
    assert answer.status_code == 200 and "Your answer has been sent" in answer.text

    case = world.case()
    (request,) = case.requests.values()
    assert request.status == "answered" and "emergency" in request.answer
    types = [e["type"] for e in case.events]
    assert "request_answered" in types and "request_file_added" in types
    rota = next(
        r for r in world.parts.store.evidence.files_of(world.ref) if r["name"] == "rota.txt"
    )
    assert rota["scan"] == "clean" and rota["id"] in request.answer_files

    (alert,) = world.inbox.to("olive@staff.example.org")
    assert "has answered your request" in alert and world.ref in alert
    assert "emergency" not in alert  # nothing the manager wrote travels by email

    # Spent: the same page as a link that never existed.
    again = manager.get(link)
    unknown = manager.get("/respond/" + "A" * 43)
    assert again.status_code == unknown.status_code == 404
    assert _main(again.text) == _main(unknown.text)

    olive_page = olive.get(f"/staff/cases/{world.ref}")
    assert "emergency at the visit before" in olive_page.text
    assert "Request to an investigator" in olive_page.text  # on the timeline, in words
    assert '"to_email"' not in olive_page.text and "&#34;to_email" not in olive_page.text

    actions = audit_actions(world)
    assert "request.link_open" in actions and "request.link_answer" in actions


def test_the_account_alone_shares_no_files(world):
    shared = file_id(world, "visit-log.txt")
    _olive, link, _body = _ask_idris(world)
    manager = world.app.test_client()
    page = manager.get(link)
    assert "visit-log.txt" not in page.text
    assert manager.get(f"{link}/files/{shared}").status_code == 404


def test_a_revoked_link_shows_the_friendly_page(world):
    olive, link, _body = _ask_idris(world)
    (request,) = world.case().requests.values()
    case_page = olive.get(f"/staff/cases/{world.ref}")
    revoked = olive.post(
        f"/staff/cases/{world.ref}/requests/{request.ident}/revoke",
        data={"csrf_token": csrf(case_page.text)},
    )
    assert revoked.status_code == 303
    assert world.case().requests[request.ident].status == "revoked"
    page = world.app.test_client().get(link)
    assert page.status_code == 404 and "This link does not work" in page.text
    assert DETAILS not in page.text


def test_an_expired_link_shows_the_same_page_as_a_wrong_one(world):
    _olive, link, _body = _ask_idris(world)
    (request,) = world.case().requests.values()
    with Links(world.parts.settings.data_dir, world.app.config["SECRET_KEY"]) as links:
        secret = link.rsplit("/", 1)[1]
        assert links.find(secret) is not None
        assert links.find(secret, now=time.time() + 400 * 86400) is None
        # The officer's link made again, already past its end.
        old = links.make(request.ident, world.ref, expires=time.time() - 1)
    client = world.app.test_client()
    expired = client.get(f"/respond/{old}")
    wrong = client.get("/respond/not-a-real-link")
    assert expired.status_code == wrong.status_code == 404
    assert _main(expired.text) == _main(wrong.text)
    assert DETAILS not in expired.text


def test_the_link_store_keeps_no_secret(world):
    _olive, link, _body = _ask_idris(world)
    secret = link.rsplit("/", 1)[1]
    stored = (world.parts.settings.data_dir / "requests" / "links.sqlite3").read_bytes()
    assert secret.encode() not in stored


def test_too_many_link_tries_are_refused(world):
    client = world.app.test_client()
    statuses = [client.get(f"/respond/guess{n}").status_code for n in range(65)]
    assert statuses[0] == 404 and statuses[-1] == 429


def test_bad_request_forms_are_refused_with_the_reason(world):
    olive = world.client("olive")
    response = ask(
        olive,
        world.ref,
        who="link",
        name="Idris",
        email="not an address",
        question="A statement, please.",
    )
    assert response.status_code == 400
    assert "Enter an email address like name@example.org" in response.text
    assert 'value="Idris"' in response.text  # nothing typed is lost
    response = ask(
        olive, world.ref, who="link", name="Idris", email=MANAGER, question="Q", days="ninety"
    )
    assert response.status_code == 400 and "as a number" in response.text
    assert world.inbox.messages == []
    assert re.search(r"No requests have been made", olive.get(f"/staff/cases/{world.ref}").text)
