"""Updates to the person when staff change a case: every stored change passes
``events.record``, which queues the message the change tells the person about, whether the
change came from the staff pages or the shared sheet."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from forms_app.casework import transitions as t
from forms_app.casework.events import record
from forms_app.casework.state import Case
from forms_app.language.welsh import long_date
from forms_app.messages import wording
from forms_app.messages.outbox import Outbox
from tests.support.walker import ANSWERS

from .test_acknowledgement import _walk


def _case(app_parts, ref) -> Case:
    submission = app_parts.store.find(ref)
    case = Case.from_submission(submission, app_parts.procedure.stages[0].code)
    for row in app_parts.store.rows("events"):
        if row["ref"] == ref:
            case.apply(row)
    return case


def _messages(app_parts, ref):
    with Outbox(app_parts.messenger.path) as outbox:
        return outbox.for_refs([ref])


def test_each_staff_change_the_person_is_told_of_queues_its_update(client, app_parts):
    result = _walk(client, "/complaint/", ANSWERS["complaint"])
    ref = result.reference
    actor = t.Actor("olive", date.today())
    later = date.today() + timedelta(days=30)

    def do(change, *args, **kwargs):
        rows = change(_case(app_parts, ref), actor, *args, **kwargs)
        record(app_parts.store, app_parts.contract, rows)

    do(t.acknowledge)
    do(t.assign, "olive", owners={"olive"}, procedure=app_parts.procedure)
    do(t.extend, later, "We are waiting for the care agency's rota.")
    do(t.pause, "We have asked you for the name of the carer.")
    do(t.resume)
    do(t.record_outcome, "upheld", findings="The visit was missed.")
    do(t.close)
    messages = _messages(app_parts, ref)
    assert [m.type for m in messages] == [
        "acknowledgement",
        "acknowledged",
        "assigned",
        "extended",
        "paused",
        "resumed",
        "responded",
        "closed",
    ]
    extended = messages[3]
    assert extended.values["new_date"] == long_date(later, "en")
    assert extended.values["reason"] == "We are waiting for the care agency's rota."
    assert "olive" not in str(messages[2].values)  # the investigator's name is not sent
    for message in messages:
        subject, body = wording.render(
            message.type, message.language, message.wording, message.channel, message.values
        )
        assert ref in subject and ref in body


def test_a_refused_change_queues_nothing(client, app_parts):
    result = _walk(client, "/complaint/", ANSWERS["complaint"])
    actor = t.Actor("olive", date.today())
    with pytest.raises(t.Refused):
        t.extend(_case(app_parts, result.reference), actor, date.today(), "too soon")
    assert [m.type for m in _messages(app_parts, result.reference)] == ["acknowledgement"]


def test_an_anonymous_case_gets_no_updates(client, app_parts):
    result = _walk(client, "/concern/", ANSWERS["concern"])
    actor = t.Actor("olive", date.today())
    record(
        app_parts.store,
        app_parts.contract,
        t.acknowledge(_case(app_parts, result.reference), actor),
    )
    assert _messages(app_parts, result.reference) == []
