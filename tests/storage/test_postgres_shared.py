"""What several app servers share in PostgreSQL besides the case tables: drafts, rate-limit
counters and staff sessions, each seen by a second process's objects (as a second app server
would see them), against a real server."""

from __future__ import annotations

import threading
import time

import pytest

from forms_app.staff.sessions import open_pending, open_sessions
from forms_app.storage.drafts import (
    DRAFT_IDLE_SECONDS,
    DraftTooLarge,
    TooManyDrafts,
    draft_owner,
    new_draft_id,
    open_drafts,
)
from forms_app.storage.postgres.drafts import PostgresDrafts
from forms_app.storage.postgres.limits import PostgresCounters

OWNER = draft_owner("198.51.100.7", "secret")


def test_postgres_drafts_saved_by_one_server_are_read_by_another(postgres_url, tmp_path):
    one = open_drafts(tmp_path / "a" / "drafts", postgres_url)
    other = open_drafts(tmp_path / "b" / "drafts", postgres_url)
    assert isinstance(one, PostgresDrafts)
    draft_id = new_draft_id(OWNER)
    one.save(draft_id, {"answers": {"details": "Aros yn hir am apwyntiad"}})
    assert other.load(draft_id) == {"answers": {"details": "Aros yn hir am apwyntiad"}}
    other.save(draft_id, {"answers": {"details": "changed"}})
    assert one.load(draft_id) == {"answers": {"details": "changed"}}
    assert not list(tmp_path.rglob("*.json")), "no draft is kept in a data directory"
    one.delete(draft_id)
    assert other.load(draft_id) == {}


def test_postgres_drafts_refuse_ids_that_are_not_draft_ids(postgres_url, tmp_path):
    drafts = open_drafts(tmp_path / "drafts", postgres_url)
    for bad in ("../../etc/passwd", "a" * 16 + "./" + "b" * 42, "", "x/y", "'; DROP TABLE x"):
        assert drafts.load(bad) == {}
        with pytest.raises(ValueError):
            drafts.save(bad, {"journeys": {}})


def test_postgres_drafts_over_the_size_store_nothing(postgres_url, tmp_path):
    drafts = PostgresDrafts(postgres_url, tmp_path / "drafts", max_bytes=1_000)
    draft_id = new_draft_id(OWNER)
    with pytest.raises(DraftTooLarge):
        drafts.save(draft_id, {"answers": {"details": "x" * 1_000}})
    assert drafts.load(draft_id) == {}


def test_postgres_drafts_per_owner_limit_holds_across_servers(postgres_url, tmp_path):
    one = PostgresDrafts(postgres_url, tmp_path / "a", per_owner=3)
    other = PostgresDrafts(postgres_url, tmp_path / "b", per_owner=3)
    ids = [new_draft_id(OWNER) for _ in range(4)]
    one.save(ids[0], {"n": 1})
    other.save(ids[1], {"n": 1})
    one.save(ids[2], {"n": 1})
    with pytest.raises(TooManyDrafts):
        other.save(ids[3], {"n": 1})
    other.save(ids[0], {"n": 2})  # changing one already kept is fine
    assert one.load(ids[0]) == {"n": 2}
    other.save(new_draft_id(draft_owner("2001:db8::/64", "secret")), {"n": 1})
    # A sent draft keeps its keys and frees its place.
    one.mark_sent(ids[1], {"complaint": "key-1"})
    assert other.load(ids[1]) == {"complaint": "key-1"}
    other.save(ids[3], {"n": 1})
    assert one.count() == 4  # three of this owner, one of the other network


