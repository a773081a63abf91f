"""A member of staff asked answers from their own staff pages, seeing only what was shared even
on a case they may not open; the home page counts outstanding requests; reminders go once
before the due date and once when overdue, however often the morning job runs."""

from __future__ import annotations

from datetime import date, timedelta

from forms_app.casework.request_links import Links
from forms_app.casework.request_reminders import send_reminders
from forms_app.cli.staff import due_command
from forms_app.messages import smtp as mail
from forms_app.messages.staff_mail import queue_staff_mail
from forms_app.web.parts import case_index
from tests.support.staff import csrf

from .conftest import DETAILS, PERSON_EMAIL, PERSON_NAME, ask, audit_actions

OSCAR = "oscar@staff.example.org"


def _ask_oscar(world):
    olive = world.client("olive")
    response = ask(
        olive, world.ref, who="staff", user="oscar", question="What did the rota say?", days="5"
    )
    assert response.status_code == 303, response.text
    (request,) = world.case().requests.values()
    return olive, request


def test_a_member_of_staff_answers_from_their_requests_page(world):
    olive, request = _ask_oscar(world)
    (email,) = world.inbox.to(OSCAR)
    assert "/staff/requests" in email and "/respond/" not in email

    oscar = world.client("oscar")  # covers mental health: he may not open this case
    assert oscar.get(f"/staff/cases/{world.ref}").status_code == 404
    listing = oscar.get("/staff/requests")
    assert world.ref in listing.text
    page = oscar.get(f"/staff/requests/{world.ref}/{request.ident}")
    assert page.status_code == 200 and DETAILS in page.text and "rota" in page.text
    assert PERSON_NAME not in page.text and PERSON_EMAIL not in page.text

    answered = oscar.post(
        f"/staff/requests/{world.ref}/{request.ident}",
        data={"csrf_token": csrf(page.text), "answer": "The rota shows two visits booked."},
        content_type="multipart/form-data",
    )
    assert answered.status_code == 303
    found = world.case().requests[request.ident]
    assert found.status == "answered" and found.answered_by == "oscar"
    assert any("has answered your request" in m for m in world.inbox.to("olive@staff.example.org"))
    # Answered: the page has gone for him, and nobody else ever had it.
    assert oscar.get(f"/staff/requests/{world.ref}/{request.ident}").status_code == 404
    assert "request.answer" in audit_actions(world)


def test_only_the_person_asked_may_answer(world):
    _olive, request = _ask_oscar(world)
    mina = world.client("mina")
    assert mina.get(f"/staff/requests/{world.ref}/{request.ident}").status_code == 404
    assert mina.get(f"/staff/requests/{world.ref}/R-nothing").status_code == 404


def test_the_home_page_and_case_page_show_outstanding_requests(world):
    olive, request = _ask_oscar(world)
    home = olive.get("/staff/")
    row = home.text[home.text.index('data-figure="outstanding_requests"') :]
    row = row[: row.index("</tr>")]
    assert ">1<" in row
    case_page = olive.get(f"/staff/cases/{world.ref}")
    assert f'data-request="{request.ident}"' in case_page.text
    assert 'data-status="outstanding"' in case_page.text


def _run(world, today: date):
    with world.app.app_context():
        index = case_index()
        index.refresh()
        config = mail.email_settings(world.parts.settings.raw)
        with Links(world.parts.settings.data_dir, world.app.config["SECRET_KEY"]) as links:
            return send_reminders(
                index,
                world.parts.store,
                world.parts.contract,
                links,
                lambda to, subject, body, *, ref, cause: queue_staff_mail(
                    world.parts.settings.data_dir, config, to, subject, body, ref=ref, cause=cause
                ),
                emails={"oscar": OSCAR},
                staff_link="http://staff.example/staff/requests",
                today=today,
            )


def test_reminders_go_once_before_the_due_date_and_once_when_overdue(world):
    _olive, request = _ask_oscar(world)
    before = len(world.inbox.to(OSCAR))
    case = world.case()  # the request's due date is 5 working days from today
    due = request.due
    early = due - timedelta(days=14)
    assert _run(world, max(early, request.asked_on)).sent == 0

    with world.app.app_context():
        index = case_index()
        cal = index.calendar_for(index.procedure_for(case.procedure))
    near = cal.add_working_days(request.asked_on, 4)  # 1 working day before it is due
    assert _run(world, near).sent == 1
    assert _run(world, near).sent == 0
    assert _run(world, due).sent == 0  # the reminder before has gone already
    late = due + timedelta(days=1)
    assert _run(world, late).sent == 1
    assert _run(world, late + timedelta(days=3)).sent == 0

    mails = world.inbox.to(OSCAR)[before:]
    assert len(mails) == 2
    assert "Reminder:" in mails[0] and "Overdue:" in mails[1]
    assert world.case().requests[request.ident].reminders == ["before", "overdue"]


def test_the_morning_job_sends_the_reminders(world):
    _olive, request = _ask_oscar(world)
    runner = world.app.test_cli_runner()
    late = (request.due + timedelta(days=1)).isoformat()
    first = runner.invoke(due_command, ["--email", "--today", late])
    assert first.exit_code == 0, first.output
    assert "reminded 1 " in first.output
    second = runner.invoke(due_command, ["--email", "--today", late])
    assert "reminded 0 " in second.output
    assert sum("Overdue:" in m for m in world.inbox.to(OSCAR)) == 1


def test_a_withdrawn_request_gets_no_reminder(world):
    olive, request = _ask_oscar(world)
    page = olive.get(f"/staff/cases/{world.ref}")
    olive.post(
        f"/staff/cases/{world.ref}/requests/{request.ident}/withdraw",
        data={"csrf_token": csrf(page.text)},
    )
    assert world.case().requests[request.ident].status == "withdrawn"
    assert _run(world, request.due + timedelta(days=1)).sent == 0
