"""The upgrade steps as pure functions over rows, and the shapes of change steps are made of."""

from __future__ import annotations

import re

from forms_app.migrations import MIGRATIONS, pending
from forms_app.migrations.learning_actions import NOTE_LIMIT, give_learning_actions_identifiers
from forms_app.migrations.plan import code_renamed, column_added, column_renamed
from forms_app.storage.contract import Contract
from forms_app.storage.schema_version import version_key


def _event(event_id, ref, type_, value="", note=""):
    return {
        "event_id": event_id,
        "ref": ref,
        "at": "2025-01-02T10:00:00+00:00",
        "actor": "officer.a",
        "type": type_,
        "stage": "",
        "kind": "",
        "outcome": "",
        "value": value,
        "note": note,
    }


def test_a_learning_action_stored_by_its_words_gets_an_identifier_its_events_name():
    rows = [
        _event("evt-00001", "AAAA-1111", "action_added", "Review rotas", "Owner: ward manager"),
        _event("evt-00002", "AAAA-1111", "theme_added", "staff-attitude"),
        _event("evt-00003", "AAAA-1111", "action_completed", "Review rotas", "Rotas changed"),
        _event("evt-00004", "BBBB-2222", "action_completed", "Review rotas", "Other case"),
    ]
    added, theme, completed, other_case = give_learning_actions_identifiers(rows)
    assert re.fullmatch(r"A-[0-9A-F]{6}", added["value"])
    assert added["note"] == "Review rotas (Owner: ward manager)"
    assert {**added, "value": "", "note": ""} == {**rows[0], "value": "", "note": ""}
    assert theme == rows[1]
    assert completed == {**rows[2], "value": added["value"]}
    # Another case's action of the same words is not this one.
    assert other_case == rows[3]


def test_the_identifier_is_the_same_on_every_run_and_unique_in_its_case():
    rows = [_event(f"evt-{n:05d}", "AAAA-1111", "action_added", f"Action {n}") for n in range(300)]
    first = [row["value"] for row in give_learning_actions_identifiers(rows)]
    assert first == [row["value"] for row in give_learning_actions_identifiers(rows)]
    assert len(set(first)) == 300


def test_rows_already_named_by_an_identifier_are_left_as_they_are():
    rows = [
        _event("evt-00001", "AAAA-1111", "action_added", "A-1B2C3D", "Review rotas"),
        _event("evt-00002", "AAAA-1111", "action_owner_set", "A-1B2C3D", "mina"),
        _event("evt-00003", "AAAA-1111", "action_added", "Check the lift", ""),
    ]
    once = list(give_learning_actions_identifiers(rows))
    assert once[:2] == rows[:2]
    assert once[2]["value"] != "A-1B2C3D" and once[2]["note"] == "Check the lift"
    assert list(give_learning_actions_identifiers(once)) == once


def test_words_and_a_note_too_long_for_one_note_keep_every_character():
    said = "x" * (NOTE_LIMIT - 5)
    rows = [_event("evt-00001", "AAAA-1111", "action_added", "Review rotas", said)]
    added, progress = give_learning_actions_identifiers(rows)
    assert added["note"] == "Review rotas"
    assert progress["type"] == "action_updated" and progress["note"] == said
    assert progress["value"] == added["value"] and progress["event_id"] != added["event_id"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{8,64}", progress["event_id"])


def test_a_column_added_and_a_column_renamed():
    columns, add = column_added("channel", after="note", value="online")
    assert columns(("ref", "note", "crc")) == ("ref", "note", "channel", "crc")
    assert columns(("ref", "note", "channel", "crc")) == ("ref", "note", "channel", "crc")
    assert list(add([{"ref": "R", "note": ""}, {"ref": "S", "note": "", "channel": "phone"}])) == [
        {"ref": "R", "note": "", "channel": "online"},
        {"ref": "S", "note": "", "channel": "phone"},
    ]
    columns, rename = column_renamed("note", "remark")
    assert columns(("ref", "note", "crc")) == ("ref", "remark", "crc")
    renamed = list(rename([{"ref": "R", "note": "n"}]))
    assert renamed == [{"ref": "R", "remark": "n"}] and list(renamed[0]) == ["ref", "remark"]
    assert list(rename(renamed)) == renamed


def test_a_code_renamed():
    change = code_renamed("kind", "concern", "complaint")
    rows = [{"kind": "concern"}, {"kind": "comment"}]
    assert list(change(rows)) == [{"kind": "complaint"}, {"kind": "comment"}]


def test_the_steps_end_at_the_code_schema_version_and_say_what_changed():
    assert max(version_key(step.version) for step in MIGRATIONS) == version_key(Contract().version)
    assert pending("1.0.0", Contract().version) == list(MIGRATIONS)
    assert pending(Contract().version, Contract().version) == []
    for step in MIGRATIONS:
        doc = step.change.__doc__ or ""
        assert "Why" in doc and len(step.summary) > 20, step
