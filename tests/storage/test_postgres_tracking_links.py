"""The tracking page's codes, the request links and the questionnaires behave the same in their
SQLite files and in PostgreSQL: the same steps on both engines give the same answers, hashes
only are kept, tries and spending are counted right when several callers race, and subject
access and erasure reach the rows wherever they are."""

from __future__ import annotations

import threading

import psycopg
import pytest

from forms_app.casework.database_links import DatabaseLinks
from forms_app.casework.request_links import Links, links_path
from forms_app.questionnaires.database_store import DatabaseAnswers, DatabaseOffers
from forms_app.questionnaires.offers import Offers
from forms_app.questionnaires.store import Answers, answers_path
from forms_app.records.retention import reach
from forms_app.storage.postgres.small_tables import DatabaseUnavailable
from forms_app.storage.shared_database import use_database
from forms_app.tracking.access import EXPIRED, LOCKED, MAX_TRIES, OK, WRONG, Access, access_path
from forms_app.tracking.database_access import DatabaseAccess

KEY = b"k" * 32
REF = "AB12-CD34"


@pytest.fixture(params=["files", "postgres"])
def engine(request, tmp_path):
    """(engine, data directory): the files, or (``postgres`` in the id) a fresh database."""
    data_dir = tmp_path / "data"
    if request.param == "postgres":
        use_database(data_dir, request.getfixturevalue("postgres_url"))
    yield request.param, data_dir
    use_database(data_dir, "")


def _wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def _held(kind: str, data_dir, url_or_path) -> bytes:
    """Every byte the engine keeps: the file, or every row of every table in the database."""
    if kind == "files":
        return b"".join(p.read_bytes() for p in data_dir.rglob("*") if p.is_file())
    with psycopg.connect(url_or_path) as db:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT tablename FROM pg_tables WHERE tablename LIKE 'feedback_%'"
            )
        ]
        return b"".join(
            str(db.execute(f"SELECT * FROM {name}").fetchall()).encode() for name in tables
        )


# -- tracking access --------------------------------------------------------------------------


def test_postgres_tracking_access_is_chosen_only_for_a_database_data_directory(engine):
    kind, data_dir = engine
    with Access(data_dir, KEY) as access:
        assert isinstance(access, DatabaseAccess) == (kind == "postgres")
        access.make_code(REF)
    assert access_path(data_dir).exists() == (kind == "files")


def test_postgres_tracking_codes_and_secrets_follow_the_same_rules_on_both_engines(engine, request):
    kind, data_dir = engine
    with Access(data_dir, KEY) as access:
        secret = access.make_secret(REF)
        assert secret and access.make_secret(REF) is None, "a secret is made once"
        assert access.attempt(REF, secret).outcome == EXPIRED, "no code asked for yet"
        code = access.make_code(REF, now=1000.0)
        assert access.attempt(REF, secret.lower().replace("-", " "), now=1001.0).outcome == OK
        tried = access.attempt(REF, _wrong(code), now=1001.0)
        assert (tried.outcome, tried.tries_left) == (WRONG, MAX_TRIES - 1)
        assert access.attempt(REF, code, now=1000.0 + 601).outcome == EXPIRED
        assert access.attempt(REF, code, now=1002.0).outcome == OK
        assert access.attempt(REF, code, now=1003.0).outcome == EXPIRED, "a code works once"
        fresh = access.make_code(REF, now=2000.0)
        said = [access.attempt(REF, _wrong(fresh), now=2001.0) for _ in range(MAX_TRIES)]
        assert [a.tries_left for a in said[:-1]] == [4, 3, 2, 1] and said[-1].outcome == LOCKED
        assert access.attempt(REF, fresh, now=2002.0).outcome == LOCKED
        assert access.attempt(REF, secret, now=2002.0).outcome == LOCKED
        found = access.for_refs([REF, "ZZZZ-ZZZZ"])
        assert set(found) == {REF} and found[REF]["code_asked_at"] == 2000.0
        assert found[REF]["code_used"] is False and found[REF]["tracking_secret_made_at"] > 0
    url = request.getfixturevalue("postgres_url") if kind == "postgres" else None
    held = _held(kind, data_dir, url)
    assert REF.encode() in held, "the rows were looked at"
    assert secret.encode() not in held and secret.replace("-", "").encode() not in held
    assert fresh.encode() not in held, "only hashes are kept"


def test_postgres_subject_access_and_erasure_reach_the_tracking_rows(engine):
    _, data_dir = engine
    with Access(data_dir, KEY) as access:
        access.make_secret(REF)
        access.make_code(REF)
        access.make_code("KEEP-THIS")
    assert set(reach.tracking_entries(data_dir, [REF])) == {REF}
    assert reach.forget_tracking(data_dir, [REF]) == 2
    assert reach.tracking_entries(data_dir, [REF, "KEEP-THIS"]).keys() == {"KEEP-THIS"}


