"""O3: the sheet sync worker SIGKILLed mid-batch, for real.

``feedback sheets sync`` runs in its own process, as an operator starts it, pointed at the
local Google Sheets stand-in (``sheets.api_base_url`` in the settings file; gspread's real
client over HTTP). The stand-in holds each request a little before and after applying it and
sometimes applies an append and then answers 500. Submissions are committed to the store all
the while. The worker is SIGKILLed at a seeded random moment, and started again,
``tests.support.tier.scaled(10, 50)`` times: half the kills (chosen at random) fall anywhere in the
first ``KILL_WINDOW`` seconds after its first request (opening the sheet, reading, appending,
sleeping), the others within ``BATCH_WINDOW`` seconds of its first append, when a batch of
appends is under way. A last worker runs until the outbox is
drained and is stopped with SIGTERM. Then every reference must be in the Intake tab exactly
once and in submission order, and in the Triage tab exactly once (without the worker ever
having had to clear a duplicate Triage row), the Problems tab empty, and a fresh
``feedback sheets sync --once`` and ``feedback sheets status`` must find nothing waiting.

``O3_SEED`` chooses the seed (printed); ``FEEDBACK_TIER=nightly`` gives 50 kills.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from forms_app.cli.group import main as cli_main
from forms_app.sheets.layout import INTAKE, PROBLEMS, TRIAGE
from forms_app.sheets.outbox import outbox_path
from tests.support.fake_sheets import SERVICE_ACCOUNT, Faults
from tests.support.sheets import make_staff, settings_file
from tests.support.sheets_served import APPLIED, ON_THE_WIRE, SlowSheets, SyncProcess
from tests.support.staff import submit
from tests.support.tier import scaled

pytestmark = pytest.mark.slow

KILLS = scaled(10, 50)
SEED = int(os.environ.get("O3_SEED", "3"))
DELAY = 0.05  # seconds the stand-in holds each request, before and again after applying it
KILL_WINDOW = 1.2  # an "anywhere" kill: at most this long after the worker's first request
BATCH_WINDOW = 0.6  # a "mid-batch" kill: at most this long after the worker's first append
AMBIGUOUS = 0.05  # requests applied and then answered 500
# Liveness bounds only (a hung or crash-looping worker fails the test instead of hanging it);
# nothing here measures speed.
FIRST_REQUEST_WITHIN = 60.0
DRAIN_WITHIN = 180.0

PEOPLE = [
    ("Gwenllian Parry", "gwenllian.parry@example.com"),
    ("Rhodri Evans", "rhodri.evans@example.com"),
    ("Carys Jones", "carys.jones@example.com"),
    ("Dafydd Price", "dafydd.price@example.com"),
    ("Angharad Lloyd", "angharad.lloyd@example.com"),
]


class Feeder(threading.Thread):
    """Commits submissions to the store, as the public form does, until stopped."""

    def __init__(self, parts, rng: random.Random):
        super().__init__(daemon=True)
        self.parts = parts
        self.rng = rng
        self.refs: list[str] = []
        self.stopping = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                name, email = self.rng.choice(PEOPLE)
                self.refs.append(submit(self.parts, name=name, email=email))
                # Arrivals at a few a second, so each life of the worker finds a backlog of
                # several rows: more than one append a step (max_rows_per_request is 4).
                self.stopping.wait(self.rng.uniform(0.05, 0.5))
        except BaseException as error:  # noqa: BLE001 - reported by the test
            self.error = error

    def stop(self) -> list[str]:
        self.stopping.set()
        self.join(timeout=60)
        if self.error is not None:
            raise self.error
        return list(self.refs)


def outbox_counts(data_dir: Path) -> dict[str, dict[str, int]]:
    """{tab: {state: n}} read from the outbox without writing to it (the worker may be on)."""
    path = outbox_path(data_dir)
    if not path.exists():
        return {}
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        out: dict[str, dict[str, int]] = {}
        for tab, state, n in db.execute(
            "SELECT tab, state, COUNT(*) FROM items GROUP BY tab, state"
        ):
            out.setdefault(tab, {})[state] = n
        return out
    finally:
        db.close()


def tally(keys: list[str], refs: list[str]) -> tuple[int, list[str], list[str]]:
    """(rows duplicated, references missing, keys nobody submitted)."""
    seen = Counter(keys)
    wanted = set(refs)
    duplicated = sum(n - 1 for n in seen.values() if n > 1)
    return duplicated, [r for r in refs if r not in seen], [k for k in seen if k not in wanted]


def test_o3_sync_worker_sigkilled_mid_batch_sends_each_row_exactly_once(
    app_parts, data_dir, tmp_path, fast_disk
):
    rng = random.Random(SEED)
    print(f"\nO3: seed {SEED} (O3_SEED), {KILLS} kills")
    make_staff(data_dir)
    with SlowSheets(delay=DELAY, faults=Faults(rate_ambiguous=AMBIGUOUS, seed=SEED)) as fake:
        settings = settings_file(
            tmp_path,
            {
                "spreadsheet_key": fake.spreadsheet.id,
                "api_base_url": fake.base_url,
                "service_account_email": SERVICE_ACCOUNT,
                "request_timeout_seconds": 10,
                "interval_seconds": 1,
                "max_rows_per_request": 4,
                "max_writes_per_minute": 60,
                "max_reads_per_minute": 60,
            },
        )
        worker = SyncProcess(settings, data_dir, tmp_path / "worker.log")
        feeder = Feeder(app_parts, random.Random(rng.random()))
        feeder.start()
        landed: Counter[str] = Counter()
        try:
            for _ in range(KILLS):
                mid_batch = rng.random() < 0.5
                which = 1 if mid_batch else 0  # wait for a request, or for an append
                before = fake.arrived()[which]
                worker.start()
                deadline = time.monotonic() + FIRST_REQUEST_WITHIN
                while fake.arrived()[which] == before:
                    assert worker.running(), f"the worker exited by itself:\n{worker.tail()}"
                    assert time.monotonic() < deadline, (
                        f"the worker sent nothing in {FIRST_REQUEST_WITHIN:.0f} s:\n{worker.tail()}"
                    )
                    time.sleep(0.01)
                time.sleep(rng.uniform(0, BATCH_WINDOW if mid_batch else KILL_WINDOW))
                in_flight = fake.appends_in_flight()
                status = worker.kill()
                assert status == -signal.SIGKILL, (
                    f"the worker ended by itself (status {status}) before the kill:\n"
                    f"{worker.tail()}"
                )
                if APPLIED in in_flight:
                    landed[APPLIED] += 1
                elif ON_THE_WIRE in in_flight:
                    landed[ON_THE_WIRE] += 1
                else:
                    landed["between appends"] += 1
        finally:
            if worker.running():
                worker.kill()
            refs = feeder.stop()

        # The last worker: runs until every reference is confirmed in both tabs.
        worker.start()
        deadline = time.monotonic() + DRAIN_WITHIN
        while True:
            counts = outbox_counts(data_dir)
            if counts.get(INTAKE) == {"sent": len(refs)} and counts.get(TRIAGE) == {
                "sent": len(refs)
            }:
                break
            if not worker.running() or time.monotonic() > deadline:
                if worker.running():
                    worker.kill()
                pytest.fail(
                    f"the outbox never drained: {len(refs)} submitted, outbox {counts}, "
                    f"Intake has {len(fake.keys(INTAKE))} keys:\n{worker.tail()}"
                )
            time.sleep(0.2)
        stopped = worker.stop()
        assert stopped == 0, f"SIGTERM: exit status {stopped}:\n{worker.tail()}"

        fake.set_faults(Faults())  # the checks below are about the sheet, not about faults
        intake, triage = fake.keys(INTAKE), fake.keys(TRIAGE)
        duplicated, missing, strangers = tally(intake, refs)
        t_duplicated, t_missing, t_strangers = tally(triage, refs)
        appends = fake.requests(api="values.append")
        ambiguous = sum(1 for r in appends if r.fault == "ambiguous")
        figures = (
            f"O3: {KILLS} kills, {len(refs)} rows, {duplicated} duplicated, "
            f"{len(missing)} missing (Intake); Triage {t_duplicated} duplicated, "
            f"{len(t_missing)} missing. Kills with an append in flight: "
            f"{landed[ON_THE_WIRE] + landed[APPLIED]} ({landed[APPLIED]} after the stand-in "
            f"applied it, {landed[ON_THE_WIRE]} before), {landed['between appends']} between "
            f"appends; {len(appends)} appends, {ambiguous} applied then answered 500; "
            f"{worker.lives} worker lives; seed {SEED}"
        )
        print(figures)
        assert (duplicated, missing, strangers) == (0, [], []), f"Intake: {figures}"
        assert (t_duplicated, t_missing, t_strangers) == (0, [], []), f"Triage: {figures}"
        # Exactly once by the protocol, not by the worker tidying up afterwards.
        cleared = len(fake.requests(api="values.batchClear"))
        assert cleared == 0, f"the worker cleared duplicate Triage rows {cleared} times: {figures}"
        assert intake == refs, "Intake is not in submission order"
        assert fake.keys(PROBLEMS) == []

        # A fresh worker reads the whole Intake column at start: nothing left to send.
        env = {"FORMS_APP_SETTINGS": str(settings), "FORMS_APP_DATA_DIR": str(data_dir)}
        once = CliRunner().invoke(cli_main, ["sheets", "sync", "--once"], env=env)
        assert once.exit_code == 0, once.output
        assert "intake +0, triage +0" in once.output, once.output
        status = CliRunner().invoke(cli_main, ["sheets", "status"], env=env)
        assert status.exit_code == 0, status.output
        assert "Waiting: 0 for Intake, 0 for Triage, 0 for Problems" in status.output
        assert "more than once" not in status.output, status.output
        assert fake.keys(INTAKE) == refs
