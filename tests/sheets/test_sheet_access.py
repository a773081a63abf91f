"""The shared sheet follows the staff pages' access rules.

A confidential, safeguarding or restricted case shows only its reference and status in the
sheet, whoever can open it; one flagged after it was sent is cleared back to that. An edit is
applied only when the person who made it (named by the Drive revision history, matched to a
staff account by email) could make the same change in the staff pages; anything else is
refused, reported in the Problems tab and written to the audit log, and the case stays as it
was."""

from __future__ import annotations

import json

import pytest

from forms_app.accounts import UserBook
from forms_app.casework.events import event, record
from forms_app.records.retention.erasure import restrict
from forms_app.sheets.layout import INTAKE, PROBLEMS, TABS, TRIAGE
from tests.support.sheets import PERSON, events_of, submit, triage, worker_for

SECRET = "Bethan Rhys-Lloyd told the night carer about the bruises on her arm"
OLIVE = "olive@staff.example.org"  # an officer covering the service of these cases
NELL = "nell@staff.example.org"  # an officer covering no service


def _step(worker, clock):
    clock.advance(20)
    report = worker.step()
    assert report.ok, report.error
    return report


def _every_cell(fake) -> str:
    """Every cell and note of every tab, as one text."""
    with fake.lock:
        notes = [text for tab in TABS for text in fake.sheet(tab).notes.values()]
    cells = [value for tab in TABS for row in fake.values(tab) for value in row]
    return "\n".join(str(x) for x in cells + notes)


def _withhold(parts, ref: str, how: str) -> None:
    if how == "restricted":
        assert restrict(parts, ref, "accuracy_contested", actor="dpo")
    else:
        record(parts.store, parts.contract, [event(ref, "mina", "flag_set", value=how, note="x")])


def _audit(data_dir) -> list[dict]:
    path = data_dir / "audit.jsonl"
    lines = path.read_text("utf-8").splitlines() if path.exists() else []
    return [json.loads(line) for line in lines]


def _only_reference_and_status(row: dict[str, str], ref: str) -> None:
    assert row["Reference"] == ref and row["Status"] == "open"
    assert {k: v for k, v in row.items() if v and k not in ("Reference", "Status")} == {}


@pytest.mark.parametrize("how", ["confidential", "safeguarding"])
def test_a_confidential_or_safeguarding_case_shows_only_its_reference_and_status(
    staffed, fake, clock, how
):
    worker = worker_for(staffed, fake, clock, include_personal=True)
    ref = submit(staffed, clock, details=SECRET)
    plain = submit(staffed, clock, details="The visit was cut short.")
    _withhold(staffed, ref, how)
    _step(worker, clock)
    text = _every_cell(fake)
    assert "bruises" not in text
    assert "cut short" in text  # the other case is there in full, so the test can see text
    # Intake (the only tab with names) holds the other case's row, not this one's.
    assert PERSON["name"] in text and ref not in fake.keys(INTAKE) and plain in fake.keys(INTAKE)
    _only_reference_and_status(triage(fake, ref), ref)
    assert triage(fake, plain)["Service"] != ""
    worker.close()


def test_a_restricted_case_in_the_sheet_shows_only_its_reference_and_status(staffed, fake, clock):
    worker = worker_for(staffed, fake, clock)
    ref = submit(staffed, clock, details=SECRET)
    record(staffed.store, staffed.contract, [event(ref, "olive", "assigned", value="olive")])
    _step(worker, clock)
    assert triage(fake, ref)["Owner"] == "olive"
    _withhold(staffed, ref, "restricted")
    _step(worker, clock)
    assert "bruises" not in _every_cell(fake)
    _only_reference_and_status(triage(fake, ref), ref)
    worker.close()


@pytest.mark.parametrize("how", ["confidential", "safeguarding", "restricted"])
def test_a_case_flagged_after_it_was_sent_is_cleared_to_its_reference_and_status(
    staffed, fake, clock, how
):
    worker = worker_for(staffed, fake, clock, include_personal=True)
    ref = submit(staffed, clock, details=SECRET)
    _step(worker, clock)
    text = _every_cell(fake)
    assert "bruises" in text and PERSON["name"] in text  # sent in full first
    _withhold(staffed, ref, how)
    _step(worker, clock)
    text = _every_cell(fake)
    assert "bruises" not in text and PERSON["name"] not in text
    assert "home-care" not in text and "Home care" not in text
    assert ref not in fake.keys(INTAKE)
    _only_reference_and_status(triage(fake, ref), ref)
    worker.close()


