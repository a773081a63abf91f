"""A duplicate merged into another case is the same feedback: the report counts it once, as the
case it was merged into, not as a second case of its own."""

from __future__ import annotations

from tests.support.reports import cases, loaded, merge_events


def test_a_merged_duplicate_is_not_counted_as_a_case_of_its_own(tmp_path):
    submissions, _events = cases()
    first, second = submissions[0]["ref"], submissions[1]["ref"]
    merge = merge_events(second, first)
    before = loaded(tmp_path, "before")
    after = loaded(tmp_path, "after", merge)
    assert len(after.cases) == len(before.cases) - 1
    assert second not in {case.ref for case in after.cases}
    assert first in {case.ref for case in after.cases}
