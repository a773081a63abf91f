"""The staff pages follow the casework rules: a restricted case (UK GDPR Article 18) offers only
a note and lifting the restriction, and is never approved for publication; posting an
acknowledging letter records the acknowledgement; the smaller rules (learning action dates,
no clock for compliments, English dates on English pages)."""

from __future__ import annotations

import calendar
import html
import re
from datetime import UTC, datetime

from forms_app.records.retention.erasure import restrict
from tests.support.staff import csrf, submit


def _events(app_parts, ref) -> list[dict]:
    return [e for e in app_parts.store.rows("events") if e["ref"] == ref]


def _produce(client, ref, name, language="") -> str:
    """Produce a letter from its template as filled; its page's address."""
    query = f"?language={language}" if language else ""
    draft = client.get(f"/staff/cases/{ref}/letters/new/{name}{query}")
    assert draft.status_code == 200, draft.text[:500]
    text = re.search(r"<textarea[^>]*>(.*?)</textarea>", draft.text, re.S).group(1)
    produced = client.post(
        f"/staff/cases/{ref}/letters/new/{name}",
        data={"text": html.unescape(text), "language": language, "csrf_token": csrf(draft.text)},
    )
    assert produced.status_code == 302
    return produced.headers["Location"]


def _action_links(page: str, ref: str) -> set[str]:
    return set(re.findall(rf'href="/staff/cases/{re.escape(ref)}/do/([a-z-]+)"', page))


def test_a_restricted_case_offers_only_a_note_and_lifting_the_restriction(signed_in, app_parts):
    client = signed_in("olive")
    ref = submit(app_parts)
    before = client.get(f"/staff/cases/{ref}").text
    assert {"close", "contact", "triage"} <= _action_links(before, ref)
    restrict(app_parts, ref, "accuracy_contested", actor="dpo")
    page = client.get(f"/staff/cases/{ref}").text
    assert _action_links(page, ref) == {"note", "unflag"}
    assert "the person contests the accuracy of the data" in page
    assert "Only notes can be added until the restriction is lifted" in page
    assert "Add files to this case" not in page

    form = client.get(f"/staff/cases/{ref}/do/close")
    assert form.status_code == 302
    shown = client.get(form.headers["Location"]).text
    assert "Processing of this case is restricted (UK GDPR Article 18)" in shown
    assert "Not done" in shown
    count = len(_events(app_parts, ref))
    token = csrf(page)
    refused = client.post(f"/staff/cases/{ref}/do/close", data={"csrf_token": token})
    assert refused.status_code == 302 and len(_events(app_parts, ref)) == count
    letters = client.get(f"/staff/cases/{ref}/letters")
    assert letters.status_code == 302
    assert "so producing a letter is not allowed" in client.get(letters.headers["Location"]).text
    drafted = client.get(f"/staff/cases/{ref}/letters/new/acknowledgement")
    assert drafted.status_code == 302 and len(_events(app_parts, ref)) == count

    noted = client.post(
        f"/staff/cases/{ref}/do/note", data={"note": "Rang the DPO", "csrf_token": token}
    )
    assert noted.status_code == 302 and _events(app_parts, ref)[-1]["type"] == "note"
    unflag = client.get(f"/staff/cases/{ref}/do/unflag").text
    assert 'value="restricted"' in unflag
    lifted = client.post(
        f"/staff/cases/{ref}/do/unflag",
        data={"flag": "restricted", "reason": "Accuracy checked", "csrf_token": token},
    )
    assert lifted.status_code == 302
    assert {"close", "contact"} <= _action_links(client.get(f"/staff/cases/{ref}").text, ref)


def test_a_restricted_closed_case_cannot_be_approved_for_publication(signed_in, app_parts):
    client = signed_in("pat", others=("mina",))
    ref = submit(app_parts, kind="compliment")
    from forms_app.casework.events import event, record

    record(app_parts.store, app_parts.contract, [event(ref, "mina", "closed")])
    assert client.get(f"/staff/publication/{ref}").status_code == 200
    restrict(app_parts, ref, "objection_pending", actor="dpo")
    assert client.get(f"/staff/publication/{ref}").status_code == 404
    posted = client.post(
        f"/staff/publication/{ref}", data={"summary": "Kind words", "csrf_token": "x"}
    )
    assert posted.status_code in (400, 404)
    assert not [e for e in _events(app_parts, ref) if e["type"] == "publication_approved"]
    assert ref not in client.get("/staff/publication").text


