"""The staff "log feedback" form records what the public journeys ask: who the person writes
for and how they are related, whether that person agrees (or why they cannot), whether they
want an advocate, when it happened, whether it is happening now, what they tried already and
how they would like to be contacted. Codes come from the schema, every row is checked through
it, errors read as GOV.UK's do, and nothing typed is lost when the form comes back."""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.support.staff import add_events, csrf


@pytest.fixture
def mina(signed_in):
    return signed_in("mina", others=("olive", "oscar"))


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _form(client) -> dict:
    page = client.get("/staff/log")
    assert page.status_code == 200, page.text[:300]
    key = page.text.split('name="idempotency_key" value="')[1].split('"')[0]
    return {"csrf_token": csrf(page.text), "idempotency_key": key}


def _story(**extra) -> dict:
    data = {
        "kind": "complaint",
        "channel": "phone",
        "service": "home-care",
        "details": "Her daughter rang: the carer has not come for three evenings.",
        "happened_on-day": "14",
        "happened_on-month": "3",
        "happened_on-year": "2026",
        "happening_now": "yes",
        "tried_already": "contacted_pals",
        "language": "en",
        "on_behalf": "someone_else",
        "subject_name": "Gwen Example",
        "relationship": "relative",
        "consent": "lacks_capacity",
        "consent_detail": "Her daughter holds lasting power of attorney.",
        "advocate": "yes",
        "name": "Ffion Example",
        "phone": "07700 900456",
        "preferred_contact": "phone",
    }
    data.update(extra)
    return data


def _stored(app_parts, ref):
    submission = next(r for r in app_parts.store.rows("submissions") if r["ref"] == ref)
    personal = next(r for r in app_parts.store.rows("personal") if r["ref"] == ref)
    return submission, personal


def test_the_form_records_who_it_is_for_consent_advocacy_and_the_story(mina, app_parts):
    sent = mina.post("/staff/log", data={**_form(mina), **_story()})
    assert sent.status_code == 302, _text(sent.text)[:500]
    ref = sent.headers["Location"].rsplit("/", 1)[1]
    submission, personal = _stored(app_parts, ref)
    assert {
        name: submission[name]
        for name in (
            "on_behalf",
            "relationship",
            "consent",
            "consent_detail",
            "advocate",
            "happened_on",
            "happening_now",
            "tried_already",
            "channel",
        )
    } == {
        "on_behalf": "someone_else",
        "relationship": "relative",
        "consent": "lacks_capacity",
        "consent_detail": "Her daughter holds lasting power of attorney.",
        "advocate": "yes",
        "happened_on": "2026-03-14",
        "happening_now": "yes",
        "tried_already": "contacted_pals",
        "channel": "phone",
    }
    assert (personal["subject_name"], personal["preferred_contact"]) == ("Gwen Example", "phone")
    text = _text(mina.get(sent.headers["Location"]).text)
    assert "They cannot agree: they lack the mental capacity to decide" in text
    assert "When it happened 14 March 2026" in text


def test_an_advocate_request_logged_by_staff_is_a_task_on_the_aide_memoire(mina, app_parts):
    sent = mina.post("/staff/log", data={**_form(mina), **_story()})
    ref = sent.headers["Location"].rsplit("/", 1)[1]
    aide = _text(mina.get(f"/staff/cases/{ref}").text.split("Aide-memoire", 1)[1])
    assert aide.startswith("To do Independent advocate offered")
    add_events(app_parts, ref, "mina", ("note", {"note": "Advocate from the local service."}))
    aide = _text(mina.get(f"/staff/cases/{ref}").text.split("Aide-memoire", 1)[1])
    assert aide.startswith("Done Independent advocate offered")


def test_the_form_offers_exactly_the_schemas_codes(mina, app_parts):
    html = mina.get("/staff/log").text
    for resource, name in (
        ("submissions", "relationship"),
        ("submissions", "consent"),
        ("submissions", "advocate"),
        ("submissions", "happening_now"),
        ("submissions", "tried_already"),
        ("submissions", "on_behalf"),
        ("personal", "preferred_contact"),
    ):
        offered = re.findall(rf'name="{name}" type="radio" value="([^"]+)"', html)
        assert offered == app_parts.contract.enum(resource, name), name
    # Plain words, not codes, for how they would like to be contacted.
    assert "By letter in the post" in html


