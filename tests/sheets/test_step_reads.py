"""A sync step reads the whole Triage tab only when someone other than the service changed the
sheet (or a day or ten minutes went by); otherwise it rewrites the rows of the cases that
changed, at the positions it keeps, and they land on the right rows even after an append went
into an empty row between others."""

from __future__ import annotations

from forms_app.casework.events import event, record
from forms_app.sheets.layout import TRIAGE
from tests.support.sheets import submit, triage, worker_for


def _step(worker, clock):
    clock.advance(20)
    report = worker.step()
    assert report.ok, report.error
    return report


def test_a_quiet_step_rewrites_changed_rows_in_place_without_reading_the_tab(staffed, fake, clock):
    worker = worker_for(staffed, fake, clock)
    refs = [submit(staffed, clock, details=f"case {i}") for i in range(3)]
    _step(worker, clock)
    fake.staff_insert_row(TRIAGE, 3)  # the owner leaves an empty row between the first two
    _step(worker, clock)  # someone changed the sheet: the whole tab is read
    reads = len(fake.requests(api="values.batchGet"))
    more = submit(staffed, clock, details="new")  # appended into the empty row
    _step(worker, clock)
    record(staffed.store, staffed.contract, [event(refs[2], "mina", "assigned", value="mina")])
    record(staffed.store, staffed.contract, [event(more, "mina", "assigned", value="oscar")])
    _step(worker, clock)
    assert len(fake.requests(api="values.batchGet")) == reads  # neither step read the sheet
    worker.index.refresh()
    for ref in [*refs, more]:
        case = worker.index.get(ref)
        row = triage(fake, ref)
        assert (row["Owner"], row["Summary"]) == (
            case.owner,
            "new" if ref == more else f"case {refs.index(ref)}",
        )
    assert triage(fake, refs[2])["Owner"] == "mina" and triage(fake, more)["Owner"] == "oscar"
    assert fake.values(TRIAGE)[2][0] == more  # it went into the empty row
    # Someone edits the sheet: the next step reads it again.
    fake.staff_edit(TRIAGE, refs[0], "Owner", "olive", editor="olive@staff.example.org")
    _step(worker, clock)
    assert len(fake.requests(api="values.batchGet")) == reads + 1
    worker.index.refresh()
    assert worker.index.get(refs[0]).owner == "olive"
    worker.close()
