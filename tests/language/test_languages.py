"""Welsh and the three wordings: every public string has Welsh, easy-read and young people's
English keeps to short sentences, every easy-read page has a described picture, and every
wording of a kind asks for exactly the same fields."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from forms_app.journeys import JOURNEYS
from forms_app.journeys.pictures import PICTURES
from forms_app.journeys.wording import Text

PROJECT = Path(__file__).resolve().parents[2]
PO = PROJECT / "forms_app/translations/cy/LC_MESSAGES/messages.po"
PLACEHOLDER = re.compile(r"\{[a-z_]+\}|%\([a-z_]+\)s")
MAX_WORDS = 15


def _catalogue():
    with open(PO, "rb") as handle:
        return read_po(handle, locale="cy")


def test_every_public_string_has_welsh(tmp_path):
    # Extract afresh, so a string added to the code without Welsh fails here.
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "pybabel"),
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "lazy_gettext",
            "-k",
            "_",
            "-k",
            "lazy_pgettext:1c,2",
            "-o",
            str(pot),
            ".",
        ],
        cwd=PROJECT,
        check=True,
        capture_output=True,
    )
    with open(pot, "rb") as handle:
        wanted = {(message.id, message.context) for message in read_po(handle) if message.id}
    catalogue = _catalogue()
    missing = []
    for msgid, context in sorted(wanted, key=str):
        message = catalogue.get(msgid, context=context)
        if message is None or not message.string or message.fuzzy:
            missing.append(msgid)
    assert missing == [], f"{len(missing)} strings have no Welsh, e.g. {missing[:5]}"


def test_welsh_keeps_every_placeholder():
    for message in _catalogue():
        if message.id and message.string:
            assert sorted(PLACEHOLDER.findall(message.id)) == sorted(
                PLACEHOLDER.findall(message.string)
            ), message.id


def test_catalogue_says_it_needs_review_by_a_welsh_speaker():
    header = PO.read_text("utf-8").split("msgid", 1)[0]
    assert "reviewed by a Welsh speaker" in header


def _texts(journey):
    """Every Text a person can see in a journey."""
    yield journey.name
    yield journey.start_title
    yield from journey.start_body
    for page in journey.pages:
        yield page.title
        if page.intro:
            yield page.intro
        yield from page.body
        for question in page.questions:
            yield question.label
            if question.hint:
                yield question.hint
            yield from question.messages.values()
            if isinstance(question.choices, tuple):
                for choice in question.choices:
                    yield choice.label
                    if choice.hint:
                        yield choice.hint


def long_sentences(text: str) -> list[str]:
    sentences = re.split(r"(?<=[.!?:])\s+", text)
    return [s for s in sentences if len(re.findall(r"[\w'’-]+", s)) > MAX_WORDS]


CONTEXT = {
    "pals_phone": "029 2018 0001",
    "pals_hours": "Monday to Friday",
    "acknowledge_by": "Thursday 26 November 2026",
    "respond_by": "Monday 21 December 2026",
    "respond_promise": "",
    "advocacy_name": "Advocacy",
    "advocacy_phone": "029 2018 0005",
    "young_advocacy_name": "Meic",
    "young_advocacy_phone": "080880 23456",
}


@pytest.mark.parametrize("variant", ["easy-read", "young-people"])
def test_easy_read_and_young_people_sentences_are_short(app, variant):
    with app.test_request_context("/"):
        too_long = []
        for journey in JOURNEYS.values():
            for text in _texts(journey):
                too_long += long_sentences(text.get(variant, CONTEXT))
    assert too_long == [], too_long


def test_long_sentence_check_can_fail():
    assert long_sentences(
        "This sentence is made of far more than fifteen words so that it fails "
        "the check every time."
    )
    assert not long_sentences("Short one. Another short one.")


def test_every_easy_read_page_has_a_described_picture(app):
    pictures = PROJECT / "forms_app/static/pictures"
    with app.test_request_context("/"):
        for journey in JOURNEYS.values():
            for page in journey.pages:
                assert page.picture in PICTURES, f"{journey.slug}/{page.slug} has no picture"
                assert (pictures / f"{page.picture}.svg").exists(), page.picture
                for variant in ("easy-read",):
                    assert len(PICTURES[page.picture].get(variant)) > 3


def test_every_wording_is_complete_text():
    for journey in JOURNEYS.values():
        for text in _texts(journey):
            assert isinstance(text, Text)
            assert str(text.standard).strip()


def test_easy_read_and_young_people_read_more_easily_than_standard(app):
    """Flesch reading ease of every word of the journeys, per wording (textstat with Pyphen,
    as the site's tests count it): the simpler wordings must score clearly higher."""
    from tests.sitebuild.test_published import flesch_reading_ease

    with app.test_request_context("/"):
        ease = {
            variant: flesch_reading_ease(
                re.sub(
                    r"\{[a-z_]+\}",
                    "",
                    " ".join(t.get(variant, CONTEXT) for j in JOURNEYS.values() for t in _texts(j)),
                )
            )
            for variant in ("standard", "easy-read", "young-people")
        }
    assert ease["easy-read"] >= ease["standard"] + 10, ease
    assert ease["young-people"] >= ease["standard"] + 10, ease
