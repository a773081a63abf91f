"""Staff edits in the Triage tab: valid ones arrive as events, attributed to the sheet (and
the editor, from the Drive revision history); invalid ones get a note and a Problems row and
are never applied; sorting, filtering and inserted rows do not confuse anything."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from forms_app.casework.events import event, record
from forms_app.sheets.layout import PROBLEMS, TRIAGE, TRIAGE_KEYS
from tests.support.fake_sheets import OWNER, Faults
from tests.support.sheets import events_of, submit, triage, worker_for

OLIVE = "olive@staff.example.org"
OSCAR = "oscar@staff.example.org"


def _today(clock) -> str:
    return datetime.fromtimestamp(clock.time(), ZoneInfo("Europe/London")).date().isoformat()


def _case(worker, ref):
    worker.index.refresh()
    return worker.index.get(ref)


def _col(name: str) -> int:
    from forms_app.sheets.layout import TRIAGE_HEADER

    return TRIAGE_HEADER.index(name) + 1


def _step(worker, clock):
    clock.advance(20)
    report = worker.step()
    assert report.ok, report.error
    return report


def test_valid_edits_become_events_attributed_to_the_editor(staffed, fake, clock):
    worker = worker_for(staffed, fake, clock)
    ref = submit(staffed, clock)
    other = submit(staffed, clock, kind="enquiry")
    _step(worker, clock)

    day, month, year = _today(clock)[8:], _today(clock)[5:7], _today(clock)[:4]
    fake.staff_edit(TRIAGE, ref, "Owner", "olive", editor=OLIVE)
    fake.staff_edit(TRIAGE, ref, "Themes", "communication, Waiting times and delays", editor=OLIVE)
    fake.staff_edit(TRIAGE, ref, "Acknowledged on", f"{day}/{month}/{year}", editor=OLIVE)
    report = _step(worker, clock)
    assert report.events == 4 and report.problems == 0
    made = events_of(staffed, ref)
    assert {e["actor"] for e in made} == {"sheet:olive"}
    assert [(e["type"], e["value"]) for e in made] == [
        ("acknowledged", _today(clock)),
        ("assigned", "olive"),
        ("theme_added", "communication"),
        ("theme_added", "waiting-times"),
    ]
    case = _case(worker, ref)
    assert case.owner == "olive" and case.themes == ["communication", "waiting-times"]
    assert case.current.acknowledged.isoformat() == _today(clock)
    row = triage(fake, ref)
    assert row["Themes"] == "communication, waiting-times"  # written back as codes
    assert row["Acknowledged on"] == _today(clock)
    assert row["Next due"].startswith("respond by")

    # Outcome and closing in one go (the outcome is applied first), by a second person too:
    # two editors since the last look, so the events say only "sheet".
    fake.staff_edit(TRIAGE, ref, "Outcome", "partially upheld", editor=OLIVE, paste=True)
    fake.staff_edit(TRIAGE, ref, "Status", "closed", editor=OLIVE)
    fake.staff_edit(TRIAGE, other, "Owner", "oscar", editor=OSCAR)
    _step(worker, clock)
    made = events_of(staffed, ref)[4:]
    assert [(e["type"], e["outcome"]) for e in made] == [
        ("responded", ""),
        ("outcome_recorded", "partially_upheld"),
        ("closed", ""),
    ]
    assert {e["actor"] for e in made} == {"sheet"}
    assert _case(worker, other).owner == "oscar"
    assert triage(fake, ref)["Outcome"] == "partially_upheld"
    assert triage(fake, ref)["Status"] == "closed" and triage(fake, ref)["Deadline"] == ""

    # Reopen and move on a stage together; then to the ombudsman.
    fake.staff_edit(TRIAGE, ref, "Status", "open", editor=OLIVE)
    fake.staff_edit(TRIAGE, ref, "Stage", "stage2", editor=OLIVE)
    _step(worker, clock)
    case = _case(worker, ref)
    assert case.status == "open" and case.stage == "stage2"
    assert [e["type"] for e in events_of(staffed, ref)[7:]] == ["reopened", "stage_entered"]
    fake.staff_edit(TRIAGE, ref, "Stage", "ombudsman", editor=OLIVE)
    _step(worker, clock)
    assert _case(worker, ref).ombudsman_referred is not None
    assert triage(fake, ref)["Stage"] == "ombudsman"

    # An enquiry set to the first stage becomes a complaint.
    fake.staff_edit(TRIAGE, other, "Stage", "stage1", editor=OSCAR)
    _step(worker, clock)
    assert _case(worker, other).kind == "complaint"
    assert triage(fake, other)["Kind"] == "complaint"
    assert fake.records(PROBLEMS) == []
    worker.close()


def test_invalid_values_get_a_note_and_a_problem_row_and_are_never_applied(staffed, fake, clock):
    worker = worker_for(staffed, fake, clock)
    refs = [submit(staffed, clock) for _ in range(4)]
    compliment = submit(staffed, clock, kind="compliment", details="Lovely staff")
    _step(worker, clock)
    before = list(staffed.store.rows("events"))
    bad = [
        (refs[0], "Status", "pending"),  # not a status
        (refs[1], "Acknowledged on", "28th May"),  # a date in the wrong form
        (refs[2], "Stage", "appeal"),  # the procedure goes stage1 -> stage2 first
        (refs[3], "Stage", "frontline"),  # a stage of another procedure
        (refs[0], "Owner", "nobody"),
        (refs[1], "Themes", "communication, bogus"),
        (compliment, "Outcome", "upheld"),
        (refs[3], "Status", "closed"),  # a complaint closed with no outcome
    ]
    for ref, column, value in bad:
        fake.staff_edit(TRIAGE, ref, column, value, editor=OLIVE, paste=True)
    report = _step(worker, clock)
    assert report.events == 0 and report.problems == len(bad)
    assert list(staffed.store.rows("events")) == before, "an invalid edit was applied"
    problems = fake.records(PROBLEMS)
    assert sorted((p["Reference"], p["Column"], p["Value entered"]) for p in problems) == sorted(
        bad
    )
    assert all(p["Why not applied"] and p["Problem"].startswith("P-") for p in problems)
    why = {(p["Reference"], p["Column"]): p["Why not applied"] for p in problems}
    assert "one stage at a time" in why[(refs[2], "Stage")]
    assert "no stage 'frontline'" in why[(refs[3], "Stage")]
    assert "YYYY-MM-DD" in why[(refs[1], "Acknowledged on")]
    for ref, column, _value in bad:
        note = fake.note(TRIAGE, fake.find_row(TRIAGE, ref), _col(column))
        assert note.startswith("Not applied:"), (ref, column, note)
    # The typed values stay for staff to see, and nothing is reported twice.
    assert triage(fake, refs[0])["Status"] == "pending"
    assert _case(worker, refs[0]).status == "open"
    _step(worker, clock)
    _step(worker, clock)
    assert len(fake.records(PROBLEMS)) == len(bad)
    # Put right: applied, and the note goes.
    fake.staff_edit(TRIAGE, refs[0], "Status", "withdrawn", editor=OLIVE)
    _step(worker, clock)
    assert _case(worker, refs[0]).status == "withdrawn"
    status_col = _col("Status")
    assert fake.note(TRIAGE, fake.find_row(TRIAGE, refs[0]), status_col) == ""
    assert fake.note(TRIAGE, fake.find_row(TRIAGE, refs[0]), _col("Owner")).startswith("Not")
    worker.close()


def test_a_sorted_filtered_and_gappy_triage_tab_reconciles_by_reference(staffed, fake, clock):
    worker = worker_for(staffed, fake, clock)
    refs = [submit(staffed, clock, details=f"case {i}") for i in range(8)]
    _step(worker, clock)
    # The owner sorts the tab backwards by reference, inserts an empty row, filters it.
    fake.staff_sort(TRIAGE, 1, reverse=True)
    fake.staff_insert_row(TRIAGE, 4)
    fake.staff_filter(TRIAGE, _col("Status"), "open")
    assert fake.values(TRIAGE)[3] == []
    # (A step reads it: the owner of the file has no staff account, so an edit made while
    # they were changing the sheet could be theirs, and would be refused.)
    _step(worker, clock)
    # Staff edit two rows; meanwhile the app assigns a third case (the staff pages).
    fake.staff_edit(TRIAGE, refs[2], "Owner", "oscar", editor=OSCAR)
    fake.staff_edit(TRIAGE, refs[6], "Themes", "safety", editor=OSCAR)
    record(
        staffed.store,
        staffed.contract,
        [event(refs[5], "mina", "assigned", value="mina", stage="stage1")],
    )
    # And new cases arrive.
    more = [submit(staffed, clock, details=f"new {i}") for i in range(3)]
    _step(worker, clock)
    assert _case(worker, refs[2]).owner == "oscar"
    assert _case(worker, refs[6]).themes == ["safety"]
    for ref in refs + more:
        row = triage(fake, ref)
        case = _case(worker, ref)
        assert row["Owner"] == case.owner, ref
        assert row["Summary"] == ("case " if ref in refs else "new ") + str(
            (refs + more).index(ref) if ref in refs else more.index(ref)
        )
    assert triage(fake, refs[5])["Owner"] == "mina"
    assert sorted(fake.keys(TRIAGE)) == sorted(refs + more)
    # Nobody's edit was taken for another case's.
    for ref in refs:
        if ref not in (refs[2], refs[5], refs[6]):
            assert _case(worker, ref).owner == "" and _case(worker, ref).themes == []
    # An exact copy of a row (pasted by the owner) is tidied away.
    row = fake.values(TRIAGE)[fake.find_row(TRIAGE, refs[0]) - 1]
    with fake.lock:
        fake.sheet(TRIAGE).rows.append(list(row))
        fake._revision(OWNER)  # Drive's history records a person's change
    _step(worker, clock)
    assert fake.keys(TRIAGE).count(refs[0]) == 1
    assert OWNER
    worker.close()


def test_edits_still_arrive_when_drive_revisions_fail(staffed, fake, clock):
    worker = worker_for(staffed, fake, clock)
    ref = submit(staffed, clock)
    _step(worker, clock)
    fake.staff_edit(TRIAGE, ref, "Owner", "mina", editor=OLIVE)
    # The read succeeds; the Drive revisions call (the next request) fails four times.
    real = fake.handle

    def failing_drive(method, path, query, body):
        if path.startswith("/drive/"):
            from tests.support.fake_sheets import _error

            return 503, _error(503), {}
        return real(method, path, query, body)

    fake.handle = failing_drive
    _step(worker, clock)
    # Nobody can be named for the edit: it waits in its cell, neither applied nor refused.
    assert events_of(staffed, ref) == [] and fake.records(PROBLEMS) == []
    assert triage(fake, ref)["Owner"] == "mina"
    fake.handle = real
    _step(worker, clock)
    (made,) = events_of(staffed, ref)
    assert made["type"] == "assigned" and made["value"] == "mina" and made["actor"] == "sheet:olive"


def test_a_changed_triage_header_parks_the_worker_and_alerts(staffed, fake, clock):
    sent = []
    worker = worker_for(staffed, fake, clock, sent=sent)
    submit(staffed, clock)
    _step(worker, clock)
    with fake.lock:
        fake.sheet(TRIAGE).rows[0][TRIAGE_KEYS.index("owner")] = "Handler"
        fake._revision(OWNER)  # Drive's history records a person's change
    clock.advance(20)
    report = worker.step()
    assert not report.ok and report.parked and "header" in report.error
    assert [m["subject"] for m in sent] == ["The shared sheet is not being updated"]
    assert sent[0]["to"] == ["ada@staff.example.org"]  # the admin account
    assert fake.set_faults(Faults()) is None
    worker.close()
