"""Equality monitoring as a person meets it: offered on the confirmation page of every journey
(every kind, language and wording), answered once or skipped, in the person's language and
wording, with bad input refused in words that keep what was chosen, and answers kept with
nothing that ties them to the feedback that was sent."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest

from forms_app.journeys import JOURNEYS
from forms_app.public.prefixes import prefixes
from forms_app.questionnaires.model import load
from forms_app.questionnaires.offers import Offers
from forms_app.questionnaires.store import answers_path
from tests.support.walker import ANSWERS
from tests.tracking.conftest import submit

from .equality_steps import CHOSEN, offer_link, post, questions_page

EQUALITY = load("equality")
TOKEN_PATH = re.compile(r"^((?:/[a-z-]+)*)/equality/([A-Za-z0-9_-]{32})$")


def _rows(data_dir, table: str) -> list[tuple]:
    with sqlite3.connect(answers_path(data_dir)) as db:
        return db.execute(f"SELECT * FROM {table}").fetchall()


def _unescaped(response) -> str:
    return response.get_data(as_text=True).replace("&#39;", "'").replace("&#34;", '"')


@pytest.mark.parametrize("slug", sorted(JOURNEYS))
def test_every_journey_offers_the_questions_in_every_language_and_wording(client, slug):
    for prefix, language, wording in prefixes():
        sent = submit(client, f"{prefix}/{slug}/", {**ANSWERS[slug]})
        words = EQUALITY.words(language, wording)
        confirmation = sent.html.replace("&#39;", "'")
        assert words["offer_heading"] in confirmation, (prefix, slug)
        followed = client.get(offer_link(sent.html))
        assert followed.status_code == 303, (prefix, slug)
        match = TOKEN_PATH.match(followed.headers["Location"])
        assert match and match.group(1) == prefix, followed.headers["Location"]
        page = client.get(followed.headers["Location"])
        assert page.status_code == 200
        assert words["title"] in _unescaped(page) and words["skip"] in _unescaped(page)


def test_the_offer_is_made_only_after_sending_and_once_for_each_sending(client, app_parts):
    early = client.get("/complaint/equality")
    assert early.status_code == 303 and "/equality/" not in early.headers["Location"]
    assert not answers_path(app_parts.settings.data_dir).exists()
    sent = submit(client)
    first = client.get(offer_link(sent.html)).headers["Location"]
    again = client.get(offer_link(sent.html)).headers["Location"]
    assert first == again
    assert len(_rows(app_parts.settings.data_dir, "offers")) == 1
    # A new sending is a new offer.
    resent = submit(client)
    assert client.get(offer_link(resent.html)).headers["Location"] != first


def test_answers_hold_nothing_that_ties_them_to_the_case(client, app_parts):
    data_dir = app_parts.settings.data_dir
    sent = submit(client)
    path = client.get(offer_link(sent.html)).headers["Location"]
    page = client.get(path).get_data(as_text=True)
    token = path.rsplit("/", 1)[1]
    done = post(client, path, page, CHOSEN)
    assert done.status_code == 303 and done.headers["Location"].endswith("/equality/thank-you")
    assert "We have your answers" in client.get(done.headers["Location"]).get_data(as_text=True)
    ((_id, questionnaire, version, month, answers),) = _rows(data_dir, "responses")
    assert (questionnaire, version) == ("equality", 1)
    assert re.fullmatch(r"\d{4}-\d{2}", month)
    assert json.loads(answers) == CHOSEN
    # The used offer has gone; no invitation names a case; the file holds no reference, no
    # token and no hash of it.
    assert _rows(data_dir, "offers") == [] and _rows(data_dir, "invitations") == []
    held = answers_path(data_dir).read_bytes()
    with Offers(data_dir, client.application.config["SECRET_KEY"]) as offers:
        hashed = offers.hashed(token)
    assert sent.reference.encode() not in held
    assert token.encode() not in held and hashed.encode() not in held
    # Nothing of the answers reaches the case's own files or the drafts.
    for file in data_dir.rglob("*"):
        if file.is_file() and "questionnaires" not in file.parts:
            assert b"bisexual" not in file.read_bytes(), file


def test_a_link_answers_once_and_then_says_so(client, app_parts):
    path, page = questions_page(client)
    assert post(client, path, page, CHOSEN).status_code == 303
    again = client.get(path)
    assert again.status_code == 404
    assert 'data-equality-said="bad"' in again.get_data(as_text=True)
    resent = post(client, path, page, CHOSEN)
    assert resent.status_code == 404
    assert len(_rows(app_parts.settings.data_dir, "responses")) == 1


def test_skipping_keeps_nothing_and_ends_the_offer(client, app_parts):
    path, page = questions_page(client)
    # Skipping needs no answers, and ignores any that were chosen.
    skipped = post(client, path, page, {"age_band": "age_25_34", "skip": "1"})
    assert skipped.status_code == 303 and skipped.headers["Location"].endswith("/skipped")
    shown = client.get(skipped.headers["Location"]).get_data(as_text=True)
    assert "You skipped these questions" in shown
    data_dir = app_parts.settings.data_dir
    assert _rows(data_dir, "responses") == [] and _rows(data_dir, "offers") == []
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("prefix", ["/cy", "/cy/easy-read", "/cy/young-people"])
def test_welsh_pages_have_no_english(client, prefix):
    path, page = questions_page(client, f"{prefix}/complaint/")
    english = EQUALITY.words("en", "standard")
    english.update(EQUALITY.words("en", prefix.rsplit("/", 1)[-1]))
    welsh = EQUALITY.words("cy", "standard")
    # Words that are the same in both languages (Roma, a number) are not English.
    sentences = [text for key, text in english.items() if text != welsh.get(key)]
    refused = post(client, path, page, {"sex": "male"})
    for shown in (page, _unescaped(refused)):
        shown = shown.replace("&#39;", "'")
        assert 'lang="cy"' in shown
        leaked = [text for text in sentences if re.search(rf"\b{re.escape(text)}\b", shown)]
        assert leaked == [], leaked
    assert "Dewiswch ateb ar gyfer" in _unescaped(refused)


def test_english_easy_read_and_young_peoples_words(client):
    _path, easy = questions_page(client, "/easy-read/complaint/")
    _path, young = questions_page(client, "/young-people/complaint/")
    assert "How old are you?" in easy and "I do not want to answer" in easy
    assert "whoever they are" in young.replace("&#39;", "'")


def test_welsh_words_leave_nothing_out():
    for wording in ("standard", "easy-read", "young-people"):
        english = set(EQUALITY.words("en", wording))
        assert english <= set(EQUALITY._words["cy"]["standard"]), wording
    own = EQUALITY._words
    for wording in ("easy-read", "young-people"):
        assert set(own["en"][wording]) == set(own["cy"][wording]), wording


def test_unknown_choices_and_nul_are_refused_in_words_keeping_the_others(client, app_parts):
    path, page = questions_page(client)
    chosen = {**CHOSEN, "sex": "unknown", "religion": "christian\x00", "ethnicity": "x" * 5000}
    refused = post(client, path, page, chosen)
    text = _unescaped(refused)
    assert refused.status_code == 400
    assert "Choose an answer for: What is your sex? (or choose Prefer not to say)" in text
    assert "Choose an answer for: What is your religion?" in text
    assert "Choose an answer for: What is your ethnic group?" in text
    assert 'href="#sex"' in text and 'href="#ethnicity"' in text and 'id="ethnicity"' in text
    assert 'value="age_35_44" checked' in text and 'value="bisexual" checked' in text
    assert not answers_path(app_parts.settings.data_dir).read_bytes().count(b"bisexual")
    # Bytes no browser sends are refused whole, and the link still works afterwards.
    broken = client.post(
        path,
        data=b"csrf_token=x&sex=%FF%FE",
        content_type="application/x-www-form-urlencoded",
    )
    assert broken.status_code == 400
    assert client.get(path).status_code == 200
    # Nothing chosen at all names every question, in the order they are asked.
    empty = post(client, path, page, {})
    names = re.findall(r'<a href="#([a-z_]+)">', empty.get_data(as_text=True))
    assert names == [q.key for q in EQUALITY.questions]


def test_bad_links_get_a_page_that_says_so_never_an_error(client, app_parts):
    for path in (
        "/equality/" + "A" * 32,
        "/equality/short",
        "/cy/equality/" + "%00" * 3,
        "/equality/" + "x" * 5000,
        "/easy-read/equality/%F0%9F%8C%9F",
        "/no-such-journey/equality",
    ):
        page = client.get(path)
        assert page.status_code == 404, path
    assert "Nid yw'r ddolen hon yn gweithio" in _unescaped(client.get("/cy/equality/" + "A" * 32))
    assert not (app_parts.settings.data_dir / "questionnaires").exists()
