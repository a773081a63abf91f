"""The drafts folder: ids that cannot leave it, a size per draft, a number per owner, what is
left once sent, and purging by the idle lifetime."""

from __future__ import annotations

import os
import time

import pytest

from forms_app.storage.drafts import (
    DRAFT_IDLE_SECONDS,
    Drafts,
    DraftTooLarge,
    TooManyDrafts,
    draft_owner,
    new_draft_id,
)

OWNER = draft_owner("198.51.100.7", "secret")


def test_an_owner_is_a_keyed_hash_never_the_address():
    assert draft_owner("198.51.100.7", "another secret") != OWNER
    assert draft_owner("198.51.100.8", "secret") != OWNER
    assert "198" not in OWNER and len(OWNER) == 16


def test_ids_that_could_name_another_path_are_refused(tmp_path):
    drafts = Drafts(tmp_path / "drafts")
    for bad in ("../../etc/passwd", "a" * 16 + "./" + "b" * 42, "", "x/y"):
        assert drafts.load(bad) == {}
        with pytest.raises(ValueError):
            drafts.save(bad, {"journeys": {}})


def test_a_draft_over_the_size_stores_nothing(tmp_path):
    drafts = Drafts(tmp_path / "drafts", max_bytes=1_000)
    draft_id = new_draft_id(OWNER)
    with pytest.raises(DraftTooLarge):
        drafts.save(draft_id, {"answers": {"details": "x" * 1_000}})
    assert drafts.load(draft_id) == {}
    assert not list((tmp_path / "drafts").rglob("*.json"))


def test_an_owner_keeps_at_most_its_number_of_drafts_and_may_still_change_them(tmp_path):
    drafts = Drafts(tmp_path / "drafts", per_owner=3)
    ids = [new_draft_id(OWNER) for _ in range(4)]
    for draft_id in ids[:3]:
        drafts.save(draft_id, {"n": 1})
    with pytest.raises(TooManyDrafts):
        drafts.save(ids[3], {"n": 1})
    drafts.save(ids[0], {"n": 2})  # changing one already kept is fine
    assert drafts.load(ids[0]) == {"n": 2}
    drafts.save(new_draft_id(draft_owner("2001:db8::/64", "secret")), {"n": 1})


def test_a_sent_draft_keeps_its_keys_and_frees_its_place(tmp_path):
    drafts = Drafts(tmp_path / "drafts", per_owner=1)
    draft_id = new_draft_id(OWNER)
    drafts.save(draft_id, {"journeys": {"complaint": {"answers": {"name": "Alys"}, "key": "k"}}})
    drafts.mark_sent(draft_id, {"journeys": {"complaint": {"key": "k"}}})
    assert drafts.load(draft_id) == {"journeys": {"complaint": {"key": "k"}}}
    assert b"Alys" not in b"".join(p.read_bytes() for p in (tmp_path / "drafts").rglob("*.*"))
    drafts.save(new_draft_id(OWNER), {"n": 1})  # the sent one no longer counts


def test_purge_removes_idle_drafts_old_ones_and_empty_folders(tmp_path):
    folder = tmp_path / "drafts"
    drafts = Drafts(folder)
    idle, fresh = new_draft_id(OWNER), new_draft_id(draft_owner("203.0.113.9", "s"))
    drafts.save(idle, {"n": 1})
    drafts.save(fresh, {"n": 1})
    legacy = folder / f"{'d' * 43}.json"
    legacy.write_text("{}")
    leftover = folder / OWNER / "half.123.tmp"
    leftover.write_text("{")
    old = time.time() - DRAFT_IDLE_SECONDS - 60
    for path in (folder / OWNER / f"{idle.split('.')[1]}.json", legacy, leftover):
        os.utime(path, (old, old))
    assert drafts.purge() == 2
    assert drafts.load(idle) == {} and drafts.load(fresh) == {"n": 1}
    assert not (folder / OWNER).exists()
    assert drafts.load("d" * 43) == {}
