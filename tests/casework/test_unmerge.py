"""Undoing a merge: an ``unmerged`` event on both cases opens the duplicate again, stops its
reference leading to the survivor and takes it off the survivor's list; it is refused for a
case that is not merged, into another case than the one named, for a case the member of staff
may not open, and while either case is restricted. Reports count the duplicate again."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from forms_app.casework import linking
from forms_app.casework.flags import RESTRICTED
from forms_app.casework.linking import NOT_FOUND, Refused, survivor_of
from forms_app.casework.state import Case
from forms_app.casework.transitions import Actor
from tests.support.cases import case_with
from tests.support.reports import cases, loaded, merge_events

ACTOR = Actor("mina", date(2026, 3, 27), datetime(2026, 3, 27, 10, 0, tzinfo=UTC))


def _case(ref: str, *events) -> Case:
    return case_with(*events, ref=ref)


def everyone(case: Case) -> bool:
    return True


def _merged_pair() -> dict[str, Case]:
    duplicate, survivor = _case("FB-TEST-0001"), _case("FB-TEST-0002")
    for row in linking.merge(duplicate, survivor, ACTOR, sees=everyone):
        {duplicate.ref: duplicate, survivor.ref: survivor}[row["ref"]].apply(row)
    return {duplicate.ref: duplicate, survivor.ref: survivor}


def test_an_unmerge_opens_the_duplicate_again_and_takes_it_off_the_survivor():
    cases_by_ref = _merged_pair()
    duplicate, survivor = cases_by_ref["FB-TEST-0001"], cases_by_ref["FB-TEST-0002"]
    assert survivor_of(duplicate.ref, cases_by_ref.get).ref == survivor.ref
    rows = linking.unmerge(duplicate, survivor, ACTOR, sees=everyone, note="Not the same person")
    assert [(row["ref"], row["type"], row["value"]) for row in rows] == [
        (duplicate.ref, "unmerged", survivor.ref),
        (survivor.ref, "unmerged", duplicate.ref),
    ]
    for row in rows:
        cases_by_ref[row["ref"]].apply(row)
    assert duplicate.status == "open" and duplicate.merged_into == ""
    assert duplicate.closed_on is None
    assert survivor.merged_from == [] and survivor.is_open
    assert survivor_of(duplicate.ref, cases_by_ref.get).ref == duplicate.ref
    # Every event stays: the merge and its undoing are both on each timeline.
    assert [e["type"] for e in duplicate.events] == ["merged_into", "unmerged"]


def test_an_unmerge_is_refused_when_there_is_no_such_merge_or_it_may_not_be_made():
    cases_by_ref = _merged_pair()
    duplicate, survivor = cases_by_ref["FB-TEST-0001"], cases_by_ref["FB-TEST-0002"]
    with pytest.raises(Refused, match="not merged into another case"):
        linking.unmerge(survivor, duplicate, ACTOR, sees=everyone)
    with pytest.raises(Refused, match="cannot undo the merge"):
        linking.unmerge(duplicate, _case("FB-TEST-0003"), ACTOR, sees=everyone)
    with pytest.raises(Refused, match="cannot undo the merge"):
        linking.unmerge(duplicate, None, ACTOR, sees=everyone)
    with pytest.raises(Refused, match="cannot undo the merge"):
        linking.unmerge(duplicate, survivor, ACTOR, sees=lambda c: c.ref != survivor.ref)
    with pytest.raises(Refused) as refusal:
        linking.unmerge(duplicate, survivor, ACTOR, sees=lambda c: c.ref != duplicate.ref)
    assert refusal.value.reason == NOT_FOUND
    restricted = _case(
        "FB-TEST-0002",
        ("merged_from", {"value": "FB-TEST-0001"}),
        ("flag_set", {"value": RESTRICTED}),
    )
    with pytest.raises(Refused, match="restricted"):
        linking.unmerge(duplicate, restricted, ACTOR, sees=everyone)


def test_reports_count_an_unmerged_duplicate_again(tmp_path):
    submissions, _events = cases()
    first, second = submissions[0]["ref"], submissions[1]["ref"]
    merge = merge_events(second, first)
    undone = [
        {"ref": second, "at": "2025-05-02T12:00:00+00:00", "type": "unmerged", "value": first},
        {"ref": first, "at": "2025-05-02T12:00:00+00:00", "type": "unmerged", "value": second},
    ]
    before = loaded(tmp_path, "before")
    merged = loaded(tmp_path, "merged", merge)
    unmerged = loaded(tmp_path, "unmerged", merge + undone)
    assert len(merged.cases) == len(before.cases) - 1
    assert len(unmerged.cases) == len(before.cases)
    assert second in {case.ref for case in unmerged.cases}
