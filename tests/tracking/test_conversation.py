"""What the person does from the tracking page: a message that becomes a case event staff see
and are alerted to, a request for the next stage that starts its clock and is acknowledged,
refused before a response and after the time to ask; and bad input, which never gives a
server error and keeps what was typed."""

from __future__ import annotations

from datetime import date, timedelta

from forms_app.casework import transitions as t
from forms_app.language.welsh import long_date
from tests.support.walker import csrf_token

from .conftest import ask, case_of, enter, messages, post_on_case, staff_do, tracked

REPLY = "The carer came at 9 today. Thank you, but Mam still has no evening visit."


def test_a_reply_becomes_an_event_staff_see_on_the_case_and_home_pages(
    client, app_parts, notify, signed_in
):
    olive = signed_in("olive")
    sent, _page = tracked(client, app_parts, notify)
    staff_do(
        app_parts,
        sent.reference,
        t.assign,
        "olive",
        owners={"olive"},
        procedure=app_parts.procedure,
    )
    answer = post_on_case(client, "/track/reply", {"message": REPLY})
    assert answer.status_code == 303
    shown = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "We have received your message" in shown and REPLY in shown
    (row,) = [r for r in app_parts.store.rows("events") if r["type"] == "person_replied"]
    assert (row["ref"], row["actor"], row["note"]) == (sent.reference, "person", REPLY)
    case_page = olive.get(f"/staff/cases/{sent.reference}").get_data(as_text=True)
    assert "Message from the person" in case_page and REPLY in case_page
    home = olive.get("/staff/").get_data(as_text=True)
    assert "data-new-replies" in home and sent.reference in home and "1 new message" in home
    staff_do(app_parts, sent.reference, t.acknowledge)  # staff act: the reply is seen to
    assert "data-new-replies" not in olive.get("/staff/").get_data(as_text=True)


def test_asking_for_stage_2_starts_its_clock_and_queues_the_acknowledgement(
    client, app_parts, notify
):
    sent, page = tracked(client, app_parts, notify)
    assert "Ask for Stage 2" not in page.get_data(as_text=True)  # no response yet
    staff_do(app_parts, sent.reference, t.record_outcome, "not_upheld", findings="On time.")
    html = client.get("/track/case").get_data(as_text=True)
    assert "Ask for Stage 2" in html
    last_day = app_parts.procedure.due(
        date.today(), app_parts.procedure.stage("stage2").ask_within, app_parts.calendar
    )
    assert f"You can ask until {long_date(last_day, 'en')}" in html
    answer = post_on_case(client, "/track/escalate", {"reasons": "Nobody spoke to the carer."})
    assert answer.status_code == 303
    case = case_of(app_parts, sent.reference)
    assert case.stage == "stage2" and case.current.started == date.today()
    (entered,) = [e for e in case.events if e["type"] == "stage_entered"]
    assert (entered["actor"], entered["note"]) == ("person", "Nobody spoke to the carer.")
    (ack,) = [m for m in messages(app_parts, sent.reference) if m.type == "escalation_received"]
    assert ack.values["stage_name"] == "Stage 2" and ack.recipient == "dafydd.parry@example.com"
    due = app_parts.procedure.due(
        date.today(), app_parts.procedure.stage("stage2").respond, app_parts.calendar
    )
    assert long_date(due, "en") in ack.values["next_steps"]  # Stage 2's own clock
    shown = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "We have received your request for Stage 2" in shown


def test_asking_before_a_response_is_refused(client, app_parts, notify):
    sent, _page = tracked(client, app_parts, notify)
    answer = post_on_case(client, "/track/escalate", {"reasons": "Too slow."})
    assert answer.status_code == 400
    assert "You cannot ask for the next stage now" in answer.get_data(as_text=True)
    assert "Too slow." in answer.get_data(as_text=True)  # kept
    assert case_of(app_parts, sent.reference).stage == "stage1"


def test_after_the_time_to_ask_the_page_says_whom_to_contact_and_refuses(client, app_parts, notify):
    sent, _page = tracked(client, app_parts, notify)
    long_ago = date.today() - timedelta(days=60)
    staff_do(app_parts, sent.reference, t.record_outcome, "upheld", on=long_ago)
    html = client.get("/track/case").get_data(as_text=True)
    assert "data-escalation-over" in html and "Ask for Stage 2" not in html, html[
        html.find("<main") :
    ]
    assert "Charity Commission for England and Wales" in html
    assert app_parts.settings.contact["phone"] in html
    answer = post_on_case(client, "/track/escalate", {"reasons": "Late, but unhappy."})
    assert answer.status_code == 400
    assert case_of(app_parts, sent.reference).stage == "stage1"


def test_bad_input_is_refused_in_words_keeping_what_was_typed(client, app_parts, notify):
    sent, _page = tracked(client, app_parts, notify)
    nul = post_on_case(client, "/track/reply", {"message": "Before\x00after"})
    assert nul.status_code == 400
    assert "a character we cannot accept" in nul.get_data(as_text=True)
    assert "Beforeafter" in nul.get_data(as_text=True)
    huge = "a" * 20_000
    long = post_on_case(client, "/track/reply", {"message": huge})
    assert long.status_code == 400 and huge in long.get_data(as_text=True)
    assert "5000 characters or fewer" in long.get_data(as_text=True)
    empty = post_on_case(client, "/track/reply", {"message": "   "})
    assert empty.status_code == 400 and "Enter your message" in empty.get_data(as_text=True)
    assert post_on_case(client, "/track/reply", {}).status_code == 400  # no field at all
    assert post_on_case(client, "/track/escalate", {"reasons": huge}).status_code == 400
    page = client.get("/track").get_data(as_text=True)
    wrong = client.post("/track", data={"csrf_token": csrf_token(page), "reference": "x" * 20_000})
    assert wrong.status_code == 400 and "Enter your reference number" in wrong.get_data(
        as_text=True
    )
    ask(client, sent.reference)
    nul_code = enter(client, "\x00" * 9)
    assert nul_code.status_code == 400 and "That code is not right" in nul_code.get_data(
        as_text=True
    )
    assert (
        client.post("/track/reply", data="not a form", content_type="text/plain").status_code < 500
    )
    assert not [r for r in app_parts.store.rows("events") if r["type"] == "person_replied"]


def test_the_case_page_needs_a_code_first_and_finishing_forgets_the_case(client, app_parts, notify):
    fresh = client.application.test_client()
    assert fresh.get("/track/case").headers["Location"].startswith("/track")
    sent, _page = tracked(client, app_parts, notify)
    post_on_case(client, "/track/finish", {})
    assert client.get("/track/case").status_code == 302
