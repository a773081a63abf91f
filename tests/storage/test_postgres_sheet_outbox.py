"""The sheet sync's outbox behaves the same in its SQLite file and in PostgreSQL: the same steps
on both engines give the same answers, and subject access and erasure reach it on both."""

from __future__ import annotations

import json

import pytest

from forms_app.records.retention import reach
from forms_app.sheets.database_outbox import DatabaseOutbox
from forms_app.sheets.outbox import CLEARING, Outbox, outbox_exists, outbox_path
from forms_app.storage.shared_database import use_database


@pytest.fixture(params=["files", "postgres"])
def engine(request, tmp_path):
    """A data directory whose sheet outbox is a file, or (``postgres`` in the id) in a fresh
    database."""
    data_dir = tmp_path / "data"
    if request.param == "postgres":
        use_database(data_dir, request.getfixturevalue("postgres_url"))
    yield request.param, data_dir
    use_database(data_dir, "")


def test_postgres_sheet_outbox_is_chosen_only_for_a_database_data_directory(engine):
    kind, data_dir = engine
    path = outbox_path(data_dir)
    assert outbox_exists(path) == (kind == "postgres")
    outbox = Outbox(path)
    try:
        assert isinstance(outbox, DatabaseOutbox) == (kind == "postgres")
    finally:
        outbox.close()
    assert outbox_exists(path) and path.exists() == (kind == "files")


def test_postgres_sheet_outbox_steps_give_the_same_answers_on_both_engines(engine):
    _, data_dir = engine
    outbox = Outbox(outbox_path(data_dir))
    try:
        assert outbox.enqueue("Intake", [("AB12-CD34", 2.0, None), ("EF56-GH78", 1.0, "{}")]) == 2
        assert outbox.enqueue("Intake", [("AB12-CD34", 3.0, None), ("JK90-LM12", 3.0, None)]) == 1
        assert outbox.known("Intake") == {"AB12-CD34", "EF56-GH78", "JK90-LM12"}
        assert outbox.pending("Intake", limit=2) == [("EF56-GH78", "{}"), ("AB12-CD34", None)]
        outbox.mark_maybe("Intake", ["EF56-GH78", "AB12-CD34"], "batch-1")
        assert sorted(outbox.maybe("Intake")) == ["AB12-CD34", "EF56-GH78"]
        assert outbox.oldest_waiting() == 1.0
        outbox.mark_sent("Intake", "batch-1", 10.0)
        assert outbox.sent_times("Intake") == {"AB12-CD34": 10.0, "EF56-GH78": 10.0}
        outbox.mark_maybe("Intake", ["JK90-LM12"], "batch-2")
        assert outbox.resolve("Intake", {"JK90-LM12"}, 11.0) == (1, 0)
        assert outbox.requeue_missing("Intake", {"AB12-CD34", "JK90-LM12"}) == ["EF56-GH78"]
        assert outbox.counts() == {"Intake": {"pending": 1, "sent": 2}}
        outbox.set_editable({"AB12-CD34": {"owner": "amara.okafor"}})
        outbox.set_editable({"AB12-CD34": {"owner": "dylan.pugh"}})
        assert outbox.editable() == {"AB12-CD34": {"owner": "dylan.pugh"}}
        outbox.add_reported([("AB12-CD34", "stage", "3", "no such stage")])
        outbox.add_reported([("AB12-CD34", "stage", "4", "no such stage")])
        assert outbox.reported() == {("AB12-CD34", "stage"): ("4", "no such stage")}
        outbox.clear_reported([("AB12-CD34", "stage")])
        assert outbox.reported() == {}
        outbox.note(last_success=12.0)
        assert outbox.get("last_success") == 12.0
        outbox.flush()
        outbox.set(failures=2)
        assert outbox.get("failures") == 2 and outbox.get("missing", "x") == "x"
        outbox.drop_pending("Intake", "EF56-GH78")
        outbox.drop("Intake", "JK90-LM12")
        assert outbox.known("Intake") == {"AB12-CD34"}
    finally:
        outbox.close()
    again = Outbox(outbox_path(data_dir))
    try:
        assert again.get("last_success") == 12.0, "noted facts are kept when it closes"
    finally:
        again.close()


def test_postgres_sheet_outbox_erasure_and_subject_access_reach_it(engine):
    _, data_dir = engine
    outbox = Outbox(outbox_path(data_dir))
    problem = json.dumps({"ref": "AB12-CD34", "problem": "no such stage"}, sort_keys=True)
    try:
        outbox.enqueue("Intake", [("AB12-CD34", 1.0, None), ("ZZ99-YY88", 1.0, None)])
        outbox.enqueue("Problems", [("p1", 1.0, problem)])
        outbox.mark_maybe("Intake", ["AB12-CD34"], "b")
        outbox.mark_sent("Intake", "b", 2.0)
        outbox.set_editable({"AB12-CD34": {"owner": "amara.okafor"}})
    finally:
        outbox.close()
    found = reach.outbox_entries(data_dir, ["AB12-CD34"])
    assert [item["tab"] for item in found["AB12-CD34"]["items"]] == ["Intake", "Problems"]
    assert found["AB12-CD34"]["staff_columns"] == [{"owner": "amara.okafor"}]
    assert reach.forget_in_outbox(data_dir, ["AB12-CD34"]) == (1, ["AB12-CD34"])
    assert reach.outbox_entries(data_dir, ["AB12-CD34"]) == {
        "AB12-CD34": {
            "items": [{"tab": CLEARING, "state": "pending", "payload": None}],
            "staff_columns": [],
            "reported": [],
        }
    }, "only the reference is left, queued for its row to be cleared from the sheet"
    outbox = Outbox(outbox_path(data_dir))
    try:
        assert outbox.known("Intake") == {"ZZ99-YY88"} and outbox.known("Problems") == set()
    finally:
        outbox.close()
