"""Case actions through the staff pages: logging feedback for someone, triage that changes the
kind, the checks on extensions, closing and escalation, and the events each one appends."""

from __future__ import annotations

import pytest

from tests.support.staff import csrf, submit


@pytest.fixture
def mina(signed_in):
    return signed_in("mina", others=("olive", "oscar"))


def _post(client, path, data):
    page = client.get(path)
    assert page.status_code == 200, page.text[:500]
    return client.post(path, data={**data, "csrf_token": csrf(page.text)})


def _events(app_parts, ref):
    return [e for e in app_parts.store.rows("events") if e["ref"] == ref]


def test_logging_feedback_from_a_phone_call(mina, app_parts):
    page = mina.get("/staff/log")
    data = {
        "kind": "complaint",
        "channel": "phone",
        "service": "home-care",
        "details": "Rang to say the carer did not come on Sunday.",
        "language": "cy",
        "name": "Iolo Example",
        "phone": "07700 900123",
        "communication_needs": ["large_print"],
        "csrf_token": csrf(page.text),
        "idempotency_key": page.text.split('name="idempotency_key" value="')[1].split('"')[0],
    }
    first = mina.post("/staff/log", data=data)
    again = mina.post("/staff/log", data=data)  # a double click
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]
    ref = first.headers["Location"].rsplit("/", 1)[1]
    rows = [r for r in app_parts.store.rows("submissions") if r["ref"] == ref]
    assert len(rows) == 1
    assert (rows[0]["channel"], rows[0]["language"], rows[0]["kind"]) == (
        "phone",
        "cy",
        "complaint",
    )
    personal = [r for r in app_parts.store.rows("personal") if r["ref"] == ref][0]
    assert personal["name"] == "Iolo Example" and personal["communication_needs"] == "large_print"
    events = _events(app_parts, ref)
    assert [(e["type"], e["actor"]) for e in events] == [("note", "mina")]
    case_page = mina.get(first.headers["Location"]).text
    assert "Large print" in case_page and "Welsh (Cymraeg)" in case_page
    refused = mina.post("/staff/log", data={"csrf_token": csrf(page.text), "kind": "complaint"})
    assert refused.status_code == 400 and "Select how it reached us" in refused.text


def test_triage_turns_an_enquiry_into_a_complaint(mina, app_parts):
    ref = submit(app_parts, kind="enquiry", service="home-care")
    response = _post(
        mina,
        f"/staff/cases/{ref}/do/triage",
        {
            "kind": "complaint",
            "service": "mental-health",
            "themes": ["communication", "safety"],
            "owner": "olive",
            "independent": "yes",
        },
    )
    assert response.status_code == 302
    types = [(e["type"], e["kind"] or e["value"]) for e in _events(app_parts, ref)]
    assert types == [
        ("kind_changed", "complaint"),
        ("service_changed", "mental-health"),
        ("theme_added", "communication"),
        ("theme_added", "safety"),
        ("assigned", "olive"),
    ]
    page = mina.get(f"/staff/cases/{ref}").text
    assert "received as enquiry (pals)" in page and "Stage 1" in page
    missing = _post(mina, f"/staff/cases/{ref}/do/triage", {"kind": "complaint"})
    assert missing.status_code == 400
    assert "Confirm the owner is not a person the feedback is about" in missing.text


def test_extension_and_closing_are_checked(mina, app_parts):
    ref = submit(app_parts)
    past = _post(
        mina,
        f"/staff/cases/{ref}/do/extend",
        {"until-day": "1", "until-month": "1", "until-year": "2020", "reason": "x"},
    )
    assert past.status_code == 400 and "must be in the future" in past.text
    bad = _post(
        mina,
        f"/staff/cases/{ref}/do/extend",
        {"until-day": "31", "until-month": "2", "until-year": "2030", "reason": "x"},
    )
    assert bad.status_code == 400 and "must be a real date" in bad.text
    early = _post(mina, f"/staff/cases/{ref}/do/close", {})
    assert (
        early.status_code == 400 and "Record the outcome of this stage before closing" in early.text
    )
    assert _events(app_parts, ref) == []


def test_a_different_person_must_handle_stage_2_where_the_procedure_says_so(mina, app_parts):
    ref = submit(app_parts, procedure="england-council-lgsco-2026")
    _post(
        mina,
        f"/staff/cases/{ref}/do/triage",
        {
            "kind": "complaint",
            "service": "home-care",
            "themes": ["safety"],
            "owner": "olive",
            "independent": "yes",
        },
    )
    same = _post(mina, f"/staff/cases/{ref}/do/escalate", {"to": "stage2", "owner": "olive"})
    assert same.status_code == 400 and "different person" in same.text
    other = _post(mina, f"/staff/cases/{ref}/do/escalate", {"to": "stage2", "owner": "oscar"})
    assert other.status_code == 302
    entered = [e for e in _events(app_parts, ref) if e["type"] == "stage_entered"]
    assert [e["stage"] for e in entered] == ["stage2"]
    ombudsman = _post(mina, f"/staff/cases/{ref}/do/escalate", {"to": "ombudsman"})
    assert ombudsman.status_code == 302
    assert _events(app_parts, ref)[-1]["type"] == "ombudsman_referred"
    assert "Local Government and Social Care Ombudsman" in mina.get(f"/staff/cases/{ref}").text


def test_conduct_flag_needs_a_review_date(mina, app_parts):
    ref = submit(app_parts)
    path = f"/staff/cases/{ref}/do/flag"
    plan = {"flag": "unacceptable_conduct", "detail": "Contact by letter only, once a week."}
    assert _post(mina, path, plan).status_code == 400
    done = _post(
        mina, path, {**plan, "review-day": "1", "review-month": "6", "review-year": "2030"}
    )
    assert done.status_code == 302
    assert [e["type"] for e in _events(app_parts, ref)] == ["flag_set", "review_set"]
    assert "Review the contact plan by 1 June 2030" in mina.get(f"/staff/cases/{ref}").text
