"""An edit in the shared sheet to a case whose processing is restricted (UK GDPR Article 18)
is refused by the same casework rule as on the staff pages, and reported in the Problems tab."""

from __future__ import annotations

from forms_app.records.retention.erasure import restrict
from forms_app.sheets.layout import PROBLEMS, TRIAGE
from tests.support.sheets import events_of, submit, worker_for

OLIVE = "olive@staff.example.org"


def test_a_sheet_edit_to_a_restricted_case_is_refused_and_reported(staffed, fake, clock):
    worker = worker_for(staffed, fake, clock)
    ref = submit(staffed, clock)
    clock.advance(20)
    assert worker.step().ok
    restrict(staffed, ref, "accuracy_contested", actor="dpo")
    clock.advance(20)
    assert worker.step().ok
    before = events_of(staffed, ref)
    fake.staff_edit(TRIAGE, ref, "Owner", "olive", editor=OLIVE)
    fake.staff_edit(TRIAGE, ref, "Status", "closed", editor=OLIVE)
    clock.advance(20)
    report = worker.step()
    assert report.ok, report.error
    assert events_of(staffed, ref) == before
    why = {p["Column"]: p["Why not applied"] for p in fake.records(PROBLEMS)}
    assert set(why) == {"Owner", "Status"}
    assert all("restricted (UK GDPR Article 18)" in reason for reason in why.values())
    worker.close()
