"""The data contract: the schemas load, every field is described, and journeys only ask for
fields the schemas know."""

from __future__ import annotations

import json
import threading

import pytest
from frictionless import Package, Schema

from forms_app.journeys import JOURNEYS
from forms_app.procedures.profiles import available_procedures, load_procedure
from forms_app.storage.contract import Contract

contract = Contract()


def test_package_descriptor_is_valid():
    report = Package.validate_descriptor(contract.descriptor)
    assert report.valid, report.flatten(["type", "note"])
    assert contract.resource_names == ["submissions", "personal", "events", "evidence"]


@pytest.mark.parametrize("resource", ["submissions", "personal", "events", "evidence"])
def test_every_field_has_a_title_and_description(resource):
    schema = contract.resource(resource)["schema"]
    Schema.from_descriptor(schema)  # raises if the schema itself is invalid
    for field in schema["fields"]:
        assert field.get("title"), f"{resource}.{field['name']} has no title"
        assert len(field.get("description", "")) > 10, f"{resource}.{field['name']} is undescribed"
    assert schema["fields"][-1]["name"] == "crc"
    assert schema["primaryKey"]


def test_enums_for_kind_variant_language_channel_stage_and_outcome():
    assert contract.enum("submissions", "kind") == [
        "complaint",
        "concern",
        "comment",
        "compliment",
        "enquiry",
    ]
    assert contract.enum("submissions", "variant") == ["standard", "easy-read", "young-people"]
    assert contract.enum("submissions", "language") == ["en", "cy"]
    assert "online" in contract.enum("submissions", "channel")
    assert "partially_upheld" in contract.enum("events", "outcome")
    assert "stage_entered" in contract.enum("events", "type")


def test_every_procedure_stage_is_in_the_stage_enum():
    stages = set(contract.enum("events", "stage"))
    for code in available_procedures():
        for stage in load_procedure(code).stages:
            assert stage.code in stages, f"{code}: stage {stage.code} not in the events schema"


def test_personal_details_and_events_point_at_submissions():
    for resource in ("personal", "events"):
        keys = contract.resource(resource)["schema"]["foreignKeys"]
        assert keys == [
            {"fields": ["ref"], "reference": {"resource": "submissions", "fields": ["ref"]}}
        ]


def test_personal_details_are_not_in_the_submission():
    personal = set(contract.columns("personal")) - {"ref", "crc"}
    assert not personal & set(contract.columns("submissions"))


@pytest.mark.parametrize("slug", list(JOURNEYS))
def test_journeys_only_ask_for_fields_the_schema_knows(slug):
    for question in JOURNEYS[slug].questions():
        assert question.name in contract.columns(question.resource), question.name
        enum = contract.enum(question.resource, question.name)
        if enum and isinstance(question.choices, tuple):
            assert {choice.value for choice in question.choices} <= set(enum)


def test_row_check_reports_each_broken_rule():
    problems = contract.check(
        "submissions", {"kind": "grumble", "details": "", "received": "yesterday"}, partial=True
    )
    codes = {(p.field, p.code) for p in problems}
    assert codes == {("kind", "enum"), ("details", "required"), ("received", "type")}
    assert (
        contract.check("personal", {"email": "a@b.co", "phone": "07700 900123"}, partial=True) == []
    )
    assert contract.check("personal", {"postcode": "CF10 1AA"}, partial=True) == []
    assert contract.check("personal", {"postcode": "nope"}, partial=True)[0].code == "pattern"


def test_workers_starting_together_all_write_the_descriptor(tmp_path):
    """Every gunicorn worker writes the descriptor as it starts; on a new data directory they
    do so at the same moment, and none may fail (a worker that fails to boot stops gunicorn)."""
    contract = Contract()
    failures: list[BaseException] = []
    for attempt in range(20):
        data_dir = tmp_path / f"data-{attempt}"
        data_dir.mkdir()
        start = threading.Barrier(8)

        def write(data_dir=data_dir, start=start):
            start.wait()
            try:
                contract.write_descriptor(data_dir)
            except BaseException as error:  # noqa: BLE001 - any failure is the finding
                failures.append(error)

        workers = [threading.Thread(target=write) for _ in range(8)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert json.loads((data_dir / "datapackage.json").read_text("utf-8")) == contract.descriptor
    assert failures == []
    assert not list(tmp_path.glob("*/*.tmp"))
