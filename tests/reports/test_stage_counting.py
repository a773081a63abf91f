"""Counting by stage as councils count: a complaint counts at the stages it entered, and one
that started at Stage 2 is not counted at Stage 1 (the synthetic cases of
tests/support/reports.py, plus two complaints added here)."""

from __future__ import annotations

from datetime import date

import pytest

from forms_app.organisation.settings import load_settings
from forms_app.reports.figures import compute
from forms_app.reports.loading import load
from forms_app.reports.periods import financial_year
from forms_app.storage.contract import Contract
from forms_app.storage.table import Table
from tests.support.reports import INV, LR, PROCEDURE, write_data, write_settings

AS_AT = date(2026, 4, 15)


def add_complaint(data_dir, ref: str, received: str) -> None:
    contract = Contract()
    row = {c: "" for c in contract.columns("submissions") if c != "crc"}
    row.update(
        {
            "ref": ref,
            "received": received,
            "kind": "complaint",
            "service": "home-care",
            "idempotency_key": f"stage-test-{ref}",
            "variant": "standard",
            "language": "en",
            "channel": "import",
            "procedure": PROCEDURE,
            "details": "Details.",
            "anonymous": "true",
        }
    )
    Table(data_dir / "submissions.csv", contract.columns("submissions")).append([row])


def counts(tmp_path, extra_events, refs):
    data = write_data(tmp_path / "data", extra_events)
    for ref, received in refs:
        add_complaint(data, ref, received)
    settings = load_settings(write_settings(tmp_path, data))
    report = compute(load(data, settings), settings, financial_year(2025), as_at=AS_AT)
    table = report.tables["complaints-by-stage"]
    return table, {row.key: row.values[-1] for row in table.rows}


def event(ref, at, type_, **values):
    return {"ref": ref, "at": at, "type": type_, **values}


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    return counts(tmp_path_factory.mktemp("base"), [], [])[1]


def test_a_complaint_that_started_at_stage_2_counts_only_at_stage_2(tmp_path, baseline):
    received = "2025-09-10T10:00:00+00:00"
    table, found = counts(
        tmp_path,
        [
            event("S2", received, "stage_entered", stage=INV, value="2025-09-10"),
            event("S2", "2025-09-11T10:00:00+00:00", "acknowledged"),
        ],
        [("S2", received)],
    )
    assert found[INV] == baseline[INV] + 1
    assert found[LR] == baseline[LR]
    assert found["received"] == baseline["received"] + 1
    assert "straight to Stage 2" in table.how["en"]
    assert "yn syth i Gam 2" in table.how["cy"]


def test_a_complaint_escalated_after_stage_1_counts_at_both(tmp_path, baseline):
    received = "2025-09-10T10:00:00+00:00"
    _, found = counts(
        tmp_path,
        [
            event("E2", received, "acknowledged", stage=LR),
            event("E2", "2025-09-20T10:00:00+00:00", "responded", stage=LR),
            event("E2", "2025-10-01T10:00:00+00:00", "stage_entered", stage=INV),
        ],
        [("E2", received)],
    )
    assert found[INV] == baseline[INV] + 1
    assert found[LR] == baseline[LR] + 1
