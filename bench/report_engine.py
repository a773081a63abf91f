"""Our whole annual report against a dedicated engine computing its headline figures over the
same CSV files (``report_duckdb_ratio``, goal at most 3).

Both run in the same benchmark run over the same data directory (``bench.report``'s 100,000
cases, each with its person's own words), taking turns so that load on the machine falls on both
alike:

- ours: the whole ``feedback report --year 2025`` in a fresh process, as ``bench.report``
  times it (reading, folding, every table, disclosure control, pages in English and Welsh,
  charts, the data package validated by frictionless, the PII gate, putting in place), as a
  report runs on a day after the first: from the cases the last report saved
  (``reports.saved_counts``), with a day of casework appended since (600 events on 300 cases,
  which it folds again). DuckDB has nothing saved: it reads both files whole each time. The
  first report over the data, which folds every case from the first row and saves them, is
  timed too (``first_report_s``), beside the DuckDB run before it;
- DuckDB: reading ``submissions.csv`` and ``events.csv`` and computing the headline figures in
  SQL: feedback by kind over three years, complaints by service and by stage (the stages
  entered, and referrals to the ombudsman), the final outcomes of closed complaints, and by
  stage how many were acknowledged on time and answered within the target. The working-day
  calendar (weekends, bank holidays and the organisation's closure days) is worked out
  beforehand by the procedures' own calendar and handed to DuckDB as a small CSV file, the way
  a dedicated engine would be given it; the targets come from the procedure profile.

DuckDB's figures must equal the ones our report publishes, cell for cell, or the benchmark
fails: a faster engine counting something else would prove nothing. The SQL follows the
rules the benchmark's data exercises (a complaint starts Stage 1 on the UTC day it was
received, an acknowledgement or response without a stage belongs to Stage 1, the first
acknowledgement and response of a stage count, the outcome of the latest stage is final,
feedback keeps the kind it was sent as); the check is what shows it counts the same.

The ratio is the median of our runs over the median of DuckDB's. DuckDB is a benchmark-only
dependency (the ``dev`` extra).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from bench.report import (
    PROCEDURE,
    SAVED_CASES,
    add_a_day,
    make_data_dir,
    report_run,
    wait_for_saved_cases,
)

PROJECT = Path(__file__).resolve().parent.parent
REPEATS = 3  # our report runs (a few seconds each); DuckDB runs twice as often
YEAR = 2025

#: Outcome codes and the groups the report counts them in (``reports.words``).
GROUP_SQL = (
    "CASE outcome WHEN 'upheld' THEN 'upheld' WHEN 'partially_upheld' THEN 'partially_upheld' "
    "WHEN 'not_upheld' THEN 'not_upheld' ELSE 'other' END"
)


def calendar_file(path: Path, first: date, last: date) -> None:
    """Every day from ``first`` to ``last`` with what a working-day count needs: how many
    working days up to and including it, and its day zero (itself if a working day, else the
    next one) with that day's count. Worked out by the procedure's own calendar (bank holidays
    of its nation and the organisation's closure days, as the report's calendar has them)."""
    from forms_app.organisation.settings import load_settings
    from forms_app.procedures.profiles import WorkingCalendar, load_procedure

    settings = load_settings()
    procedure = load_procedure(PROCEDURE)
    years = range(2000, date.today().year + 3)
    calendar = WorkingCalendar(procedure.nation, settings.closure_dates(years))
    days = [first + timedelta(days=k) for k in range((last - first).days + 1)]
    working = [calendar.is_working_day(d) for d in days]
    count_to, running = [], 0
    for is_working in working:
        running += is_working
        count_to.append(running)
    rows = ["d,count_to,zero,zero_count"]
    zero = None
    for k in range(len(days) - 1, -1, -1):
        if working[k]:
            zero = k
        if zero is not None:
            rows.append(f"{days[k]},{count_to[k]},{days[zero]},{count_to[zero]}")
    path.write_text("\n".join(rows) + "\n", "utf-8")


def targets_sql() -> str:
    """The procedure's targets by stage, as a VALUES list: (code, rank, acknowledge days,
    respond days, respond unit)."""
    from forms_app.procedures.profiles import load_procedure

    rows = []
    for rank, stage in enumerate(load_procedure(PROCEDURE).stages):
        ack, respond = stage.acknowledge, stage.respond
        if ack is not None and ack.unit != "working":
            raise RuntimeError("the engine's SQL counts acknowledgements in working days only")
        rows.append(
            f"('{stage.code}', {rank}, {ack.days if ack else 'NULL'}, "
            f"{respond.days if respond else 'NULL'}, '{respond.unit if respond else ''}')"
        )
    return ", ".join(rows)


def periods_sql() -> str:
    from forms_app.reports.periods import financial_year

    this = financial_year(YEAR)
    periods = [this.previous().previous(), this.previous(), this]
    return ", ".join(f"('{p.slug}', DATE '{p.start}', DATE '{p.end}')" for p in periods)


def duckdb_figures(data_dir: Path, calendar: Path, targets: str, periods: str) -> dict:
    """The headline figures, computed by DuckDB from the CSV files: {table: {row: {column:
    count}}}, in the report's own keys."""
    import duckdb

    csv = "header=true, all_varchar=true"
    db = duckdb.connect()
    try:
        db.execute(f"CREATE TEMP TABLE periods AS FROM (VALUES {periods}) t(slug, p0, p1)")
        db.execute(
            f"CREATE TEMP TABLE targets AS FROM (VALUES {targets})"
            " t(code, rank, ack, respond, unit)"
        )
        db.execute(
            f"CREATE TEMP TABLE cal AS SELECT CAST(d AS DATE) AS d, CAST(count_to AS INT) AS ct,"
            f" CAST(zero AS DATE) AS zero, CAST(zero_count AS INT) AS zct"
            f" FROM read_csv('{calendar}', {csv})"
        )
        db.execute(
            f"""CREATE TEMP TABLE sub AS SELECT ref, kind, coalesce(service, '') AS service,
                CAST(substr(received, 1, 10) AS DATE) AS utc_day,
                CAST(CAST(received AS TIMESTAMPTZ) AT TIME ZONE 'Europe/London' AS DATE) AS uk_day
            FROM read_csv('{data_dir / "submissions.csv"}', {csv})"""
        )
        db.execute(
            f"""CREATE TEMP TABLE ev AS SELECT ref, type,
                CASE WHEN coalesce(stage, '') = '' THEN 'stage1' ELSE stage END AS stage,
                outcome, CAST(substr("at", 1, 10) AS DATE) AS d
            FROM read_csv('{data_dir / "events.csv"}', {csv})
            WHERE type IN ('stage_entered', 'acknowledged', 'responded', 'outcome_recorded',
                           'closed', 'ombudsman_referred')"""
        )
        # The stages each complaint entered, with the day each started.
        db.execute(
            """CREATE TEMP TABLE st AS
            SELECT s.ref, 'stage1' AS code, s.utc_day AS started FROM sub s
            WHERE s.kind = 'complaint'
            UNION ALL
            SELECT e.ref, e.stage, min(e.d) FROM ev e JOIN sub s USING (ref)
            WHERE e.type = 'stage_entered' AND e.stage <> 'ombudsman' AND s.kind = 'complaint'
            GROUP BY e.ref, e.stage"""
        )
        out: dict = {}

        def put(table: str, rows) -> None:
            for row, column, value in rows:
                out.setdefault(table, {}).setdefault(row or "not-recorded", {})[column] = value

        put(
            "feedback-by-kind",
            db.execute(
                """SELECT kind, p.slug, count(*) FROM sub JOIN periods p
                ON uk_day BETWEEN p.p0 AND p.p1 GROUP BY ALL"""
            ).fetchall(),
        )
        put(
            "complaints-by-service",
            db.execute(
                """SELECT service, p.slug, count(*) FROM sub JOIN periods p
                ON uk_day BETWEEN p.p0 AND p.p1
                WHERE kind = 'complaint' AND p.slug <> (SELECT min(slug) FROM periods)
                GROUP BY ALL"""
            ).fetchall(),
        )
        put(
            "complaints-by-stage",
            db.execute(
                """SELECT code, p.slug, count(*) FROM st JOIN periods p
                ON started BETWEEN p.p0 AND p.p1 GROUP BY ALL
                UNION ALL
                SELECT 'ombudsman', p.slug, count(DISTINCT e.ref) FROM ev e
                JOIN sub s USING (ref) JOIN periods p ON e.d BETWEEN p.p0 AND p.p1
                WHERE e.type = 'ombudsman_referred' AND s.kind = 'complaint' GROUP BY ALL
                UNION ALL
                SELECT 'received', p.slug, count(*) FROM sub JOIN periods p
                ON uk_day BETWEEN p.p0 AND p.p1 WHERE kind = 'complaint' GROUP BY ALL"""
            ).fetchall(),
        )
        put(
            "outcomes",
            db.execute(
                f"""WITH final AS (
                    SELECT e.ref, max_by({GROUP_SQL}, t.rank) AS grp FROM ev e
                    JOIN targets t ON t.code = e.stage
                    WHERE e.type = 'outcome_recorded' GROUP BY e.ref),
                closed AS (SELECT ref, max(d) AS d FROM ev WHERE type = 'closed' GROUP BY ref)
                SELECT coalesce(f.grp, 'other'), p.slug, count(*) FROM sub s
                JOIN closed c USING (ref) LEFT JOIN final f USING (ref)
                JOIN periods p ON c.d BETWEEN p.p0 AND p.p1
                WHERE s.kind = 'complaint' AND p.slug <> (SELECT min(slug) FROM periods)
                GROUP BY ALL"""
            ).fetchall(),
        )
        # Working days from a stage's start to a date: 0 if the date is not after the start's
        # day zero, else the working days after day zero up to and including the date.
        working_days = (
            "CASE WHEN x.d <= st.started OR c0.zero >= x.d THEN 0 ELSE c1.ct - c0.zct END"
        )
        this = "(SELECT p0 FROM periods ORDER BY slug DESC LIMIT 1)"
        this_end = "(SELECT p1 FROM periods ORDER BY slug DESC LIMIT 1)"
        timely = db.execute(
            f"""WITH x AS (
                SELECT ref, stage AS code, type, min(d) AS d FROM ev
                WHERE type IN ('acknowledged', 'responded') GROUP BY ALL),
            w AS (
                SELECT st.code, st.started, x.type, x.d, t.ack, t.respond, t.unit,
                       {working_days} AS wd
                FROM st JOIN x USING (ref, code) JOIN targets t ON t.code = st.code
                JOIN cal c0 ON c0.d = st.started JOIN cal c1 ON c1.d = x.d)
            SELECT code, 'due', count(*) FROM w WHERE type = 'acknowledged'
                AND started BETWEEN {this} AND {this_end} GROUP BY ALL
            UNION ALL
            SELECT code, 'on-time', count(*) FROM w WHERE type = 'acknowledged'
                AND started BETWEEN {this} AND {this_end} AND wd <= ack GROUP BY ALL
            UNION ALL
            SELECT code, 'responses', count(*) FROM w WHERE type = 'responded'
                AND d BETWEEN {this} AND {this_end} GROUP BY ALL
            UNION ALL
            SELECT code, 'within-target', count(*) FROM w WHERE type = 'responded'
                AND d BETWEEN {this} AND {this_end}
                AND ((unit = 'working' AND wd <= respond)
                     OR (unit = 'calendar' AND d - started <= respond))
                GROUP BY ALL"""
        ).fetchall()
        put("acknowledgement", [r for r in timely if r[1] in ("due", "on-time")])
        put("responses", [r for r in timely if r[1] in ("responses", "within-target")])
        return out
    finally:
        db.close()


