"""One sync step of the shared sheet with 100,000 cases, over the same step with 1,000.

Each size gets its own data directory (synthetic cases written by ``bench.scale``), a sync
worker and the local stand-in for Google Sheets (tests/support/fake_sheets.py, real HTTP on
127.0.0.1, an injected clock). The worker first sends every case to the sheet, as it would on
its first day; then each measured step has what a step usually finds: a few new submissions
and a change made to an existing case in the staff pages. Staff edits in the sheet are timed
apart (``detail``): with no way to ask Google which cells changed, a step after someone edited
the sheet reads the whole Triage tab, so its cost grows with the rows in the sheet.

The figure is the sync worker's own CPU time in the step (``time.thread_time`` of the thread
running it). The stand-in serves from a thread of the same process, and its own work (finding
the end of a 100,000-row table to append after, in pure Python) is what Google does on its
side, not the service's: the wall time with it included is in ``detail``.

``python -m bench.sheets_step`` runs it alone and prints the figures.
"""

from __future__ import annotations

import dataclasses
import json
import random
import secrets
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
REPEATS = 7
NEW_PER_STEP = 5


def _submit(parts, clock) -> str:
    row = {name: "" for name in parts.contract.columns("submissions") if name != "crc"}
    row.update(
        received=datetime.fromtimestamp(clock.time(), UTC).isoformat(timespec="seconds"),
        kind="complaint",
        variant="standard",
        language="en",
        channel="online",
        procedure="charity-help-and-care",
        service="home-care",
        details="The carer came late three times this week and nobody rang to say.",
        anonymous="true",
    )
    ref, _ = parts.store.commit_submission(
        idempotency_key=secrets.token_urlsafe(18), submission=row, personal=None
    )
    return ref


def _steps(scratch: Path, cases: int) -> dict:
    """Median seconds of a usual step and of a step after a sheet edit, with ``cases``."""
    from bench.scale import make_data_dir
    from forms_app.accounts import UserBook
    from forms_app.casework.events import event, record
    from forms_app.organisation.settings import EXAMPLE_SETTINGS, load_settings
    from forms_app.sheets.client import BaseURLSession
    from forms_app.sheets.config import SheetsConfig
    from forms_app.sheets.layout import INTAKE, TRIAGE
    from forms_app.sheets.worker import SyncWorker
    from forms_app.web.parts import Parts
    from tests.support.fake_sheets import SERVICE_ACCOUNT, FakeClock, FakeSheets

    data_dir = scratch / f"cases-{cases}"
    make_data_dir(data_dir, submissions=cases, events=cases)
    settings = dataclasses.replace(load_settings(EXAMPLE_SETTINGS), data_dir=data_dir)
    parts = Parts.build(settings)
    parts.store.recover()
    UserBook(data_dir).add(
        "olive",
        name="Olive",
        password="correct horse battery staple",
        roles=["officer"],
        services=["home-care"],
        email="olive@staff.example.org",
    )
    rng = random.Random(3)
    clock = FakeClock()
    with FakeSheets(clock) as fake:
        config = SheetsConfig(
            spreadsheet_key=fake.spreadsheet.id,
            api_base_url=fake.base_url,
            service_account_email=SERVICE_ACCOUNT,
            max_rows_per_request=5_000,
            max_writes_per_minute=10_000,
            max_reads_per_minute=10_000,
        )
        worker = SyncWorker(
            parts,
            config,
            clock=clock,
            session=BaseURLSession(fake.base_url),
            rng=random.Random(1),
            send=lambda *a, **k: False,
        )
        started = time.perf_counter()
        for _ in range(200):  # the first day: every case sent
            clock.advance(config.interval_seconds)
            report = worker.step()
            assert report.ok, report.error
            if not worker.outbox.pending(INTAKE) and not worker.outbox.pending(TRIAGE):
                break
        first_day = time.perf_counter() - started
        clock.advance(config.interval_seconds)
        assert worker.step().ok
        refs = fake.keys(TRIAGE)
        usual, edited = [], []
        for i in range(2 * REPEATS):
            for _ in range(NEW_PER_STEP):
                _submit(parts, clock)
            changed = rng.choice(refs)
            record(parts.store, parts.contract, [event(changed, "olive", "note", note="Rang.")])
            if i % 2:
                fake.staff_edit(
                    TRIAGE,
                    rng.choice(refs),
                    "Themes",
                    "communication",
                    editor="olive@staff.example.org",
                )
            clock.advance(config.interval_seconds)
            began, cpu = time.perf_counter(), time.thread_time()
            report = worker.step()
            took = (time.perf_counter() - began, time.thread_time() - cpu)
            assert report.ok, report.error
            (edited if i % 2 else usual).append(took)
        worker.close()
    return {
        "usual_s": statistics.median(t for t, _cpu in usual),
        "usual_cpu_s": statistics.median(cpu for _t, cpu in usual),
        "edited_s": statistics.median(t for t, _cpu in edited),
        "edited_cpu_s": statistics.median(cpu for _t, cpu in edited),
        "first_day_s": first_day,
    }


def measure(scratch: Path) -> dict:
    if str(PROJECT) not in sys.path:
        sys.path.insert(0, str(PROJECT))
    few = _steps(scratch, 1_000)
    many = _steps(scratch, 100_000)
    return {
        "sheets_step_growth_ratio": round(many["usual_cpu_s"] / few["usual_cpu_s"], 3),
        "detail_sheets_step": {
            "worker_cpu_ms_1k": round(1000 * few["usual_cpu_s"], 2),
            "worker_cpu_ms_100k": round(1000 * many["usual_cpu_s"], 2),
            "wall_ms_with_stand_in_1k": round(1000 * few["usual_s"], 1),
            "wall_ms_with_stand_in_100k": round(1000 * many["usual_s"], 1),
            "after_a_sheet_edit_cpu_ms_1k": round(1000 * few["edited_cpu_s"], 1),
            "after_a_sheet_edit_cpu_ms_100k": round(1000 * many["edited_cpu_s"], 1),
            "after_a_sheet_edit_wall_ms_1k": round(1000 * few["edited_s"], 1),
            "after_a_sheet_edit_wall_ms_100k": round(1000 * many["edited_s"], 1),
            "first_day_s_1k": round(few["first_day_s"], 1),
            "first_day_s_100k": round(many["first_day_s"], 1),
        },
    }


if __name__ == "__main__":
    import tempfile

    (PROJECT / "build").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=PROJECT / "build") as scratch:
        print(json.dumps(measure(Path(scratch)), indent=2))
