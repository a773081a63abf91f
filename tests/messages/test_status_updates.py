"""The person is told when their case starts again after a pause, is recorded as withdrawn, and
is opened again after it was closed: in their language and wording, each once however many
times the change is recorded or swept."""

from __future__ import annotations

from datetime import date

import pytest

from forms_app.casework import transitions as t
from forms_app.casework.events import record
from forms_app.casework.messaging import Sweep
from forms_app.messages import wording
from tests.support.walker import ANSWERS

from .test_acknowledgement import _walk
from .test_updates import _case, _messages


def _do(app_parts, ref, change, *args, **kwargs):
    rows = change(_case(app_parts, ref), t.Actor("olive", date.today()), *args, **kwargs)
    return record(app_parts.store, app_parts.contract, rows)


def test_withdrawing_and_reopening_a_case_each_tell_the_person_once(client, app_parts):
    ref = _walk(client, "/complaint/", ANSWERS["complaint"]).reference
    _do(app_parts, ref, t.withdraw, "The person phoned to say the visits are sorted.")
    _do(app_parts, ref, t.reopen, "The visits stopped again.")
    # The sweep finds both already queued: nothing twice.
    assert Sweep(app_parts.messenger, app_parts.store)() == 0
    messages = _messages(app_parts, ref)
    assert [m.type for m in messages] == ["acknowledgement", "withdrawn", "reopened"]
    withdrawn, reopened = messages[1:]
    subject, body = wording.render("withdrawn", "en", "standard", "email", withdrawn.values)
    assert ref in subject and "withdrawn your feedback" in body
    # A staff note is the staff's: it never goes to the person with these updates.
    assert "phoned" not in body and "phoned" not in str(withdrawn.values)
    subject, body = wording.render("reopened", "en", "standard", "email", reopened.values)
    assert ref in subject and "opened your feedback" in body
    assert "stopped again" not in body


def test_resuming_a_paused_case_tells_the_person_work_has_started_again(client, app_parts):
    ref = _walk(client, "/complaint/", ANSWERS["complaint"]).reference
    _do(app_parts, ref, t.pause, "We have asked you for the name of the carer.")
    _do(app_parts, ref, t.resume)
    resumed = _messages(app_parts, ref)[-1]
    assert resumed.type == "resumed"
    subject, body = wording.render(
        "resumed", resumed.language, resumed.wording, resumed.channel, resumed.values
    )
    assert ref in subject and "started work on your feedback" in body


@pytest.mark.parametrize(
    ("start", "language", "words", "expected"),
    [
        ("/cy/complaint/", "cy", "standard", "wedi tynnu eich adborth"),
        ("/easy-read/complaint/", "en", "easy-read", "You asked us to stop"),
        ("/cy/young-people/complaint/", "cy", "young-people", "dy neges"),
    ],
)
def test_the_withdrawal_is_told_in_the_persons_language_and_wording(
    client, app_parts, start, language, words, expected
):
    ref = _walk(client, start, ANSWERS["complaint"]).reference
    _do(app_parts, ref, t.withdraw)
    message = _messages(app_parts, ref)[-1]
    assert (message.type, message.language, message.wording) == ("withdrawn", language, words)
    _subject, body = wording.render(
        "withdrawn", message.language, message.wording, message.channel, message.values
    )
    assert expected in body and ref in body
