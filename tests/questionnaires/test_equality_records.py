"""Equality answers and the data protection operations: subject access says they are anonymous
and finds nothing of them for the person; the retention purge removes them by their own month;
erasing a case leaves nothing in the answers file that names it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from forms_app.questionnaires.store import Answers, answers_path
from forms_app.records.retention.erasure import erase
from forms_app.records.retention.purge import purge
from forms_app.records.retention.subject_access import subject_access
from tests.tracking.conftest import submit

from .equality_steps import CHOSEN, offer_link, post


def _answered(client) -> str:
    sent = submit(client)
    path = client.get(offer_link(sent.html)).headers["Location"]
    page = client.get(path).get_data(as_text=True)
    assert post(client, path, page, CHOSEN).status_code == 303
    return sent.reference


def test_subject_access_says_equality_answers_are_anonymous(client, app_parts, tmp_path):
    ref = _answered(client)
    subject_access(app_parts, tmp_path / "out", actor="officer.a", ref=ref)
    records = json.loads((tmp_path / "out" / "records.json").read_text(encoding="utf-8"))
    (case,) = records["cases"]
    assert case["survey_invitations"] == []
    assert "bisexual" not in json.dumps(records) and "equality" not in json.dumps(records)
    cover = (tmp_path / "out" / "cover-note.txt").read_text(encoding="utf-8")
    assert "Equality monitoring answers" in cover and "anonymous" in cover


def test_the_purge_removes_equality_answers_by_their_month(client, app_parts):
    _answered(client)
    kept = purge(app_parts, actor="officer.a", now=datetime.now(UTC) + timedelta(days=365))
    assert kept.removed["survey_answers"] == 0
    with Answers(app_parts.settings.data_dir) as answers:
        assert len(answers.responses("equality")) == 1
    later = datetime.now(UTC) + timedelta(days=366 * 11)
    gone = purge(app_parts, actor="officer.a", now=later)
    assert gone.removed["survey_answers"] == 1
    with Answers(app_parts.settings.data_dir) as answers:
        assert answers.responses("equality") == []


def test_erasure_leaves_anonymous_answers_that_name_nobody(client, app_parts):
    ref = _answered(client)
    erase(app_parts, ref, "malicious_allegation", actor="officer.a")
    with Answers(app_parts.settings.data_dir) as answers:
        assert len(answers.responses("equality")) == 1
    assert ref.encode() not in answers_path(app_parts.settings.data_dir).read_bytes()


def test_the_case_handler_never_sees_the_answers(client, app_parts, signed_in):
    olive = signed_in("olive")
    ref = _answered(client)
    page = olive.get(f"/staff/cases/{ref}")
    assert page.status_code == 200 and ref in page.text, page.headers.get("Location")
    words = ("Bisexual", "bisexual", "35 to 44", "Welsh, English, Scottish", "equality")
    assert [w for w in words if w in page.text] == []