def _at_once(count: int, work) -> list:
    """``work(i)`` in ``count`` threads started together; their results."""
    start = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        start.wait()
        results[i] = work(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_postgres_wrong_codes_tried_at_once_never_exceed_the_limit(engine):
    _, data_dir = engine
    with Access(data_dir, KEY) as access:
        code = access.make_code(REF)

    def try_wrong(_i):
        # Each caller its own store, as each app server (and each request) opens its own.
        with Access(data_dir, KEY) as access:
            return access.attempt(REF, _wrong(code))

    said = _at_once(12, try_wrong)
    assert sorted(a.tries_left for a in said if a.outcome == WRONG) == [1, 2, 3, 4]
    assert sum(1 for a in said if a.outcome == LOCKED) == 12 - (MAX_TRIES - 1)
    with Access(data_dir, KEY) as access:
        assert access.attempt(REF, code).outcome == LOCKED, "the right code comes too late"


# -- request links ----------------------------------------------------------------------------


def test_postgres_request_links_follow_the_same_rules_on_both_engines(engine):
    kind, data_dir = engine
    with Links(data_dir, KEY) as links:
        assert isinstance(links, DatabaseLinks) == (kind == "postgres")
        secret = links.make("r1", REF, expires=2000.0, now=1000.0)
        found = links.find(secret, now=1500.0)
        assert (found.request, found.ref, found.expires) == ("r1", REF, 2000.0)
        assert links.find(secret, now=2001.0) is None, "past its end"
        assert links.find("not-a-secret", now=1500.0) is None and links.find("", 1.0) is None
        assert links.spend("r1") and not links.spend("r1"), "spent once"
        assert links.find(secret, now=1500.0) is None, "a spent link opens nothing"
        again = links.make("r1", REF, expires=3000.0, now=1600.0)
        assert links.find(secret, now=1600.0) is None, "the earlier secret stops working"
        assert links.find(again, now=1600.0).request == "r1"
        assert links.claim_reminder("m1", REF) and not links.claim_reminder("m1", REF)
        assert links.for_refs([REF]) == {
            REF: [{"request": "r1", "expires": 3000.0, "spent": False}]
        }
    assert links_path(data_dir).exists() == (kind == "files")
    assert reach.forget_request_links(data_dir, [REF]) == 2
    with Links(data_dir, KEY) as links:
        assert links.for_refs([REF]) == {} and links.find(again, now=1600.0) is None
        assert links.claim_reminder("m1", REF), "the claim went with the case"


def test_postgres_a_link_spent_by_two_callers_at_once_is_spent_by_exactly_one(engine):
    _, data_dir = engine
    with Links(data_dir, KEY) as links:
        for number in range(5):
            links.make(f"r{number}", REF, expires=9e9)

    def spend(i):
        with Links(data_dir, KEY) as links:
            return [links.spend(f"r{n}") for n in range(5)], links.claim_reminder("m9", REF)

    results = _at_once(4, spend)
    assert [sum(spent[n] for spent, _ in results) for n in range(5)] == [1] * 5
    assert sum(claimed for _, claimed in results) == 1, "a reminder is claimed once"


# -- questionnaires ---------------------------------------------------------------------------


def test_postgres_questionnaires_follow_the_same_rules_on_both_engines(engine):
    kind, data_dir = engine
    assert (Answers.existing(data_dir) is None) == (kind == "files"), "looking makes no file"
    with Answers(data_dir, KEY) as answers:
        assert isinstance(answers, DatabaseAnswers) == (kind == "postgres")
        token = answers.invite("satisfaction", REF, now=1_700_000_000.0)
        assert token and answers.invite("satisfaction", REF) is None, "invited once"
        assert answers.check(token, now=1_700_000_001.0) == ("ok", "satisfaction")
        assert answers.check("x" * 32) == ("unknown", "")
        assert answers.answer(token, "satisfaction", 1, {"q": "a"}, now=1_800_000_000.0) == (
            "expired"
        )
        new = answers.reissue("satisfaction", REF, now=1_700_000_002.0)
        assert answers.check(token)[0] == "unknown", "the earlier link stops working"
        assert answers.answer(new, "other", 1, {"q": "a"}, now=1_700_000_003.0) == "unknown"
        assert answers.answer(new, "satisfaction", 1, {"q": "a"}, now=1_700_000_003.0) == "ok"
        assert answers.answer(new, "satisfaction", 1, {"q": "b"}, now=1_700_000_004.0) == "used"
        assert answers.answered("satisfaction", REF) and not answers.answered("x", REF)
        assert answers.reissue("satisfaction", REF) is None, "answered: no new link"
        assert answers.responses("satisfaction") == [("2023-11", {"q": "a"})]
        assert answers.for_refs([REF]) == {
            REF: [{"questionnaire": "satisfaction", "invited_in": "2023-11", "answered": True}]
        }
        assert answers.remove_before("2023-12") == 1 and answers.responses("satisfaction") == []
    assert reach.invitation_entries(data_dir, [REF])[REF][0]["answered"] is True
    assert reach.forget_invitations(data_dir, [REF]) == 1
    assert reach.invitation_entries(data_dir, [REF]) == {}


def test_postgres_offers_follow_the_same_rules_on_both_engines(engine):
    kind, data_dir = engine
    with Offers(data_dir, KEY) as offers:
        assert isinstance(offers, DatabaseOffers) == (kind == "postgres")
        token = offers.make("equality", now=1_700_000_000.0)
        skipped = offers.make("equality", now=1_700_000_000.0)
        assert offers.is_open(token, "equality", now=1_700_000_001.0)
        assert not offers.is_open(token, "satisfaction", now=1_700_000_001.0)
        assert offers.answer_offer(token, "equality", 2, {"sex": "f"}, 1_700_000_002.0) == "ok"
        assert offers.answer_offer(token, "equality", 2, {"sex": "m"}, 1_700_000_003.0) == (
            "unknown"
        )
        assert offers.withdraw(skipped, "equality", 1_700_000_004.0) == "ok"
        assert not offers.is_open(skipped, "equality", now=1_700_000_005.0)
    with Answers(data_dir, KEY) as answers:
        assert answers.responses("equality") == [("2023-11", {"sex": "f"})]
    assert answers_path(data_dir).exists() == (kind == "files")


def test_postgres_an_invitation_answered_twice_at_once_keeps_one_answer(engine):
    _, data_dir = engine
    with Answers(data_dir, KEY) as answers:
        token = answers.invite("satisfaction", REF)

    def answer(i):
        with Answers(data_dir, KEY) as answers:
            return answers.answer(token, "satisfaction", 1, {"q": str(i)})

    assert sorted(_at_once(4, answer)) == ["ok", "used", "used", "used"]
    with Answers(data_dir, KEY) as answers:
        assert len(answers.responses("satisfaction")) == 1


def test_postgres_answers_carry_no_trace_of_the_transaction_that_used_the_invitation(
    postgres_url, tmp_path
):
    """PostgreSQL stamps each row with the transaction that wrote it: an answer written with
    its invitation's use would share that stamp with the row naming the case."""
    data_dir = tmp_path / "data"
    use_database(data_dir, postgres_url)
    try:
        with Answers(data_dir, KEY) as answers:
            tokens = [answers.invite("satisfaction", f"REF{n}-AAAA") for n in range(6)]
            for number, token in enumerate(tokens):
                assert answers.answer(token, "satisfaction", 1, {"n": str(number)}) == "ok"
        with psycopg.connect(postgres_url) as db:
            used = {
                xmin
                for (xmin,) in db.execute(
                    "SELECT xmin::text FROM feedback_questionnaire_invitations WHERE used"
                )
            }
            kept = db.execute(
                "SELECT xmin::text, id FROM feedback_questionnaire_responses ORDER BY ctid"
            ).fetchall()
        assert len(used) == 6 and len(kept) == 6
        assert not used & {xmin for xmin, _ in kept}, "no answer shares its invitation's stamp"
        ids = [answer_id for _, answer_id in kept]
        assert ids == sorted(ids), "the answers lie in the order of their random ids"
    finally:
        use_database(data_dir, "")


def test_postgres_a_database_that_cannot_be_reached_is_a_failed_disk_to_callers(tmp_path):
    data_dir = tmp_path / "data"
    use_database(data_dir, "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
    try:
        for opened in (Access(data_dir, KEY), Links(data_dir, KEY), Answers(data_dir, KEY)):
            with pytest.raises(OSError) as caught:
                opened.for_refs([REF])
            assert isinstance(caught.value, DatabaseUnavailable)
    finally:
        use_database(data_dir, "")


def test_postgres_what_one_server_makes_another_opens(postgres_url, tmp_path):
    """Two data directories on one database, as two app servers have: a link, an invitation
    and a code made through one are used through the other."""
    one, other = tmp_path / "a" / "data", tmp_path / "b" / "data"
    for data_dir in (one, other):
        use_database(data_dir, postgres_url)
    try:
        with Links(one, KEY) as links:
            secret = links.make("r1", REF, expires=9e9)
        with Links(other, KEY) as links:
            assert links.find(secret).request == "r1" and links.spend("r1")
        with Links(one, KEY) as links:
            assert links.find(secret) is None and not links.spend("r1")
        with Answers(one, KEY) as answers:
            token = answers.invite("satisfaction", REF)
        with Answers(other, KEY) as answers:
            assert answers.answer(token, "satisfaction", 1, {"q": "a"}) == "ok"
        with Answers(one, KEY) as answers:
            assert answers.answered("satisfaction", REF)
            assert len(answers.responses("satisfaction")) == 1
        with Access(one, KEY) as access:
            code = access.make_code(REF)
        with Access(other, KEY) as access:
            assert access.attempt(REF, code).outcome == OK
    finally:
        for data_dir in (one, other):
            use_database(data_dir, "")
