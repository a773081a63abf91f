"""The case page tells the whole story: who the person is writing for and how they are related,
whether that person consented (or why they cannot), whether they want an advocate (prominent,
with a task on the aide-memoire), when it happened, which wording they used, whether it is
happening now and what they tried already, all in plain words rather than stored codes."""

from __future__ import annotations

import re
from html import unescape

from tests.support.staff import add_events, submit


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _panel(html: str) -> str:
    match = re.search(r'<div class="govuk-notification-banner".*?</div>\s*</div>', html, re.S)
    assert match, "no consent and advocacy panel"
    return _text(match.group())


def _story_case(app_parts, **extra):
    values = dict(
        happened_on="2026-03-14",
        happening_now="yes",
        tried_already="contacted_pals",
        on_behalf="someone_else",
        relationship="parent",
        consent="child",
        advocate="yes",
        variant="young-people",
    )
    values.update(extra)
    ref = submit(app_parts, **values)
    return ref


def test_the_consent_and_advocacy_panel_is_at_the_top(signed_in, app_parts):
    client = signed_in("olive")
    ref = _story_case(app_parts)
    html = client.get(f"/staff/cases/{ref}").text
    panel = _panel(html)
    assert "Consent and advocacy" in panel
    assert "The person writing is their parent" in panel
    assert "They cannot agree: they are a child" in panel
    assert "would like help from an independent advocate" in panel
    assert "Task" in panel
    # Above where the case stands: the first thing staff read.
    assert html.index("Consent and advocacy") < html.index("Where it stands")


def test_the_advocate_request_is_a_task_on_the_aide_memoire_until_a_note_says_it_is_done(
    signed_in, app_parts
):
    client = signed_in("olive")
    ref = _story_case(app_parts)
    aide = _text(client.get(f"/staff/cases/{ref}").text.split("Aide-memoire", 1)[1])
    assert aide.startswith("To do Independent advocate offered")
    add_events(app_parts, ref, "olive", ("note", {"note": "Advocate from Voice Cymru booked."}))
    aide = _text(client.get(f"/staff/cases/{ref}").text.split("Aide-memoire", 1)[1])
    assert aide.startswith("Done Independent advocate offered")


def test_what_they_told_us_is_shown_in_plain_words(signed_in, app_parts):
    client = signed_in("olive")
    ref = _story_case(app_parts)
    text = _text(client.get(f"/staff/cases/{ref}").text)
    assert "When it happened 14 March 2026" in text
    assert "Happening now Yes: it is happening now and needs sorting out quickly" in text
    assert "What they have tried already Contacted PALS" in text
    assert "Writing about Someone else" in text
    assert "Wording they used Young people's wording" in text
    assert "Preferred contact Post" in text
    for code in ("young-people", "contacted_pals", "someone_else", "Preferred contact post"):
        assert code not in text


def test_easy_read_and_consent_not_yet_warn_before_sharing(signed_in, app_parts):
    client = signed_in("olive")
    ref = _story_case(
        app_parts,
        variant="easy-read",
        consent="not_yet",
        relationship="carer",
        advocate="already_have",
        happening_now="no",
        tried_already="no",
    )
    html = client.get(f"/staff/cases/{ref}").text
    panel = _panel(html)
    assert "Not asked yet" in panel
    assert "Do not share anything" in panel
    assert "The person writing is their carer" in panel
    assert "They already have an advocate" in panel
    text = _text(html)
    assert "Wording they used Easy read" in text
    assert "What they have tried already Not yet" in text


def test_other_consent_shows_their_own_words(signed_in, app_parts):
    client = signed_in("olive")
    ref = _story_case(app_parts, consent="other", consent_detail="She asked me to write.")
    panel = _panel(client.get(f"/staff/cases/{ref}").text)
    assert "Other reason" in panel
    assert "She asked me to write." in panel


def test_a_person_writing_for_themselves_with_no_advocate_has_no_panel(signed_in, app_parts):
    client = signed_in("olive")
    ref = submit(app_parts, on_behalf="self", advocate="no")
    html = client.get(f"/staff/cases/{ref}").text
    assert "Consent and advocacy" not in html
    assert "Writing about Themselves" in _text(html)
