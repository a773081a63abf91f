"""The sync worker against the stand-in: setup, pushing, exactly once under faults (O1),
quota (O2), RAW (O6a), no personal details by default, and the request path's isolation."""

from __future__ import annotations

import os
import random
from collections import Counter

import pytest

from forms_app.sheets.layout import EDITABLE, INTAKE, PROBLEMS, TRIAGE, TRIAGE_KEYS, setup
from tests.support.fake_sheets import OWNER, SERVICE_ACCOUNT, Faults
from tests.support.sheets import (
    PERSON,
    events_of,
    submit,
    triage,
    worker_for,
)

# The figure: 2,000 submissions through the outage (about 80 s).
# SHEETS_SOAK=500 gives a quick run.
SOAK = int(os.environ.get("SHEETS_SOAK", "2000"))


def _structure(fake):
    out = {}
    for title in fake.titles():
        s = fake.sheet(title)
        out[title] = {
            "header": (s.rows[0] if s.rows else []),
            "frozen": s.frozen_rows,
            "validations": s.validations,
            "rules": s.conditional_formats,
            "protected": s.protected,
            "formats": s.formats,
            "rows": len(s.rows),
        }
    return out


def test_setup_creates_the_tabs_and_is_idempotent(staffed, fake, clock):
    worker = worker_for(staffed, fake, clock)
    layout = worker.layout()
    spreadsheet = worker.client.open_by_key(fake.spreadsheet.id)
    done = setup(spreadsheet, layout, [SERVICE_ACCOUNT])
    assert any("created tabs" in line for line in done)
    first = _structure(fake)
    writes_before = len(fake.requests(write=True))
    again = setup(spreadsheet, layout, [SERVICE_ACCOUNT])
    assert _structure(fake) == first, "a second setup changed the sheet"
    assert not any("created" in line or "protected" in line for line in again)
    second_writes = fake.requests(write=True)[writes_before:]
    assert [w.api for w in second_writes] == ["spreadsheets.batchUpdate"]  # dropdowns only

    assert fake.titles()[1:] == [INTAKE, TRIAGE, PROBLEMS]
    for title in (INTAKE, TRIAGE, PROBLEMS):
        sheet = fake.sheet(title)
        assert sheet.frozen_rows == 1
        assert len(sheet.protected) == 1
        assert sheet.protected[0]["editors"]["users"] == [SERVICE_ACCOUNT]
        assert not sheet.protected[0]["warningOnly"]
    triage_sheet = fake.sheet(TRIAGE)
    (unprotected,) = triage_sheet.protected[0]["unprotectedRanges"]
    assert (unprotected["startColumnIndex"], unprotected["endColumnIndex"]) == (
        TRIAGE_KEYS.index(EDITABLE[0]),
        TRIAGE_KEYS.index(EDITABLE[-1]) + 1,
    )
    dropdowns = {
        TRIAGE_KEYS[v["range"]["startColumnIndex"]]: [
            x["userEnteredValue"] for x in v["rule"]["condition"]["values"]
        ]
        for v in triage_sheet.validations
        if v["rule"]["condition"]["type"] == "ONE_OF_LIST"
    }
    assert dropdowns["status"] == ["open", "closed", "withdrawn"]
    assert dropdowns["owner"] == ["mina", "olive", "oscar"]  # officers and managers only
    assert dropdowns["stage"] == ["stage1", "stage2", "appeal", "ombudsman"]
    assert "partially_upheld" in dropdowns["outcome"]
    formulas = [
        r["booleanRule"]["condition"]["values"][0]["userEnteredValue"]
        for r in triage_sheet.conditional_formats
    ]
    assert formulas == ['=$O2="overdue"', '=$O2="due_soon"']
    worker.close()


def test_new_submissions_appear_within_a_step_and_staff_cannot_touch_intake(staffed, fake, clock):
    worker = worker_for(staffed, fake, clock)
    refs = [submit(staffed, clock) for _ in range(25)]
    report = worker.step()
    assert report.ok, report.error
    assert [r["Reference"] for r in fake.records(INTAKE)] == refs
    assert [r["Reference"] for r in fake.records(TRIAGE)] == refs
    row = triage(fake, refs[0])
    assert row["Stage"] == "stage1" and row["Status"] == "open" and row["Deadline"] == "on_time"
    assert row["Acknowledge by"] and row["Respond by"]
    with pytest.raises(PermissionError):
        fake.staff_edit(INTAKE, refs[0], "Details", "changed", editor="olive@staff.example.org")
    with pytest.raises(PermissionError):
        fake.staff_edit(TRIAGE, refs[0], "Respond by", "2030-01-01")
    fake.staff_edit(TRIAGE, refs[0], "Owner", "olive")  # a staff column: allowed
    # The next submissions go in the next step, with few requests.
    later = [submit(staffed, clock) for _ in range(10)]
    clock.advance(20)
    before = len(fake.log)
    assert worker.step().ok
    assert [r["Reference"] for r in fake.records(INTAKE)] == refs + later
    made = Counter(x.api for x in fake.log[before:])
    assert made["values.append"] == 2 and made["values.batchGet"] == 1
    assert sum(made.values()) <= 5, made
    worker.close()