def test_someone_else_needs_the_relationship_and_consent_and_keeps_what_was_typed(mina, app_parts):
    before = len(list(app_parts.store.rows("submissions")))
    data = _story(relationship="", consent="")
    refused = mina.post("/staff/log", data={**_form(mina), **data})
    assert refused.status_code == 400
    text = _text(refused.text)
    assert "There is a problem" in text
    assert "Select how the person telling us is related to the person it is about" in text
    assert "Select whether the person it is about agrees, or why they cannot" in text
    for typed in ("Gwen Example", "Her daughter holds lasting power of attorney.", "07700 900456"):
        assert typed in unescape(refused.text)
    assert 'name="advocate" type="radio" value="yes" checked' in refused.text
    assert 'value="14"' in refused.text
    assert len(list(app_parts.store.rows("submissions"))) == before


def test_contact_details_are_checked_by_the_schema_with_govuk_messages(mina, app_parts):
    data = _story(email="ffion.example.com", phone="call me", postcode="not a postcode")
    refused = mina.post("/staff/log", data={**_form(mina), **data})
    assert refused.status_code == 400
    text = _text(refused.text)
    assert "Enter an email address in the correct format, like name@example.com" in text
    assert "Enter a phone number, like 07700 900 982" in text
    assert "Enter a real postcode, like CF10 1AA" in text
    assert "ffion.example.com" in refused.text and "not a postcode" in refused.text
    # Each message links to its field, in the form's order.
    links = re.findall(r'href="#(email|phone|postcode)"', refused.text)
    assert links == ["email", "phone", "postcode"]


def test_a_postcode_typed_without_its_space_is_stored_in_the_usual_form(mina, app_parts):
    sent = mina.post("/staff/log", data={**_form(mina), **_story(postcode="cf101aa")})
    assert sent.status_code == 302, _text(sent.text)[:500]
    _submission, personal = _stored(app_parts, sent.headers["Location"].rsplit("/", 1)[1])
    assert personal["postcode"] == "CF10 1AA"


def test_dates_in_the_future_or_after_it_was_received_are_refused(mina, app_parts):
    later = _story(**{"happened_on-year": "2999"})
    refused = mina.post("/staff/log", data={**_form(mina), **later})
    assert refused.status_code == 400
    assert "The date it happened must be today or in the past" in _text(refused.text)
    after = _story(
        **{"received-day": "1", "received-month": "3", "received-year": "2026"},
    )
    refused = mina.post("/staff/log", data={**_form(mina), **after})
    assert refused.status_code == 400
    assert "The date it happened must be on or before the date received" in _text(refused.text)


def test_details_of_someone_else_with_themselves_chosen_are_not_dropped(mina, app_parts):
    refused = mina.post("/staff/log", data={**_form(mina), **_story(on_behalf="self")})
    assert refused.status_code == 400
    assert "Select someone else if they are writing for another person" in _text(refused.text)
    assert "Gwen Example" in refused.text


@pytest.mark.parametrize(
    "crafted",
    [
        {"relationship": "landlord"},
        {"consent": "x" * 50},
        {"preferred_contact": "pigeon"},
        {"idempotency_key": "not valid!"},
        {"happened_on-day": "31", "happened_on-month": "2"},
    ],
)
def test_crafted_values_get_a_message_and_never_a_server_error(mina, app_parts, crafted):
    answer = mina.post("/staff/log", data={**_form(mina), **_story(), **crafted})
    assert answer.status_code in (302, 400)
    if "idempotency_key" in crafted:
        assert answer.status_code == 302
    else:
        assert answer.status_code == 400 and "There is a problem" in answer.text


def test_a_person_giving_no_contact_details_is_stored_as_anonymous(mina, app_parts):
    data = {
        "kind": "comment",
        "channel": "letter",
        "details": "An unsigned letter about the car park.",
        "language": "en",
    }
    sent = mina.post("/staff/log", data={**_form(mina), **data})
    assert sent.status_code == 302, _text(sent.text)[:500]
    ref = sent.headers["Location"].rsplit("/", 1)[1]
    submission = next(r for r in app_parts.store.rows("submissions") if r["ref"] == ref)
    assert (submission["anonymous"], submission["on_behalf"], submission["advocate"]) == (
        "true",
        "",
        "",
    )
