"""The survey's tests: a closed case with an email address, its "closed" message read from the
outbox, and steps a person takes on the survey's pages."""

from __future__ import annotations

import re

import pytest

from forms_app.casework import transitions as t
from forms_app.questionnaires.store import answers_path
from tests.support.walker import csrf_token
from tests.tracking.conftest import messages, notify, staff_do, submit  # noqa: F401

LINK = re.compile(r"https?://[^\s]+?(/(?:[a-z-]+/)*survey/[A-Za-z0-9_-]{32})")
#: One answer to every scale question, and the free text.
CHOSEN = {
    "easy_to_tell": "agree",
    "kept_informed": "disagree",
    "respect": "strongly_agree",
    "clear_answer": "prefer_not_to_say",
    "time_taken": "neither",
}


def close(app_parts, ref: str) -> None:
    """Staff record an outcome and close the case (through casework, as the staff pages do)."""
    staff_do(app_parts, ref, t.record_outcome, "not_upheld", findings="On time.")
    staff_do(app_parts, ref, t.close)


def closed_message(app_parts, ref: str):
    found = [m for m in messages(app_parts, ref) if m.type == "closed"]
    assert len(found) == 1, found
    return found[0]


def survey_link(app_parts, ref: str) -> str:
    """The path of the survey link in the case's "closed" message."""
    message = closed_message(app_parts, ref)
    match = LINK.search(message.values["survey"])
    assert match, message.values
    return match.group(1)


def answer(client, path: str, data: dict | None = None):
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    form = {**CHOSEN, "do_better": "Ring back when you say you will."} if data is None else data
    return client.post(path, data={"csrf_token": csrf_token(page.get_data(as_text=True)), **form})


@pytest.fixture
def answers_file(data_dir):
    return answers_path(data_dir)