def test_everything_is_written_raw_so_formulas_stay_text(staffed, fake, clock):
    payloads = [
        '=HYPERLINK("http://evil.example","Click me")',
        "+44 7700 900123",
        "+447700900123",
        "@SUM(A1:A9)",
        "-3",
        "=1+1",
        "\t=1+1",
        "'quoted",
        '=IMPORTXML("http://evil.example","//a")',
    ]
    worker = worker_for(staffed, fake, clock)
    refs = {submit(staffed, clock, details=p): p for p in payloads}
    assert worker.step().ok
    intake = {r["Reference"]: r["Details"] for r in fake.records(INTAKE)}
    for ref, payload in refs.items():
        assert intake[ref] == payload, "read back differs: it was not written as text"
        assert triage(fake, ref)["Summary"] == " ".join(payload.split())
    writes = [x for x in fake.log if x.write and x.api.startswith("values.")]
    assert writes and all(x.value_input == "RAW" for x in writes)
    worker.close()


def test_no_personal_details_in_the_sheet_unless_turned_on(staffed, fake, clock, tmp_path):
    worker = worker_for(staffed, fake, clock)
    ref = submit(staffed, clock)
    assert worker.step().ok
    everything = " ".join(c for t in fake.titles() for row in fake.values(t) for c in row)
    for value in PERSON.values():
        assert value not in everything
    assert "Email" not in fake.records(INTAKE)[0]
    worker.close()

    # Turned on (the worker sets the header up itself when it starts): Intake carries them,
    # Triage never does. Turned off again: removed.
    on = worker_for(staffed, fake, clock, include_personal=True)
    second = submit(staffed, clock)
    assert on.step().ok
    rows = {r["Reference"]: r for r in fake.records(INTAKE)}
    assert rows[second]["Name"] == PERSON["name"] and rows[second]["Email"] == PERSON["email"]
    assert rows[ref]["Name"] == ""  # written before: not filled in afterwards
    assert PERSON["name"] not in str(fake.values(TRIAGE))
    on.close()
    off = worker_for(staffed, fake, clock)
    done = setup(off.client.open_by_key(fake.spreadsheet.id), off.layout(), [SERVICE_ACCOUNT])
    assert any("personal details removed" in line for line in done)
    assert PERSON["name"] not in str(fake.values(INTAKE))
    off.close()


def test_request_path_never_waits_for_google(staffed, fake, clock, app):
    """Google hanging on every request: a submission through the public form is still
    acknowledged at once, and the form never calls Google."""
    import re

    fake.set_faults(Faults(hang_all=True, hold_seconds=5))
    client = app.test_client()
    page = client.get("/comment/service").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    for path, data in (
        ("/comment/service", {"service": "home-care"}),
        ("/comment/comment", {"details": '=HYPERLINK("x","y")'}),
        ("/comment/your-details", {"anonymous": "true"}),
    ):
        client.post(path, data={"csrf_token": token, **data})
    response = client.post("/comment/check-your-answers", data={"csrf_token": token})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:300]
    assert len(list(staffed.store.rows("submissions"))) == 1
    assert fake.log == []


