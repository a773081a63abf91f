"""Sheets API requests per 1,000 submissions, and the time from a submission to its row.

Submissions arrive at 10 a second for 5 minutes (3,000), committed through the real store;
the sync worker runs against the local stand-in for Google Sheets (tests/support/fake_sheets.py)
through gspread's real client over HTTP on 127.0.0.1, on an injected clock, so five minutes
take seconds. Staff change an owner in the Triage tab every 30 seconds meanwhile. Every
request the stand-in receives is counted: setup is reported apart (it happens once).

``python -m bench.sheets`` runs it alone and prints the figures.
"""

from __future__ import annotations

import dataclasses
import json
import random
import secrets
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
RATE = 10  # submissions a second
SECONDS = 300


def _submit(parts, clock) -> str:
    from forms_app.storage.vocabulary import KINDS

    row = {name: "" for name in parts.contract.columns("submissions") if name != "crc"}
    row.update(
        received=datetime.fromtimestamp(clock.time(), UTC).isoformat(timespec="seconds"),
        kind=random.choice(KINDS),
        variant="standard",
        language="en",
        channel="online",
        procedure="charity-help-and-care",
        service="home-care",
        details="The carer came late three times this week and nobody rang to say. " * 4,
        anonymous="true",
    )
    ref, _ = parts.store.commit_submission(
        idempotency_key=secrets.token_urlsafe(18), submission=row, personal=None
    )
    return ref


def measure(scratch: Path) -> dict:
    if str(PROJECT) not in sys.path:
        sys.path.insert(0, str(PROJECT))
    from forms_app.accounts import UserBook
    from forms_app.organisation.settings import EXAMPLE_SETTINGS, load_settings
    from forms_app.sheets.client import BaseURLSession
    from forms_app.sheets.config import SheetsConfig
    from forms_app.sheets.layout import INTAKE, TRIAGE
    from forms_app.sheets.worker import SyncWorker
    from forms_app.web.parts import Parts
    from tests.support.fake_sheets import SERVICE_ACCOUNT, FakeClock, FakeSheets

    random.seed(10)
    started = time.perf_counter()
    settings = dataclasses.replace(load_settings(EXAMPLE_SETTINGS), data_dir=scratch / "data")
    parts = Parts.build(settings)
    parts.store.recover()
    book = UserBook(settings.data_dir)
    for name in ("olive", "oscar"):
        book.add(
            name,
            name=name,
            password="correct horse battery staple",
            roles=["officer"],
            services=["home-care"],  # so their edits in the sheet are theirs to make
            email=f"{name}@staff.example.org",
        )
    clock = FakeClock()
    with FakeSheets(clock) as fake:
        config = SheetsConfig(
            spreadsheet_key=fake.spreadsheet.id,
            api_base_url=fake.base_url,
            service_account_email=SERVICE_ACCOUNT,
        )
        worker = SyncWorker(
            parts,
            config,
            clock=clock,
            session=BaseURLSession(fake.base_url),
            rng=random.Random(1),
            send=lambda *a, **k: False,
        )
        assert worker.step().ok  # setup: tabs, headers, rules, protection
        setup_requests = len(fake.log)
        committed: dict[str, float] = {}
        next_step = clock.time() + config.interval_seconds
        last_edit = clock.time()
        edits = 0
        end = clock.time() + SECONDS
        while clock.time() < end:
            ref = _submit(parts, clock)
            committed[ref] = clock.time()
            clock.advance(1 / RATE)
            if clock.time() >= next_step:
                began = clock.time()
                report = worker.step()
                next_step = began + worker.wait_after(report, began)
            if clock.time() - last_edit >= 30:
                present = fake.keys(TRIAGE)
                if present:
                    fake.staff_edit(
                        TRIAGE,
                        random.choice(present),
                        "Owner",
                        random.choice(["olive", "oscar"]),
                        editor="olive@staff.example.org",
                    )
                    edits += 1
                last_edit = clock.time()
        for _ in range(50):  # the last arrivals go in the next step or two
            clock.advance(max(0.0, next_step - clock.time()))
            began = clock.time()
            report = worker.step()
            next_step = began + worker.wait_after(report, began)
            if (
                report.ok
                and not worker.outbox.pending(INTAKE)
                and not worker.outbox.pending(TRIAGE)
            ):
                break
        sent = worker.outbox.sent_times(INTAKE)
        sent_triage = worker.outbox.sent_times(TRIAGE)
        worker.close()
        log = fake.log[setup_requests:]
        sheets = [x for x in log if not x.api.startswith("drive.")]
        lags = sorted(sent[r] - t for r, t in committed.items() if r in sent)
        triage_lags = sorted(sent_triage[r] - t for r, t in committed.items() if r in sent_triage)
        writes = sorted(x.at for x in sheets if x.write)
        busiest = max((sum(1 for t in writes if a <= t < a + 60) for a in writes), default=0)
        missing = len(committed) - len(set(fake.keys(INTAKE)) & set(committed))
    n = len(committed)
    return {
        "sheets_requests_per_1000": round(len(sheets) * 1000 / n, 2),
        "sheets_lag_p95_s": round(lags[int(0.95 * (len(lags) - 1))], 1) if lags else None,
        "sheets_detail": {
            "submissions": n,
            "arrival_per_second": RATE,
            "simulated_seconds": SECONDS,
            "sync_interval_s": config.interval_seconds,
            "sheets_requests": len(sheets),
            "by_method": dict(Counter(x.api for x in sheets)),
            "drive_requests": len(log) - len(sheets),
            "setup_requests": setup_requests,
            "max_writes_in_a_minute": busiest,
            "largest_request_bytes": max((x.size for x in log), default=0),
            "lag_median_s": round(statistics.median(lags), 1) if lags else None,
            "lag_max_s": round(max(lags), 1) if lags else None,
            "triage_lag_p95_s": round(triage_lags[int(0.95 * (len(triage_lags) - 1))], 1)
            if triage_lags
            else None,
            "staff_edits": edits,
            "rows_missing": missing,
            "wall_seconds": round(time.perf_counter() - started, 1),
        },
    }


if __name__ == "__main__":
    import tempfile

    (PROJECT / "build").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=PROJECT / "build") as scratch:
        print(json.dumps(measure(Path(scratch)), indent=2))