def test_marking_the_acknowledgement_letter_as_posted_records_the_acknowledgement(
    signed_in, app_parts
):
    client = signed_in("olive")
    ref = submit(app_parts)
    assert "acknowledge" in _action_links(client.get(f"/staff/cases/{ref}").text, ref)
    letter_url = _produce(client, ref, "acknowledgement")
    letter = client.get(letter_url).text
    assert "Mark as posted" in letter and "Sending it records the acknowledgement" in letter
    posted = client.post(f"{letter_url}/posted", data={"csrf_token": csrf(letter)})
    assert posted.status_code == 302
    shown = client.get(posted.headers["Location"]).text
    assert "The letter is marked as posted. The acknowledgement is recorded" in shown
    assert re.search(r"Posted \d{1,2} [A-Z][a-z]+ \d{4} by Olive Officer", shown)
    types = [(e["type"], e["value"]) for e in _events(app_parts, ref)]
    assert types[-2:] == [("contact_logged", "letter"), ("acknowledged", "")]
    case_page = client.get(f"/staff/cases/{ref}").text
    assert "acknowledge" not in _action_links(case_page, ref)
    assert "Posted the letter: Acknowledgement of a complaint" in case_page


def test_a_compliment_is_acknowledged_by_its_thank_you_letter(signed_in, app_parts):
    client = signed_in("olive")
    ref = submit(app_parts, kind="compliment", thank_who="The night staff")
    letter_url = _produce(client, ref, "compliment_thanks")
    letter = client.get(letter_url).text
    client.post(f"{letter_url}/posted", data={"csrf_token": csrf(letter)})
    assert [e["type"] for e in _events(app_parts, ref)][-2:] == ["contact_logged", "acknowledged"]


def test_a_holding_letter_posted_is_a_contact_not_an_acknowledgement(signed_in, app_parts):
    client = signed_in("olive")
    ref = submit(app_parts)
    letter_url = _produce(client, ref, "holding")
    letter = client.get(letter_url).text
    assert "Sending it records the acknowledgement" not in letter
    client.post(f"{letter_url}/posted", data={"csrf_token": csrf(letter)})
    assert [e["type"] for e in _events(app_parts, ref)][-1] == "contact_logged"


def test_the_english_staff_page_gives_a_welsh_letter_date_in_english(signed_in, app_parts):
    client = signed_in("olive")
    ref = submit(app_parts, language="cy", received=datetime(2026, 12, 1, 10, tzinfo=UTC))
    letter = client.get(_produce(client, ref, "acknowledgement", "cy")).text
    produced = re.search(r"Produced ([^,<]+), in Welsh", letter)
    assert produced, letter[:2000]
    month = produced.group(1).split()[1]
    assert month in calendar.month_name[1:]
    listed = client.get(f"/staff/cases/{ref}/letters").text
    assert re.search(r"Cydnabod cwyn</a>, \d{1,2} [A-Z][a-z]+ \d{4} by Olive Officer", listed)


def test_a_learning_action_dated_in_the_past_is_refused_with_a_clear_message(signed_in, app_parts):
    client = signed_in("olive")
    ref = submit(app_parts)
    form = client.get(f"/staff/cases/{ref}/do/learning-action").text
    count = len(_events(app_parts, ref))
    refused = client.post(
        f"/staff/cases/{ref}/do/learning-action",
        data={
            "description": "Train the evening team",
            "owner": "Home care manager",
            "target-day": "1",
            "target-month": "3",
            "target-year": "2020",
            "csrf_token": csrf(form),
        },
    )
    assert refused.status_code == 400
    assert "The target date must be today or in the future" in refused.text
    assert "Train the evening team" in refused.text  # what was typed is kept
    assert len(_events(app_parts, ref)) == count


def test_compliments_and_comments_are_not_offered_an_extension_or_a_pause(signed_in, app_parts):
    client = signed_in("olive")
    for kind in ("compliment", "comment"):
        ref = submit(app_parts, kind=kind)
        links = _action_links(client.get(f"/staff/cases/{ref}").text, ref)
        assert "note" in links and not {"extend", "pause"} & links
        assert client.get(f"/staff/cases/{ref}/do/extend").status_code == 404
    complaint = submit(app_parts)
    assert {"extend", "pause"} <= _action_links(
        client.get(f"/staff/cases/{complaint}").text, complaint
    )


def test_the_timeline_says_dates_and_restriction_reasons_in_words_not_codes(signed_in, app_parts):
    from forms_app.casework.events import event, record

    client = signed_in("olive")
    ref = submit(app_parts)
    record(
        app_parts.store,
        app_parts.contract,
        [event(ref, "olive", "extension_agreed", value="2031-05-02", note="Waiting for notes")],
    )
    restrict(app_parts, ref, "legal_claims", actor="dpo")
    page = client.get(f"/staff/cases/{ref}").text
    assert "new date 2 May 2031" in page and "2031-05-02" not in page
    assert "the person needs it kept for legal claims" in page
    assert ">legal_claims<" not in page and ": legal_claims" not in page