def compare(ours: dict, theirs: dict) -> list[str]:
    """Every cell where DuckDB's figure differs from our report's (a cell DuckDB did not
    produce is a count of 0); the totals rows are left out (sums of the rows checked)."""
    problems = []
    for table, rows in ours.items():
        for row, columns in rows.items():
            if row == "total":
                continue
            for column, value in columns.items():
                got = theirs.get(table, {}).get(row, {}).get(column, 0)
                if got != value:
                    problems.append(f"{table} {row} {column}: ours {value}, DuckDB {got}")
    for table, rows in theirs.items():
        for row in rows:
            if row not in ours.get(table, {}):
                problems.append(f"{table} {row}: only DuckDB has it")
    return problems


def reading_run(data_dir: Path) -> float:
    """Seconds a fresh process takes only to read ``submissions.csv`` and ``events.csv`` into
    cells through the storage layer's reader, as the report's loader does before it folds
    anything (``storage.reading``, the same one ``feedback report`` uses): the least any
    report counted from the cases themselves must spend, in one process."""
    code = f"""
import json, sys, time
sys.path.insert(0, {str(PROJECT)!r})
from pathlib import Path
from forms_app.storage.reading import TableReader
started = time.perf_counter()
reader = TableReader(Path({str(data_dir)!r}))
rows = 0
for name in ("submissions", "events"):
    found = reader.cells(name)
    if found is not None:
        for _cells in found[3]:
            rows += 1
print(json.dumps({{"seconds": time.perf_counter() - started, "rows": rows}}))
"""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=PROJECT
    )
    if done.returncode != 0:
        raise RuntimeError(f"reading the tables failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])["seconds"]


def measure(scratch: Path, data_dir: Path | None = None) -> dict:
    if data_dir is None:
        data_dir = scratch / "data"
        make_data_dir(data_dir, written=True)
    calendar = scratch / "calendar.csv"
    calendar_file(calendar, date(2022, 1, 1), date(2027, 12, 31))
    targets, periods = targets_sql(), periods_sql()
    duckdb_figures(data_dir, calendar, targets, periods)  # warm-up: imports, first connection
    # The first report over the data folds every case and saves them (``saved_counts``), as
    # after an upgrade or an erasure; it is timed on its own. Each timed report then starts
    # from the saved cases after a day of casework was appended (600 rows on 300 cases, each
    # folded again), as a report run the next day would.
    (data_dir / SAVED_CASES).unlink(missing_ok=True)
    started = time.perf_counter()
    theirs_first = duckdb_figures(data_dir, calendar, targets, periods)
    first_engine_s = time.perf_counter() - started
    begun = time.time()
    first = report_run(data_dir, scratch / "engine-site-first", figures=True)
    if not wait_for_saved_cases(data_dir, begun):
        raise RuntimeError("the first report did not save the folded cases")
    first_problems = compare(first["figures"], theirs_first)
    ours_s, engine_s, reading_s, parts = [], [], [], []
    ours = None
    for i in range(REPEATS):
        add_a_day(data_dir, i + 1)
        reading_s.append(reading_run(data_dir))
        for _ in range(2):
            started = time.perf_counter()
            theirs = duckdb_figures(data_dir, calendar, targets, periods)
            engine_s.append(time.perf_counter() - started)
        run = report_run(data_dir, scratch / f"engine-site{i}", figures=True)
        if run["timings"].get("rows_since_saved", -1) < 0:
            raise RuntimeError("a timed report did not start from the saved cases")
        ours_s.append(run["seconds"])
        parts.append(run["timings"])
        ours = run["figures"]
    problems = first_problems + compare(ours, theirs)
    if problems:
        raise RuntimeError(
            "DuckDB's figures differ from the report's:\n" + "\n".join(problems[:40])
        )
    ours_median, engine_median = statistics.median(ours_s), statistics.median(engine_s)
    return {
        "report_duckdb_ratio": round(ours_median / engine_median, 3),
        "detail_report_duckdb": {
            "report_s": [round(s, 3) for s in ours_s],
            "duckdb_s": [round(s, 3) for s in engine_s],
            # The first report, folding every case from the first row (nothing saved yet),
            # over the DuckDB run just before it.
            "first_report_s": round(first["seconds"], 3),
            "first_report_duckdb_ratio": round(first["seconds"] / first_engine_s, 3),
            "first_report_parts_s": {k: round(v, 3) for k, v in first["timings"].items()},
            # The floor of the way the report counts, in the same run: reading the two tables
            # into cells, before any case is folded, over DuckDB's whole time.
            "reading_only_s": [round(s, 3) for s in reading_s],
            "reading_only_duckdb_ratio": round(statistics.median(reading_s) / engine_median, 3),
            # Where each report's time went (seconds): folding every case, the tables, and
            # the gate's reading in the other process beside them; then writing, the gate's
            # scan and the wait for frictionless.
            "report_parts_s": [
                {key: round(value, 3) for key, value in timings.items()} for timings in parts
            ],
            "cells_checked": sum(
                len(columns)
                for rows in ours.values()
                for row, columns in rows.items()
                if row != "total"
            ),
        },
    }


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory(dir=PROJECT / "build") as scratch:
        print(json.dumps(measure(Path(scratch)), indent=2))