def test_an_edit_by_an_officer_who_may_not_open_the_case_is_refused_and_reported(
    staffed, fake, clock, data_dir
):
    UserBook(data_dir).add(
        "nell", name="Nell", password="correct horse battery staple", roles=["officer"], email=NELL
    )
    worker = worker_for(staffed, fake, clock)
    ref = submit(staffed, clock, details=SECRET)
    _step(worker, clock)
    # Nell covers no service: on the staff pages the case does not exist for her. Making
    # herself its owner in the sheet would open it, and its personal details, to her.
    fake.staff_edit(TRIAGE, ref, "Owner", "nell", editor=NELL)
    report = _step(worker, clock)
    assert report.events == 0 and report.problems == 1
    assert events_of(staffed, ref) == []
    worker.index.refresh()
    assert worker.index.get(ref).owner == ""
    (problem,) = fake.records(PROBLEMS)
    assert problem["Reference"] == ref and problem["Column"] == "Owner"
    assert "nell may not open this case" in problem["Why not applied"]
    refused = [e for e in _audit(data_dir) if e["action"] == "sheet.refused"]
    assert [(e["ref"], e["fields"], e["detail"]) for e in refused] == [
        (ref, ["owner"], "editor_may_not_see_case")
    ]
    assert refused[0]["actor"] == "sheet:nell"
    worker.close()


def test_an_edit_to_a_confidential_case_by_an_officer_of_its_service_is_refused(
    staffed, fake, clock
):
    worker = worker_for(staffed, fake, clock)
    ref = submit(staffed, clock, details=SECRET)
    _withhold(staffed, ref, "confidential")
    _step(worker, clock)
    before = events_of(staffed, ref)
    fake.staff_edit(TRIAGE, ref, "Status", "withdrawn", editor=OLIVE)
    _step(worker, clock)
    assert events_of(staffed, ref) == before
    (problem,) = fake.records(PROBLEMS)
    assert "olive may not open this case" in problem["Why not applied"]
    worker.close()


def test_an_edit_by_an_email_with_no_staff_account_is_refused_and_reported(
    staffed, fake, clock, data_dir
):
    worker = worker_for(staffed, fake, clock)
    ref = submit(staffed, clock)
    _step(worker, clock)
    fake.staff_edit(TRIAGE, ref, "Owner", "olive", editor="someone@elsewhere.example.com")
    report = _step(worker, clock)
    assert report.events == 0 and events_of(staffed, ref) == []
    (problem,) = fake.records(PROBLEMS)
    assert "has no staff account here" in problem["Why not applied"]
    assert triage(fake, ref)["Owner"] == "olive"  # kept as typed, with a note saying why
    refused = [e for e in _audit(data_dir) if e["action"] == "sheet.refused"]
    assert [e["detail"] for e in refused] == ["editor_not_staff"]
    assert "elsewhere" not in json.dumps(_audit(data_dir))  # no email in the audit log
    worker.close()


def test_an_edit_its_editor_may_make_is_applied_through_the_case_transition(
    staffed, fake, clock, data_dir
):
    worker = worker_for(staffed, fake, clock)
    ref = submit(staffed, clock)
    _step(worker, clock)
    fake.staff_edit(TRIAGE, ref, "Owner", "olive", editor=OLIVE)
    report = _step(worker, clock)
    assert report.problems == 0 and fake.records(PROBLEMS) == []
    (made,) = events_of(staffed, ref)
    assert (made["type"], made["value"], made["actor"]) == ("assigned", "olive", "sheet:olive")
    assert made["stage"] == "stage1"  # the transition's event, with the case's stage
    changed = [e for e in _audit(data_dir) if e["action"] == "sheet.change"]
    assert [(e["ref"], e["fields"], e["actor"]) for e in changed] == [
        (ref, ["assigned"], "sheet:olive")
    ]
    worker.close()
