"""The staff case list and the annual report at 100,000 cases, with the case tables in
PostgreSQL beside the same cases in the data package, in one run: ``python -m
bench.postgres_scale``.

The cases are the report benchmark's (``bench.report.make_data_dir``: 100,000 cases over three
financial years with the events real casework leaves), written into a data directory and then
moved into a database the way ``feedback migrate-store`` moves them (``copy_rows``: one commit,
read back and compared), and back out into a new data directory whose table files must be
byte for byte the originals. Each side then runs, in fresh processes:

- the staff case list through the real route with a signed-in manager, the first request and
  the warm median (``bench.staff_list``'s own measurement);
- the whole ``feedback report --year 2025`` (``bench.report``'s own), whose headline figures
  must be the same from both engines. Each report folds every case from the first row: the
  cases a report saves in the data directory for the next one (``reports.saved_counts``, which
  only the data package has) are removed before each run, so the engines compare alike.

The ratios are PostgreSQL over the data package, measured in the same run: above 1 is slower.
The server is the tests' own (``tests/support/postgres.py``: Debian's postgresql, started as
the postgres user in a temporary folder, fsync on), on the same machine as the app.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.report import SAVED_CASES, make_data_dir, report_run, wait_for_saved_cases
from bench.staff_list import _CODE as LIST_CODE

PROJECT = Path(__file__).resolve().parent.parent
POSTGRES = Path("/usr/lib/postgresql/15/bin/postgres")
if not POSTGRES.exists():
    # ``python -m bench`` then notes it as not measured instead of stopping.
    raise ImportError(f"{POSTGRES} is missing: `make postgresql` installs Debian's postgresql")
REPEATS = 10
REPORT_RUNS = 2


def _with_store(url: str):
    """The environment of a child process whose app keeps its case tables at ``url``."""
    env = dict(os.environ)
    env.pop("FORMS_APP_STORE_URL", None)
    if url:
        env["FORMS_APP_STORE_URL"] = url
    return env


def _time_list(data_dir: Path, url: str) -> dict:
    code = LIST_CODE.format(project=str(PROJECT), data_dir=str(data_dir), repeats=REPEATS)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_with_store(url)
    )
    if done.returncode != 0:
        raise RuntimeError(f"the staff list failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _best_report(data_dir: Path, scratch: Path, url: str, name: str) -> dict:
    """The quicker of two whole reports (``bench.report.report_run`` hands its child this
    process's environment, so the engine is chosen here for the time of the runs)."""
    saved = os.environ.pop("FORMS_APP_STORE_URL", None)
    if url:
        os.environ["FORMS_APP_STORE_URL"] = url
    try:
        runs = []
        for i in range(REPORT_RUNS):
            begun = time.time()
            runs.append(report_run(data_dir, scratch / f"{name}-{i}", figures=True))
            # The files engine's report saves its cases in a process of its own after it ends:
            # wait for that, then remove them (nor does the saving share the next run's cores).
            if not url and not wait_for_saved_cases(data_dir, begun):
                raise RuntimeError("the report did not save its cases")
            for saved_file in (SAVED_CASES, SAVED_CASES.with_suffix(".rows")):
                (data_dir / saved_file).unlink(missing_ok=True)
    finally:
        os.environ.pop("FORMS_APP_STORE_URL", None)
        if saved is not None:
            os.environ["FORMS_APP_STORE_URL"] = saved
    return min(runs, key=lambda run: run["seconds"])


def _move_into(data_dir: Path, database_dir: Path, url: str) -> float:
    """Copy the case tables of ``data_dir`` into the database; seconds taken."""
    from forms_app.storage import Store
    from forms_app.storage.contract import Contract
    from forms_app.storage.postgres import PostgresStore
    from forms_app.storage.postgres.moving import copy_rows

    contract = Contract()
    tables = {name: contract.columns(name) for name in contract.resource_names}
    source = Store(data_dir, tables)
    source.recover()
    database_dir.mkdir(parents=True, exist_ok=True)
    target = PostgresStore(url, database_dir, tables)
    target.recover()
    started = time.perf_counter()
    copy_rows(source, target)
    return time.perf_counter() - started


def _move_back(url: str, database_dir: Path, files_dir: Path, back_dir: Path) -> float:
    """Copy the database's case tables into the new data directory ``back_dir`` and check each
    table's file is byte for byte the one it came from; seconds taken."""
    from forms_app.storage import Store
    from forms_app.storage.contract import Contract
    from forms_app.storage.postgres import PostgresStore
    from forms_app.storage.postgres.moving import copy_rows

    contract = Contract()
    tables = {name: contract.columns(name) for name in contract.resource_names}
    source = PostgresStore(url, database_dir, tables)
    source.recover()
    back_dir.mkdir(parents=True)
    target = Store(back_dir, tables)
    target.recover()
    started = time.perf_counter()
    copy_rows(source, target)
    took = time.perf_counter() - started
    for name in tables:
        csv = f"{name}.csv"
        if (files_dir / csv).read_bytes() != (back_dir / csv).read_bytes():
            raise RuntimeError(f"{csv} is not the same after the round trip")
    return took


def measure(scratch: Path) -> dict:
    from tests.support.postgres import start_server

    files_dir, database_dir = scratch / "files", scratch / "database"
    rows = make_data_dir(files_dir)
    server = start_server()
    try:
        url = server.url(server.new_database())
        moved_s = _move_into(files_dir, database_dir, url)
        back_s = _move_back(url, database_dir, files_dir, scratch / "back")
        # Each app's own settings and accounts: the PostgreSQL side's data directory holds no
        # case table, so nothing can be read from the files by mistake.
        files_list = _time_list(files_dir, "")
        database_list = _time_list(database_dir, url)
        files_report = _best_report(files_dir, scratch, "", "files")
        database_report = _best_report(database_dir, scratch, url, "database")
    finally:
        server.stop()
    if files_report["figures"] != database_report["figures"]:
        raise RuntimeError("the report's headline figures differ between the two engines")
    return {
        "staff_list_ratio_postgres": round(database_list["median"] / files_list["median"], 3),
        "report_ratio_postgres": round(database_report["seconds"] / files_report["seconds"], 3),
        "postgres_scale_detail": {
            "cases": rows.get("submissions"),
            "events": rows.get("events"),
            "moved_into_postgres_s": round(moved_s, 1),
            "moved_back_identical_s": round(back_s, 1),
            "staff_list_warm_ms": {
                "files": round(1000 * files_list["median"], 1),
                "postgres": round(1000 * database_list["median"], 1),
            },
            "staff_list_first_s": {
                "files": round(files_list["first"], 2),
                "postgres": round(database_list["first"], 2),
            },
            "report_s": {
                "files": round(files_report["seconds"], 2),
                "postgres": round(database_report["seconds"], 2),
            },
            "load_average": round(os.getloadavg()[0], 1),
        },
    }


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory(dir=PROJECT / "build") as scratch:
        print(json.dumps(measure(Path(scratch)), indent=2))
