"""A duplicate merged into another case is the same feedback: the report counts it once, as the
case it was merged into, not as a second case of its own."""

from __future__ import annotations

from forms_app.organisation.settings import load_settings
from forms_app.reports.loading import load
from tests.support.reports import cases, write_data, write_settings


def _loaded(tmp_path, name, extra_events=()):
    folder = tmp_path / name
    data_dir = write_data(folder / "data", extra_events=list(extra_events))
    return load(data_dir, load_settings(write_settings(folder, data_dir)))


def test_a_merged_duplicate_is_not_counted_as_a_case_of_its_own(tmp_path):
    submissions, _events = cases()
    first, second = submissions[0]["ref"], submissions[1]["ref"]
    merge = [
        {"ref": second, "at": "2025-05-01T12:00:00+00:00", "type": "merged_into", "value": first},
        {"ref": first, "at": "2025-05-01T12:00:00+00:00", "type": "merged_from", "value": second},
    ]
    before = _loaded(tmp_path, "before")
    after = _loaded(tmp_path, "after", merge)
    assert len(after.cases) == len(before.cases) - 1
    assert second not in {case.ref for case in after.cases}
    assert first in {case.ref for case in after.cases}
