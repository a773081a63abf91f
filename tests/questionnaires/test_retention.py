"""The survey and the data protection operations: subject access lists a case's invitation
and says the answers are anonymous; erasure and the retention purge remove the invitation with
the case; the purge removes answers by their own age, and erasure leaves answers nobody can
tie to the person."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from forms_app.questionnaires.store import Answers, answers_path
from forms_app.records.retention.erasure import erase
from forms_app.records.retention.purge import purge
from forms_app.records.retention.subject_access import subject_access

from .conftest import answer, close, submit, survey_link


def _answered_case(client, app_parts) -> str:
    sent = submit(client)
    close(app_parts, sent.reference)
    assert answer(client, survey_link(app_parts, sent.reference)).status_code == 303
    return sent.reference


def test_subject_access_lists_the_invitation_and_says_answers_are_anonymous(
    client, app_parts, tmp_path
):
    ref = _answered_case(client, app_parts)
    result = subject_access(app_parts, tmp_path / "out", actor="officer.a", ref=ref)
    records = json.loads((tmp_path / "out" / "records.json").read_text(encoding="utf-8"))
    (case,) = records["cases"]
    (invitation,) = case["survey_invitations"]
    assert invitation["questionnaire"] == "satisfaction" and invitation["answered"] is True
    cover = (tmp_path / "out" / "cover-note.txt").read_text(encoding="utf-8")
    assert "answers are anonymous" in cover
    assert "Ring back when you say you will" not in json.dumps(records)
    assert result.refs == [ref]


def test_erasure_removes_the_invitation_and_leaves_nothing_of_the_case(client, app_parts):
    ref = _answered_case(client, app_parts)
    erase(app_parts, ref, "malicious_allegation", actor="officer.a")
    with Answers(app_parts.settings.data_dir) as answers:
        assert answers.for_refs([ref]) == {}
        assert len(answers.responses("satisfaction")) == 1  # anonymous: nobody's to erase
    assert ref.encode() not in answers_path(app_parts.settings.data_dir).read_bytes()


def test_the_purge_removes_old_answers_and_the_invitations_of_purged_cases(client, app_parts):
    ref = _answered_case(client, app_parts)
    later = datetime.now(UTC) + timedelta(days=366 * 11)
    result = purge(app_parts, actor="officer.a", now=later)
    assert ref in result.expired
    assert result.removed["survey_answers"] == 1
    with Answers(app_parts.settings.data_dir) as answers:
        assert answers.responses("satisfaction") == [] and answers.for_refs([ref]) == {}


def test_the_purge_keeps_answers_within_the_retention_period(client, app_parts):
    _answered_case(client, app_parts)
    result = purge(app_parts, actor="officer.a", now=datetime.now(UTC) + timedelta(days=365))
    assert result.removed["survey_answers"] == 0
    with Answers(app_parts.settings.data_dir) as answers:
        assert len(answers.responses("satisfaction")) == 1