def test_postgres_drafts_concurrent_new_drafts_never_pass_the_limit(postgres_url, tmp_path):
    drafts = [PostgresDrafts(postgres_url, tmp_path / str(n), per_owner=5) for n in range(2)]
    refused = []

    def save(which: int) -> None:
        for _ in range(5):
            try:
                drafts[which].save(new_draft_id(OWNER), {"n": 1})
            except TooManyDrafts:
                refused.append(1)

    threads = [threading.Thread(target=save, args=(n % 2,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert drafts[0].count() == 5
    assert len(refused) == 15


def test_postgres_drafts_are_purged_after_their_idle_lifetime(postgres_url, tmp_path):
    drafts = PostgresDrafts(postgres_url, tmp_path / "drafts")
    old, new = new_draft_id(OWNER), new_draft_id(OWNER)
    drafts.save(old, {"n": 1})
    held = tmp_path / "drafts" / "files" / old
    held.mkdir(parents=True)
    (held / "letter").write_bytes(b"%PDF-")
    time.sleep(0.05)
    drafts.save(new, {"n": 2})
    later = time.time() + DRAFT_IDLE_SECONDS - 0.02
    assert drafts.purge(now=later) == 1
    assert drafts.load(old) == {} and drafts.load(new) == {"n": 2}
    assert not held.exists(), "the files added to a purged draft go with it"


def test_postgres_rate_limit_counts_every_server_together(postgres_url):
    servers = [PostgresCounters(postgres_url) for _ in range(2)]
    now = 1_000_000.0
    allowed = [servers[n % 2].hit(b"k" * 16, 5, 60, now) for n in range(8)]
    assert allowed == [True] * 5 + [False] * 3
    assert servers[0].hit(b"other-address---", 5, 60, now), "another address has its own window"
    assert servers[1].hit(b"k" * 16, 5, 60, now + 61), "a new window starts when one ends"


def test_postgres_rate_limit_counts_concurrent_hits_one_by_one(postgres_url):
    counters = PostgresCounters(postgres_url)
    results = []

    def hit() -> None:
        for _ in range(10):
            results.append(counters.hit(b"c" * 16, 25, 600))

    threads = [threading.Thread(target=hit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 25 and results.count(False) == 15


def test_postgres_rate_limit_allows_when_the_database_is_unreachable():
    counters = PostgresCounters("postgresql://nobody@127.0.0.1:1/none?connect_timeout=1")
    assert counters.hit(b"k" * 16, 1, 60)
    assert counters.hit(b"k" * 16, 1, 60)


def test_postgres_staff_sessions_are_shared_and_end_everywhere(postgres_url, tmp_path):
    one = open_sessions(tmp_path / "a", postgres_url)
    other = open_sessions(tmp_path / "b", postgres_url)
    now = 1_000_000.0
    session = one.start("amara.okafor", now, details={"iss": "https://id.example", "sid": "s1"})
    found, reason = other.load(session.token, now + 10)
    assert found is not None and found.username == "amara.okafor" and reason == ""
    assert not (tmp_path / "a" / "staff_sessions").exists()
    # Last seen is written by one server and counted by the other.
    other.load(session.token, now + 1_500)
    assert one.load(session.token, now + 1_500 + 1_700)[0] is not None
    assert one.load(session.token, now + 1_500 + 1_700 + 1_801) == (None, "idle")
    assert other.load(session.token, now) == (None, "none"), "an ended session is gone for all"

    second = one.start("amara.okafor", now)
    third = one.start("dylan.pugh", now)
    assert other.end_all("amara.okafor") == 1
    assert one.load(second.token, now)[0] is None and one.load(third.token, now)[0] is not None
    fourth = one.start("dylan.pugh", now, details={"iss": "https://id.example", "sid": "s2"})
    assert other.end_where(iss="https://id.example", sid="s2") == 1
    assert one.load(fourth.token, now)[0] is None and one.load(third.token, now)[0] is not None
    other.end(third.token)
    assert one.load(third.token, now) == (None, "none")


def test_postgres_pending_sign_in_is_taken_once_whichever_server_asks(postgres_url, tmp_path):
    one = open_pending(tmp_path / "a", postgres_url)
    other = open_pending(tmp_path / "b", postgres_url)
    pending = one.start("amara.okafor")
    assert other.peek(pending.token).username == "amara.okafor"
    taken = []
    barrier = threading.Barrier(4)

    def take(store) -> None:
        barrier.wait()
        taken.append(store.take(pending.token))

    threads = [threading.Thread(target=take, args=(s,)) for s in (one, other, one, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(1 for found in taken if found is not None) == 1
    found = next(found for found in taken if found is not None)
    found.tries += 1
    other.put_back(found)
    assert one.take(pending.token).tries == 1
    assert one.take(pending.token) is None
