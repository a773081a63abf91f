"""O4: the back-off schedule, Retry-After, parking after hours of failure with an alert and
nothing dropped, refusals (401/403) tried at most 3 more times, and 'more than an hour
behind' said loudly (log, status, email)."""

from __future__ import annotations

import logging
import random

from forms_app.sheets.layout import INTAKE, TRIAGE
from forms_app.sheets.quota import RateLimiter
from forms_app.sheets.retry import Failure, Retrier, backoff_delay
from forms_app.sheets.status import status_lines
from tests.support.fake_sheets import OWNER, FakeClock, Faults
from tests.support.sheets import config_for, submit, worker_for

HOUR = 3600.0


def test_backoff_schedule_matches_for_n_0_to_20():
    rng, check = random.Random(42), random.Random(42)
    for n in range(21):
        u = check.random()
        assert 0 <= u < 1
        assert backoff_delay(n, rng) == min(2**n + u, 64)
    assert backoff_delay(5, random.Random(1)) >= 32 and backoff_delay(6, random.Random(1)) == 64


def test_retry_after_is_honoured_and_delays_grow():
    clock = FakeClock()
    retrier = Retrier(clock, rng=random.Random(3))
    waits = []
    for _ in range(8):
        retrier.failed(Failure("transient", 503, None, "503"))
        waits.append(retrier.delay())
    assert waits == sorted(waits) and waits[-1] == 64
    retrier.succeeded()
    retrier.failed(Failure("transient", 429, 30.0, "429"))
    assert retrier.delay() >= 30


def test_a_429_is_retried_in_place_after_retry_after(staffed, fake, clock):
    worker = worker_for(staffed, fake, clock)
    submit(staffed, clock)
    assert worker.step().ok  # set up
    submit(staffed, clock)
    clock.advance(20)
    fake._revision(OWNER)  # someone changed the sheet, so the step reads the Triage tab
    # The look at Drive's revisions and the read are fine; the append gets a 429.
    fake.set_faults(Faults(forced=[0, 0, 429], retry_after="17"))
    before = len(fake.log)
    report = worker.step()
    assert report.ok, report.error
    log = [x for x in fake.log[before:] if x.api != "drive.revisions.list"]
    assert [x.api for x in log[:3]] == ["values.batchGet", "values.append", "values.append"]
    assert log[1].status == 429 and log[2].status == 200
    assert log[2].at - log[1].at >= 17
    assert len(fake.keys(INTAKE)) == 2


def test_quota_window_holds_requests_back():
    clock = FakeClock()
    limiter = RateLimiter(60, clock)
    times = []
    for _ in range(200):
        limiter.acquire()
        times.append(clock.time())
    for i in range(len(times) - 60):
        assert times[i + 60] - times[i] >= 60
    assert limiter.waited > 0


def test_parks_after_hours_of_failure_alerts_and_drops_nothing(staffed, fake, clock, caplog):
    """The stand-in is down for 6 hours: the worker backs off (never more than 64 s apart,
    jittered), says it is behind after an hour, parks after 4 hours with an alert, retries
    hourly, and when Google is back everything arrives once."""
    sent = []
    worker = worker_for(staffed, fake, clock, sent=sent)
    start = clock.time()
    refs = [submit(staffed, clock) for _ in range(30)]
    fake.set_faults(Faults(outages=[(start, start + 6 * HOUR)]))
    attempts = []
    parked_at = None
    with caplog.at_level(logging.ERROR, logger="forms_app.sheets"):
        for _ in range(2000):
            began = clock.time()
            report = worker.step()
            attempts.append(began)
            if report.parked and parked_at is None:
                parked_at = clock.time()
            if (
                report.ok
                and not worker.outbox.pending(INTAKE)
                and not worker.outbox.pending(TRIAGE)
            ):
                break
            clock.advance(worker.wait_after(report, began))
    assert parked_at is not None
    assert 4 * HOUR <= parked_at - start <= 4 * HOUR + 10 * 64
    tries = [x.at for x in fake.log if x.fault == "outage" and x.at < start + 4 * HOUR]
    gaps = [b - a for a, b in zip(tries, tries[1:], strict=False)]
    assert max(gaps) <= 64 + 1 and gaps[0] < 3  # bounded back-off, starting small
    assert len(tries) < 4 * HOUR / 60  # backed off: not more than about one a minute
    # Parked: tried again once an hour until Google came back.
    after = [t for t in attempts if t > parked_at]
    assert all(b - a >= HOUR - 1 for a, b in zip(after, after[1:], strict=False))
    subjects = [m["subject"] for m in sent]
    assert "The shared sheet is more than an hour behind" in subjects
    assert "The shared sheet is not being updated" in subjects
    # Each kind at most once an hour while it lasts.
    assert subjects.count("The shared sheet is more than an hour behind") <= 7
    assert all("Gwen" not in m["body"] and "late" not in m["body"] for m in sent)
    assert any("more than an hour behind" in r.getMessage() for r in caplog.records)
    # Nothing dropped: every row arrived, once.
    assert sorted(fake.keys(INTAKE)) == sorted(refs)
    assert sorted(fake.keys(TRIAGE)) == sorted(refs)
    worker.close()


def test_refusals_are_tried_three_more_times_then_park_with_an_alert(staffed, fake, clock):
    sent = []
    worker = worker_for(staffed, fake, clock, sent=sent)
    submit(staffed, clock)
    assert worker.step().ok
    submit(staffed, clock)
    fake.set_faults(Faults(forced=[403] * 20))
    steps = 0
    while steps < 10:
        began = clock.time()
        report = worker.step()
        steps += 1
        if report.parked:
            break
        clock.advance(worker.wait_after(report, began))
    refused = [x for x in fake.log if x.status == 403]
    assert len(refused) == 4  # the first try and 3 more
    assert report.parked
    assert [m["subject"] for m in sent] == ["The shared sheet is not being updated"]
    assert "refused" in sent[0]["body"]
    worker.close()


def test_status_says_how_far_behind_and_loudly_after_an_hour(staffed, fake, clock):
    worker = worker_for(staffed, fake, clock)
    submit(staffed, clock)
    assert worker.step().ok
    config = config_for(fake)
    lines, loud = status_lines(staffed.settings, config, staffed.store, clock.time())
    assert not loud and "Oldest waiting: nothing is waiting" in lines
    submit(staffed, clock)  # the worker is stopped; time passes
    clock.advance(HOUR + 60)
    lines, loud = status_lines(staffed.settings, config, staffed.store, clock.time())
    text = "\n".join(lines)
    assert loud and "BEHIND" in text and "1 for Intake" in text
    worker.close()
