"""The store of invitations and answers: a case is invited once, a link answers once, a used
or lost link can be replaced only while unanswered, and the answers hold nothing that points
back at the case (no reference, no token, no date finer than the month, no row order)."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from forms_app.questionnaires.store import (
    EXPIRED,
    INVITATION_DAYS,
    OK,
    UNKNOWN,
    USED,
    Answers,
    answers_path,
)

KEY = "a-secret-key-for-the-tests-only"
REF = "K7RM-3QXH"
NOW = 1_796_100_000.0  # 1 December 2026
CHOSEN = {"easy_to_tell": "agree", "respect": "prefer_not_to_say", "do_better": "Ffoniwch fi"}


@pytest.fixture
def answers(tmp_path):
    with Answers(tmp_path, KEY) as store:
        yield store


def test_a_case_is_invited_once(answers):
    token = answers.invite("satisfaction", REF, NOW)
    assert token and answers.check(token, NOW) == (OK, "satisfaction")
    assert answers.invite("satisfaction", REF, NOW) is None
    # The same case may be invited to another questionnaire.
    assert answers.invite("equality", REF, NOW)


def test_a_link_answers_once(answers):
    token = answers.invite("satisfaction", REF, NOW)
    assert answers.answer(token, "satisfaction", 1, CHOSEN, NOW) == OK
    assert answers.answer(token, "satisfaction", 1, CHOSEN, NOW) == USED
    assert answers.check(token, NOW)[0] == USED
    assert len(answers.responses("satisfaction")) == 1
    assert answers.reissue("satisfaction", REF, NOW) is None
    assert answers.answered("satisfaction", REF)


def test_two_answers_at_once_keep_one(tmp_path):
    with Answers(tmp_path, KEY) as store:
        token = store.invite("satisfaction", REF, NOW)
    outcomes = []

    def post():
        with Answers(tmp_path, KEY) as store:
            outcomes.append(store.answer(token, "satisfaction", 1, CHOSEN, NOW))

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [OK] + [USED] * 5
    with Answers(tmp_path) as store:
        assert len(store.responses("satisfaction")) == 1


def test_a_new_link_replaces_the_old_one_until_answered(answers):
    first = answers.invite("satisfaction", REF, NOW)
    second = answers.reissue("satisfaction", REF, NOW)
    assert second and second != first
    assert answers.check(first, NOW)[0] == UNKNOWN
    assert answers.answer(first, "satisfaction", 1, CHOSEN, NOW) == UNKNOWN
    assert answers.answer(second, "satisfaction", 1, CHOSEN, NOW) == OK


def test_a_link_runs_out(answers):
    token = answers.invite("satisfaction", REF, NOW)
    later = NOW + INVITATION_DAYS * 86400 + 1
    assert answers.check(token, later)[0] == EXPIRED
    assert answers.answer(token, "satisfaction", 1, CHOSEN, later) == EXPIRED
    assert answers.responses("satisfaction") == []


def test_malformed_tokens_are_unknown_without_a_lookup(answers):
    for token in ("", "short", "A" * 31 + "!", "\x00" * 32, None, "A" * 33):
        assert answers.check(token, NOW)[0] == UNKNOWN
        assert answers.answer(token, "satisfaction", 1, CHOSEN, NOW) == UNKNOWN


def test_the_answers_hold_nothing_that_points_back_at_the_case(tmp_path):
    tokens = {}
    with Answers(tmp_path, KEY) as store:
        for n in range(5):
            ref = f"K7RM-3QX{n}"
            tokens[ref] = store.invite("satisfaction", ref, NOW)
        for token in tokens.values():
            assert store.answer(token, "satisfaction", 1, CHOSEN, NOW + 3600) == OK
    with sqlite3.connect(answers_path(tmp_path)) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(responses)")]
        rows = db.execute("SELECT * FROM responses").fetchall()
        # No row numbers: the order rows were written in is not kept.
        with pytest.raises(sqlite3.OperationalError):
            db.execute("SELECT rowid FROM responses")
        hashes = {row[0] for row in db.execute("SELECT token_hash FROM invitations")}
    assert columns == ["id", "questionnaire", "version", "month", "answers"]
    assert {row[3] for row in rows} == {"2026-12"}
    text = repr(rows)
    for ref, token in tokens.items():
        assert ref not in text and token not in text
    assert not any(h in text for h in hashes)
    # Nothing kept is a token: only its keyed hash, and the same token hashes differently
    # under another key.
    with sqlite3.connect(answers_path(tmp_path)) as db:
        whole = repr(db.execute("SELECT * FROM invitations").fetchall())
    assert not any(token in whole for token in tokens.values())


def test_retention_and_erasure_reach_what_they_should(tmp_path):
    with Answers(tmp_path, KEY) as store:
        old = store.invite("satisfaction", "OLDD-0001", NOW - 400 * 86400)
        store.answer(old, "satisfaction", 1, CHOSEN, NOW - 400 * 86400)
        new = store.invite("satisfaction", REF, NOW)
        store.answer(new, "satisfaction", 1, {"easy_to_tell": "disagree"}, NOW)
        assert store.for_refs([REF, "NONE-0000"]) == {
            REF: [{"questionnaire": "satisfaction", "invited_in": "2026-12", "answered": True}]
        }
        assert store.remove_before("2026-01") == 1
        assert [m for m, _ in store.responses("satisfaction")] == ["2026-12"]
        assert store.forget([REF]) == 1
        assert store.for_refs([REF]) == {}
        # The answers stay: they are nobody's.
        assert len(store.responses("satisfaction")) == 1
    raw = answers_path(tmp_path).read_bytes()
    assert REF.encode() not in raw and b"Ffoniwch fi" not in raw
