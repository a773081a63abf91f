"""Restricted cases (UK GDPR Art 18) in a report: their words are never published, even when
approved, but they still count in the statutory aggregate figures; and the loader's streamed
fold gives exactly the state (and figures) of folding each case's events on their own."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from bench.report import make_data_dir
from forms_app.casework.state import fold
from forms_app.organisation.settings import load_settings
from forms_app.procedures.profiles import load_procedure
from forms_app.reports.counted import counted, pack
from forms_app.reports.figures import compute
from forms_app.reports.freetext import approved_items
from forms_app.reports.loading import NOT_COUNTED, Dataset, load
from forms_app.reports.periods import financial_year
from forms_app.reports.words import Names
from forms_app.storage.reading import read_rows
from tests.support.reports import write_data, write_settings

AS_AT = date(2026, 4, 15)
YEAR = financial_year(2025)


def _restrict(ref: str) -> dict:
    return {
        "ref": ref,
        "at": "2026-01-05T09:00:00+00:00",
        "type": "flag_set",
        "value": "restricted",
        "note": "accuracy_contested",
    }


def _world(tmp: Path, extra=()):
    settings = load_settings(write_settings(tmp, write_data(tmp / "data", list(extra))))
    dataset = load(settings.data_dir, settings)
    names = Names(settings, [dataset.default_procedure])
    items = approved_items(dataset, YEAR, names, settings, settings.data_dir)
    return compute(dataset, settings, YEAR, as_at=AS_AT), items


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    plain = _world(tmp_path_factory.mktemp("plain"))
    restricted = _world(tmp_path_factory.mktemp("restricted"), [_restrict("C7"), _restrict("C12")])
    return plain, restricted


def test_an_approved_summary_of_a_restricted_case_is_never_published(both):
    (_, before), (_, after) = both
    assert {"C7", "C12"} <= {item.ref for item in before}  # approved by a publisher
    assert not {"C7", "C12"} & {item.ref for item in after}


def test_restricted_cases_still_count_in_the_statutory_figures(both):
    # The annual report (England reg 18, Wales reg 51, SPSO indicators) is a legal obligation
    # and its counts are anonymised aggregates: restriction does not take a case out of them.
    (before, _), (after, _) = both
    for key in ("feedback-by-kind", "complaints-by-stage", "outcomes", "learning-actions"):
        assert [r.values for r in after.tables[key].rows] == [
            r.values for r in before.tables[key].rows
        ], key
    for key, table in before.returns.items():
        assert [r.values for r in after.returns[key].rows] == [r.values for r in table.rows], key


def _plain_load(data_dir: Path) -> list:
    """Every case folded on its own (``casework.state.fold``) from dict rows, with the events
    the loader documents it leaves out (``NOT_COUNTED``) left out: the plainest reading."""
    events: dict[str, list[dict]] = {}
    for row in read_rows(data_dir / "events.csv"):
        if row["type"] not in NOT_COUNTED:
            events.setdefault(row["ref"], []).append(row)
    return [
        fold(row, events.get(row["ref"], ()), load_procedure(row["procedure"]).first_stage.code)
        for row in read_rows(data_dir / "submissions.csv")
    ]


def _state(case) -> tuple:
    """What the report counts of a case (``counted``), as saved: every field, dates and all."""
    return pack(case)


def test_the_streamed_fold_matches_folding_each_case_alone(tmp_path):
    data_dir = tmp_path / "data"
    make_data_dir(data_dir, cases=2000, seed=11)
    settings = load_settings(write_settings(tmp_path, data_dir))
    loaded = load(data_dir, settings)
    plain = _plain_load(data_dir)
    assert len(loaded.cases) == len(plain) == 2000
    plain = [counted(case) for case in plain]
    for mine, theirs in zip(loaded.cases, plain, strict=True):
        assert _state(mine) == _state(theirs), mine.ref
    # And the figures from either are the same, table by table.
    fields = {f.name: getattr(loaded, f.name) for f in dataclasses.fields(Dataset)}
    fields.pop("_calendars")
    again = Dataset(**{**fields, "cases": plain})
    one = compute(loaded, settings, YEAR, as_at=AS_AT)
    two = compute(again, settings, YEAR, as_at=AS_AT)
    assert one.tables.keys() == two.tables.keys()
    for key, table in one.tables.items():
        assert [r.values for r in table.rows] == [r.values for r in two.tables[key].rows], key
    for key, table in one.returns.items():
        assert [r.values for r in table.rows] == [r.values for r in two.returns[key].rows], key
