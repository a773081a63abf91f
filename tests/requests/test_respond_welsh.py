"""The answer page for an investigating manager without an account speaks Welsh when the case's
language is Welsh: the emailed link opens it in Welsh, every word on it (the request, the shared
account's headings, the due date, the form, its errors, the pages for a spent link and for an
answer sent) is Welsh, and the language switch sends the form back so the answer typed so far
is kept, not sent."""

from __future__ import annotations

import re
from html import unescape

from forms_app.language.welsh import long_date
from tests.support.staff import add_events, csrf, submit

from .conftest import ask

MANAGER = "eleri.rheolwr@trust.example.org"
WELSH_DETAILS = "Ni ddaeth y gofalwr nos Sul ac fe gollodd fy nhad ei feddyginiaeth."
ENGLISH_WORDS = (
    "Answer a request",
    "What you are asked",
    "What the person told us",
    "Send your answer",
    "Your answer",
    "Due by",
)


def _text(html: str) -> str:
    main = html[html.index("<main") : html.index("</main>")]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", main)).split())


def _case(world, ref):
    with world.app.app_context():
        from forms_app.web.parts import case_index

        found = case_index()
        found.refresh()
        return found.get(ref)


def _welsh_case(world) -> str:
    ref = submit(
        world.parts,
        service="home-care",
        language="cy",
        name="Gwenllian Enghraifft",
        email="gwenllian@example.com",
        details=WELSH_DETAILS,
        happened_on="2026-03-14",
    )
    add_events(world.parts, ref, "olive", ("assigned", {"value": "olive"}))
    return ref


def _ask(world, ref):
    response = ask(
        world.client("olive"),
        ref,
        who="link",
        name="Eleri Rheolwr",
        email=MANAGER,
        question="Anfonwch ddatganiad am yr ymweliad, os gwelwch yn dda.",
    )
    assert response.status_code == 303, response.text
    (body,) = world.inbox.to(MANAGER)
    found = re.search(r"https?://[^\s/]+(/\S*respond/[A-Za-z0-9_-]+)", body)
    assert found, body
    return found.group(1)


def test_a_welsh_case_sends_a_link_to_the_page_in_welsh(world):
    ref = _welsh_case(world)
    link = _ask(world, ref)
    assert link.startswith("/cy/respond/")
    page = world.app.test_client().get(link)
    assert page.status_code == 200
    assert '<html lang="cy"' in page.text
    text = _text(page.text)
    for welsh in ("Ateb cais", "Beth a ofynnir i chi", "Beth ddywedodd yr unigolyn wrthym"):
        assert welsh in text
    assert "Gofynnwyd am Datganiad" in text and "Gwasanaeth Gofal cartref" in text
    (request,) = _case(world, ref).requests.values()
    assert f"Erbyn {long_date(request.due, 'cy')}" in text
    assert "Pryd y digwyddodd 14 Mawrth 2026" in text
    assert WELSH_DETAILS in text
    for english in ENGLISH_WORDS:
        assert english not in text, english
    # The language switch sends the form (so nothing typed is lost), to the English page.
    assert 'name="switch_language" value="en"' in page.text
    assert 'form="answer-form"' in page.text and 'id="answer-form"' in page.text


def test_switching_language_keeps_the_answer_typed_and_sends_nothing(world):
    ref = _welsh_case(world)
    link = _ask(world, ref)
    manager = world.app.test_client()
    page = manager.get(link)
    typed = "Roedd y gofalwr yn sâl; fe ffoniodd y swyddfa am 18:00."
    switched = manager.post(
        link,
        data={"csrf_token": csrf(page.text), "answer": typed, "switch_language": "en"},
        content_type="multipart/form-data",
    )
    assert switched.status_code == 200
    assert '<html lang="en"' in switched.text
    assert "Answer a request" in _text(switched.text)
    assert typed in unescape(switched.text)
    assert f'action="/respond/{link.rsplit("/", 1)[1]}"' in switched.text
    (request,) = _case(world, ref).requests.values()
    assert request.outstanding
    back = manager.post(
        link.removeprefix("/cy"),
        data={"csrf_token": csrf(switched.text), "answer": typed, "switch_language": "cy"},
        content_type="multipart/form-data",
    )
    assert '<html lang="cy"' in back.text and typed in unescape(back.text)


def test_an_empty_answer_is_refused_in_welsh_and_an_answer_is_thanked_in_welsh(world):
    ref = _welsh_case(world)
    link = _ask(world, ref)
    manager = world.app.test_client()
    page = manager.get(link)
    empty = manager.post(
        link,
        data={"csrf_token": csrf(page.text), "answer": "  "},
        content_type="multipart/form-data",
    )
    assert empty.status_code == 400
    text = _text(empty.text)
    assert "Mae problem wedi codi" in text
    assert "Rhowch eich ateb, neu ychwanegwch ffeil" in text
    assert "Enter your answer" not in text
    sent = manager.post(
        link,
        data={"csrf_token": csrf(page.text), "answer": "Datganiad: roedd y gofalwr yn sâl."},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 200
    assert "Mae eich ateb wedi'i anfon" in _text(sent.text)
    (request,) = _case(world, ref).requests.values()
    assert request.status == "answered"
    gone = manager.get(link)
    assert gone.status_code == 404 and "Nid yw'r ddolen hon yn gweithio" in _text(gone.text)


def test_an_english_case_still_opens_in_english_with_a_switch_to_welsh(world):
    link = _ask(world, world.ref)
    assert link.startswith("/respond/")
    page = world.app.test_client().get(link)
    assert '<html lang="en"' in page.text and "Answer a request" in _text(page.text)
    assert 'name="switch_language" value="cy"' in page.text
    assert world.app.test_client().get("/cy" + link).status_code == 200


def test_a_link_that_does_not_work_says_so_in_welsh(world):
    page = world.app.test_client().get("/cy/respond/" + "A" * 43)
    assert page.status_code == 404
    text = _text(page.text)
    assert "Nid yw'r ddolen hon yn gweithio" in text
    assert "This link does not work" not in text


def test_no_english_sentence_is_left_on_the_welsh_pages(world):
    # The walks' check: any three-word piece of English from the catalogue or the settings.
    from tests.walks.welsh import english_on

    def english(page) -> list[str]:
        return english_on(re.sub(r"<[^>]+>", " ", page.text), page.text)

    ref = _welsh_case(world)
    link = _ask(world, ref)
    manager = world.app.test_client()
    page = manager.get(link)
    english_page = manager.get(link.removeprefix("/cy"))
    assert english(english_page)  # the check finds English where there is some
    empty = manager.post(
        link,
        data={"csrf_token": csrf(page.text), "answer": ""},
        content_type="multipart/form-data",
    )
    sent = manager.post(
        link,
        data={"csrf_token": csrf(page.text), "answer": "Datganiad."},
        content_type="multipart/form-data",
    )
    gone = manager.get(link)
    for shown in (page, empty, sent, gone):
        assert english(shown) == [], shown.request.path


def test_the_email_for_a_welsh_case_is_in_welsh_and_says_the_page_has_english(world):
    ref = _welsh_case(world)
    _ask(world, ref)
    (body,) = world.inbox.to(MANAGER)
    assert f"Achos {ref}: cais am help erbyn" in body
    assert f"wedi gofyn i chi am ddatganiad ynghylch achos {ref}" in body
    assert "choose English at the top of the page" in body