def _windows(times: list[float], width: float = 60.0) -> int:
    """The most requests in any window of ``width`` seconds."""
    times = sorted(times)
    best, start = 0, 0
    for end in range(len(times)):
        while times[end] - times[start] >= width:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_o1_soak_exactly_once_through_faults_and_an_outage(staffed, fake, clock, fast_disk):
    """O1: SOAK submissions arriving while the stand-in fails 30% of calls (429/500/503),
    5% "applied then 500", 2% timeouts, and is down for 10 minutes; staff edit owners
    meanwhile. Afterwards each tab has every reference exactly once and every edit arrived."""
    start = clock.time()
    fake.set_faults(
        Faults(
            rate_429=0.10,
            rate_500=0.10,
            rate_503=0.10,
            rate_ambiguous=0.05,
            rate_timeout=0.02,
            outages=[(start + 30, start + 630)],
            hold_seconds=0.5,
            seed=2026,
        )
    )
    worker = worker_for(staffed, fake, clock, seed=11, interval_seconds=10)
    rng = random.Random(5)
    refs: list[str] = []
    acknowledged = 0
    edits: dict[str, str] = {}
    next_step = clock.time()
    steps = 0
    arrivals = iter(range(SOAK))
    done_arriving = False
    while steps < 3000:
        if not done_arriving:
            if next(arrivals, None) is None:
                done_arriving = True
            else:
                refs.append(submit(staffed, clock, details=f"soak {len(refs)}"))
                acknowledged += 1
                clock.advance(0.1 if len(refs) < SOAK // 5 else 2.0)
        if clock.time() >= next_step or done_arriving:
            began = clock.time()
            report = worker.step()
            steps += 1
            # Staff change an owner now and then, in rows that are in the sheet.
            present = fake.keys(TRIAGE)
            if present and rng.random() < 0.3:
                ref = rng.choice(present)
                if ref not in edits:
                    owner = rng.choice(["olive", "oscar", "mina"])
                    fake.staff_edit(TRIAGE, ref, "Owner", owner)
                    edits[ref] = owner
            wait = worker.wait_after(report, began)
            if done_arriving:
                clock.advance(wait)
                counts = worker.outbox.counts()
                waiting = sum(n for t in counts.values() for s, n in t.items() if s != "sent")
                if report.ok and not waiting:
                    owners = {c.ref: c.owner for c in worker.index.all_cases()}
                    if all(owners[r] == o for r, o in edits.items()):
                        break
            else:
                next_step = clock.time() + wait
    else:
        pytest.fail("the worker did not catch up")

    assert acknowledged == SOAK  # every submission stored and acknowledged locally
    for tab in (INTAKE, TRIAGE):
        keys = fake.keys(tab)
        duplicated = [k for k, n in Counter(keys).items() if n > 1]
        assert not duplicated, f"{tab}: {len(duplicated)} duplicated"
        assert sorted(keys) == sorted(refs), f"{tab}: {len(set(refs) - set(keys))} missing"
    assert len(edits) >= 5
    for ref, owner in edits.items():
        assert triage(fake, ref)["Owner"] == owner
        assert any(e["type"] == "assigned" and e["value"] == owner for e in events_of(staffed, ref))
    faults = Counter(x.fault for x in fake.log if x.fault)
    outside = [x for x in fake.log if x.fault != "outage"]
    assert faults["outage"] >= 5, faults
    assert sum(1 for x in outside if x.fault) >= 0.3 * len(outside), (faults, len(outside))
    assert faults["ambiguous"] + faults["timeout-applied"] >= 3, faults  # landed, then failed
    assert faults["429"] >= 3, faults
    print(f"\nO1: {SOAK} submissions, {steps} steps, {len(fake.log)} requests, faults {faults}")
    # O6a: every values write was RAW; O2: quota and size on the way.
    value_writes = [x for x in fake.log if x.write and x.api.startswith("values.")]
    assert all(x.value_input == "RAW" for x in value_writes)
    writes = [x.at for x in fake.log if x.write]
    reads = [x.at for x in fake.log if not x.write]
    assert _windows(writes) <= 60 and _windows(reads) <= 60
    assert max(x.size for x in fake.log) <= 2_000_000
    worker.close()


def test_o2_a_backlog_drains_in_few_appends_within_quota(staffed, fake, clock, fast_disk):
    """O2: 2,000 submissions waiting (the sheet was down): they go in at most 20 appends,
    no minute has more than 60 writes, and no request is over 2 MB."""
    refs = [submit(staffed, clock, details="x" * 3000) for _ in range(2000)]
    worker = worker_for(staffed, fake, clock)
    for _ in range(5):
        if (
            worker.step().ok
            and not worker.outbox.pending(INTAKE)
            and not worker.outbox.pending(TRIAGE)
        ):
            break
        clock.advance(20)
    assert len(fake.records(INTAKE)) == 2000 and len(fake.records(TRIAGE)) == 2000
    appends = fake.requests(api="values.append")
    assert len(appends) <= 20, len(appends)
    assert max(x.size for x in fake.log) <= 2_000_000
    assert _windows([x.at for x in fake.log if x.write]) <= 60
    reads = fake.requests(write=False)
    print(
        f"\nO2: 2000 rows: {len(appends)} appends, {len(reads)} reads, "
        f"largest request {max(x.size for x in fake.log) / 1e6:.2f} MB, "
        f"{len(fake.log)} requests in all"
    )
    assert refs[0] == fake.records(INTAKE)[0]["Reference"]
    worker.close()


def test_an_appended_row_deleted_by_the_owner_comes_back(staffed, fake, clock):
    worker = worker_for(staffed, fake, clock)
    refs = [submit(staffed, clock) for _ in range(3)]
    assert worker.step().ok
    sheet = fake.sheet(TRIAGE)
    row = fake.find_row(TRIAGE, refs[1])
    with fake.lock:
        del sheet.rows[row - 1]
        fake._revision(OWNER)  # Drive's history records a person's change
    clock.advance(20)
    assert worker.step().ok
    clock.advance(20)
    assert worker.step().ok
    assert sorted(r["Reference"] for r in fake.records(TRIAGE)) == sorted(refs)
    assert fake.sheet(INTAKE).frozen_rows == 1
    assert OWNER  # the owner may delete rows; nobody else can
    worker.close()


class _Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs, nothing catches it."""


@pytest.mark.parametrize("landed", [True, False])
def test_a_worker_killed_mid_append_sends_each_row_once_after_restart(staffed, fake, clock, landed):
    """The process dies with an append on the wire (before or after Google applied it):
    a new worker, from the outbox on disk, looks the references up and sends only what is
    missing."""
    first = worker_for(staffed, fake, clock)
    assert first.step().ok
    refs = [submit(staffed, clock) for _ in range(7)]
    real = first.retrier.call

    def dying(fn, *, idempotent, limiter=None):
        if not idempotent:  # the append
            if landed:
                fn()
            raise _Killed
        return real(fn, idempotent=idempotent, limiter=limiter)

    first.retrier.call = dying
    clock.advance(20)
    with pytest.raises(_Killed):
        first.step()
    assert sorted(first.outbox.maybe(INTAKE)) == sorted(refs)  # on disk before the request
    first.outbox.db.close()  # no flush, no goodbye

    second = worker_for(staffed, fake, clock)
    clock.advance(20)
    assert second.step().ok
    assert fake.keys(INTAKE) == refs
    assert sorted(fake.keys(TRIAGE)) == sorted(refs)
    second.close()


def test_requests_stay_under_2_mb_and_cells_under_50000_characters():
    from forms_app.sheets.push import BODY_LIMIT, chunks, size_of
    from forms_app.sheets.rows import CELL_LIMIT, cell

    long = cell("é" * 70_000)
    assert len(long) == CELL_LIMIT and long.endswith("on the case page]")
    assert cell("=HYPERLINK(1)") == "=HYPERLINK(1)"
    items = [(f"R{i}", ["x" * 40_000, "ŵ" * 9_000]) for i in range(120)]
    batches = list(chunks(items, 500))
    assert sum(len(b) for b in batches) == 120 and len(batches) > 1
    assert all(size_of({"values": [row for _k, row in b]}) <= BODY_LIMIT for b in batches)
    assert [len(b) for b in chunks(items[:7], 3)] == [3, 3, 1]


def test_a_restricted_case_is_not_sent_and_its_summary_is_blanked(staffed, fake, clock):
    """UK GDPR Art 18: a restricted case is never sent to the sheet (until the restriction is
    lifted), and one already there has what the person wrote blanked by the next step."""
    from forms_app.records.retention.erasure import restrict, unrestrict

    worker = worker_for(staffed, fake, clock, include_personal=True)
    kept = submit(staffed, clock, details="Carer Gwen Pryce mentioned late visits.")
    held = submit(staffed, clock, details="Nobody came on Tuesday.")
    restrict(staffed, held, "accuracy_contested", actor="olive")
    assert worker.step().ok
    assert kept in str(fake.values(INTAKE)) and kept in str(fake.values(TRIAGE))
    assert held not in str(fake.values(INTAKE)) + str(fake.values(TRIAGE))

    restrict(staffed, kept, "objection_pending", actor="olive")
    clock.sleep(60)
    assert worker.step().ok
    assert triage(fake, kept)["Summary"] == ""
    assert "Carer Gwen Pryce" not in str(fake.values(TRIAGE))

    unrestrict(staffed, held, actor="olive")
    clock.sleep(60)
    assert worker.step().ok
    assert triage(fake, held)["Summary"] == "Nobody came on Tuesday."
    worker.close()


def test_a_case_restricted_after_it_was_sent_has_its_intake_row_cleared_until_lifted(
    staffed, fake, clock
):
    """UK GDPR Art 18: the Intake row of a case restricted after it was sent (what the person
    wrote, their name and contact details) is cleared by the next step, not only the Triage
    summary; lifting the restriction sends it again, once."""
    from forms_app.records.retention.erasure import restrict, unrestrict

    worker = worker_for(staffed, fake, clock, include_personal=True)
    other = submit(staffed, clock, details="The lift was broken for a week.")
    held = submit(staffed, clock, details="Carer Gwen Pryce mentioned late visits.")
    assert worker.step().ok
    assert sum("gwen.pryce@example.com" in row for row in fake.values(INTAKE)) == 2
    assert held in str(fake.values(INTAKE))

    restrict(staffed, held, "accuracy_contested", actor="olive")
    clock.sleep(60)
    report = worker.step()
    assert report.ok and report.intake_cleared == 1
    intake = str(fake.values(INTAKE))
    assert held not in intake and "late visits" not in intake
    # (Both were sent by the same invented person: only the other case's row keeps them.)
    assert sum("gwen.pryce@example.com" in row for row in fake.values(INTAKE)) == 1
    assert other in intake and "The lift was broken" in intake  # the rest untouched
    assert triage(fake, held)["Summary"] == ""  # the Triage row stays, without the words
    clock.sleep(60)
    assert worker.step().ok and held not in str(fake.values(INTAKE)), "sent again while held"

    unrestrict(staffed, held, actor="olive")
    clock.sleep(60)
    assert worker.step().ok
    keys = [row[0] for row in fake.values(INTAKE)[1:] if row and row[0]]
    assert keys.count(held) == 1 and keys.count(other) == 1
    assert "late visits" in str(fake.values(INTAKE))
    worker.close()


def test_an_erased_case_has_its_rows_cleared_from_every_tab_by_the_next_step(staffed, fake, clock):
    """UK GDPR Art 17: erasing a case queues its reference (nothing else) for the worker, whose
    next step clears its Intake, Triage and Problems rows and forgets the reference; the rest
    stay."""
    from forms_app.records.retention.erasure import erase
    from forms_app.sheets.outbox import CLEARING
    from forms_app.sheets.status import status_lines

    olive = "olive@staff.example.org"  # a staff account of tests.support.sheets.STAFF
    worker = worker_for(staffed, fake, clock, include_personal=True)
    other = submit(staffed, clock, details="The lift was broken for a week.")
    gone = submit(staffed, clock, details="Carer Gwen Pryce mentioned late visits.")
    assert worker.step().ok
    assert gone in str(fake.values(INTAKE)) and triage(fake, gone)
    # A staff edit that could not be applied: a Problems row naming the case, and the other's.
    for ref in (gone, other):
        fake.staff_edit(TRIAGE, ref, "Owner", "Gwen's neighbour", editor=olive, paste=True)
    clock.sleep(60)
    assert worker.step().ok and worker.step().ok
    assert {p["Reference"] for p in fake.records(PROBLEMS)} == {gone, other}

    result = erase(staffed, gone, "malicious_allegation", actor="olive")
    assert result.removed["sheet_rows_to_delete"] == [gone]
    assert [key for key, _ in worker.outbox.pending(CLEARING)] == [gone]
    status = "\n".join(
        status_lines(staffed.settings, worker.config, staffed.store, clock.time())[0]
    )
    assert "still to be cleared: 1" in status
    clock.sleep(60)
    report = worker.step()
    assert report.ok and report.rows_cleared == 3
    every = str([fake.values(tab) for tab in (INTAKE, TRIAGE, PROBLEMS)])
    assert gone not in every and "late visits" not in every
    assert other in str(fake.values(INTAKE)) and triage(fake, other)["Summary"]
    assert [p["Reference"] for p in fake.records(PROBLEMS)] == [other]
    assert worker.outbox.pending(CLEARING) == []
    writes = len(fake.requests(write=True))
    clock.sleep(60)
    assert worker.step().ok and worker.step().rows_cleared == 0
    assert gone not in str([fake.values(tab) for tab in (INTAKE, TRIAGE, PROBLEMS)])
    assert not any("Clear" in w.api for w in fake.requests(write=True)[writes:])
    worker.close()
