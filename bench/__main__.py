"""``make bench``: run every benchmark, write ``bench/results.json`` and the table in
``bench/README.md``. Every figure is a ratio against a baseline from the same run, or a size,
or a time where the goal is one (a letter PDF)."""

from __future__ import annotations

import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PROJECT = BENCH.parent

GOALS = {
    "submit_throughput_ratio": (">=", 0.5),
    "submit_p99_ratio": ("<=", 3),
    "growth_1m_ratio": ("<=", 1.1),
    "startup_1m_events_ratio": ("<=", 3),
    "report_100k_ratio": ("<=", 5),
    "report_duckdb_ratio": ("<=", 3),
    "staff_list_growth_ratio": ("<=", 2),
    "search_ms_100k": ("<=", 100),
    "staff_first_request_s_100k": ("<=", 0.5),
    "staff_first_search_s_100k": ("report", None),
    "staff_first_list_s_100k": ("report", None),
    "staff_first_home_s_100k": ("report", None),
    "sheets_requests_per_1000": ("<=", 25),
    "sheets_step_growth_ratio": ("<=", 1.5),
    "form_page_kb": ("<=", 150),
    "site_page_kb": ("<=", 300),
    "letter_pdf_p50_ms": ("<=", 300),
    "server_rss_mb_1m": ("report", None),
    "sheets_lag_p95_s": ("report", None),
    # PostgreSQL does not reach the embedded engine's goals: reported, and explained in the notes.
    "submit_throughput_ratio_postgres": ("report", None),
    "submit_p99_ratio_postgres": ("report", None),
    "worker_rss_mb_postgres": ("report", None),
    "worker_rss_mb_files": ("report", None),
    "staff_list_ratio_postgres": ("report", None),
    "report_ratio_postgres": ("report", None),
    "postgres_upload_small_write_p95_ratio": ("report", None),
    "postgres_upload_small_write_max_ratio": ("report", None),
}
WHAT = {
    "submit_throughput_ratio": (
        "full submissions/s (gunicorn, 16 clients) over a bare append+fsync endpoint"
    ),
    "submit_p99_ratio": "p99 latency of a full submission over the bare endpoint's p99",
    "growth_1m_ratio": "one submission with 1,000,000 records stored, over none",
    "startup_1m_events_ratio": "start-up with 1,000,000 events, over reading the files with csv",
    "report_100k_ratio": (
        "annual report over 100,000 cases, the first one (every case folded from the first "
        "row, nothing saved yet), over reading the files with csv"
    ),
    "report_duckdb_ratio": (
        "annual report over 100,000 cases, from the cases the last report saved and a day's "
        "rows since, over DuckDB computing its headline figures from the same CSV files "
        "(checked equal)"
    ),
    "staff_list_growth_ratio": "staff case list with 100,000 cases, over 1,000",
    "search_ms_100k": "median ms of 50 mixed staff searches over 100,000 cases, in-process",
    "staff_first_request_s_100k": (
        "seconds of the first staff request in a fresh process with 100,000 cases and the "
        "indexes an earlier process saved: the slowest of the three below"
    ),
    "staff_first_search_s_100k": "the same, the first request a search by a common surname",
    "staff_first_list_s_100k": "the same, the first request the case list (`/staff/cases`)",
    "staff_first_home_s_100k": "the same, the first request the home page (`/staff/`)",
    "sheets_requests_per_1000": "Sheets API requests per 1,000 submissions at 10 a second",
    "sheets_step_growth_ratio": (
        "one usual sheet sync step (worker CPU) with 100,000 cases, over 1,000"
    ),
    "form_page_kb": "heaviest public form page with all assets, gzip, KB",
    "site_page_kb": "heaviest published site page with all assets, gzip, KB",
    "letter_pdf_p50_ms": "median ms to print one letter to PDF in-process, after a warm-up",
    "server_rss_mb_1m": "resident memory of one server process with 1,000,000 records, MB",
    "sheets_lag_p95_s": "p95 seconds from a submission to its row in the sheet (10 a second)",
    "submit_throughput_ratio_postgres": (
        "full submissions/s with the store, drafts, limits and outboxes in PostgreSQL, over the "
        "same bare append+fsync endpoint"
    ),
    "submit_p99_ratio_postgres": "p99 of a full submission on PostgreSQL over the bare p99",
    "worker_rss_mb_postgres": "resident memory per app worker on PostgreSQL after the runs, MB",
    "worker_rss_mb_files": "the same for the app on its files, in the same run, MB",
    "staff_list_ratio_postgres": (
        "staff case list (warm) with 100,000 cases in PostgreSQL, over the same cases in the "
        "data package, same run"
    ),
    "report_ratio_postgres": (
        "annual report over 100,000 cases read from PostgreSQL, over the same from the data "
        "package, same run (headline figures checked equal)"
    ),
    "postgres_upload_small_write_p95_ratio": (
        "p95 of a small write (a note on a case) on PostgreSQL while files of the largest size "
        "a form takes are attached to another case, over the same with no upload, same run"
    ),
    "postgres_upload_small_write_max_ratio": "the same, the longest small write",
}


def _optional(name: str):
    """A benchmark whose subject another part of the service provides, if it is there yet."""
    try:
        module = __import__(f"bench.{name}", fromlist=["measure"])
    except ImportError as error:
        return None, f"not yet: {error}"
    return module, None


def run() -> dict:
    from bench import scale, submit, weight

    results: dict = {}
    notes: dict = {}
    started = time.perf_counter()
    (PROJECT / "build").mkdir(exist_ok=True)
    results.update(submit.measure())
    results.update(weight.form_pages())
    results.update(weight.site_pages())
    with tempfile.TemporaryDirectory(dir=PROJECT / "build") as scratch:
        results.update(scale.measure(Path(scratch)))
    for name in (
        "staff_list",
        "search",
        "staff_first",
        "report",
        "report_engine",
        "sheets",
        "sheets_step",
        "letters",
        "submit_postgres",
        "postgres_scale",
        "postgres_upload_lock",
    ):
        module, why = _optional(name)
        if module is None:
            notes[name] = why
            continue
        with tempfile.TemporaryDirectory(dir=PROJECT / "build") as scratch:
            results.update(module.measure(Path(scratch)))
    detail = results.get("detail") or {}
    if "framework_ceiling_ratio" in detail:
        notes["submit_throughput_ratio"] = (
            f"a full submission is two requests (POST, 303, GET: the reference on its own page, "
            f"as GOV.UK forms do) against the bare endpoint's one. The same bare append behind "
            f"a redirect reaches {detail['ceiling_throughput_ratio']}; with a signed session "
            f"and a CSRF token checked, the least any Flask form does, "
            f"{detail['framework_ceiling_ratio']}. The rest is the app's own work per "
            f"submission: the journey and its draft, checks against the schemas, the "
            f"idempotency key, the rate limit, the durable commit under the store lock, the "
            f"confirmation page with its dates (python -m bench.submit_cpu breaks it down)"
        )
    engines = results.get("postgres_detail") or {}
    if engines:
        notes["submit_throughput_ratio_postgres"] = (
            f"the app on its files reached {engines['files_throughput_ratio']} (p99 "
            f"{engines['files_p99_ratio']}) in the same run, load average "
            f"{engines['load_average']}: each submission on PostgreSQL makes round trips to a "
            f"server process that shares the two cores (rate limits, the draft read and "
            f"written, the durable commit under the write lock, the row found again by its "
            f"key for the confirmation page) where the files engine reads and writes local "
            f"files (bench/README.md, 'The PostgreSQL engine')"
        )
    scale = results.get("postgres_scale_detail") or {}
    if scale:
        notes["staff_list_ratio_postgres"] = (
            f"warm list {scale['staff_list_warm_ms']['postgres']} ms from PostgreSQL against "
            f"{scale['staff_list_warm_ms']['files']} ms from the files; the first request after "
            f"a start {scale['staff_list_first_s']['postgres']} s against "
            f"{scale['staff_list_first_s']['files']} s (load average {scale['load_average']}). "
            f"Both engines serve the list from the same in-process case index; on PostgreSQL "
            f"each request also reads the signed-in session from its table and asks the store "
            f"whether anything was written since, each a round trip to the server"
        )
        notes["report_ratio_postgres"] = (
            f"{scale['report_s']['postgres']} s from PostgreSQL against "
            f"{scale['report_s']['files']} s from the files, {scale['events']} events (load "
            f"average {scale['load_average']}). The counting is the same code; every row comes "
            f"over a socket from a server process on the same two cores and is made into Python "
            f"values by the client, where the files engine reads its CSV straight"
        )
    engine = results.get("detail_report_duckdb") or {}
    if engine:
        notes["report_duckdb_ratio"] = (
            f"reports {engine['report_s']} s against DuckDB {engine['duckdb_s']} s, each report "
            f"from the cases the last one saved (reports.saved_counts) after a day of casework "
            f"appended; the first report over the data, folding every case, "
            f"{engine['first_report_s']} s ({engine['first_report_duckdb_ratio']} times DuckDB)"
        )
    uploads = results.get("postgres_upload_lock_detail") or {}
    if uploads:
        notes["postgres_upload_small_write_p95_ratio"] = (
            f"small writes p95 {uploads['small_write_p95_ms']['uploads']} ms with "
            f"{uploads['file_mb']} MB files going up against "
            f"{uploads['small_write_p95_ms']['alone']} ms without (longest "
            f"{uploads['small_write_max_ms']['uploads']} against "
            f"{uploads['small_write_max_ms']['alone']} ms), load average "
            f"{uploads['load_average']}: the bytes go up before the write lock is taken, so "
            f"what remains is the uploads' share of the disk and the two cores"
        )
    for key in GOALS:
        if key not in results:
            results[key] = None
            notes.setdefault(key, "not measured yet: the part it measures is not built")
    results["notes"] = notes
    results["run"] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cores",
        "python": sys.version.split()[0],
        "seconds": round(time.perf_counter() - started, 1),
    }
    return results


def verdict(key: str, value) -> str:
    rule, goal = GOALS[key]
    if value is None:
        return "not yet"
    if rule == "report":
        return "reported"
    met = value >= goal if rule == ">=" else value <= goal
    return "meets" if met else "misses"


def write(results: dict) -> None:
    (BENCH / "results.json").write_text(json.dumps(results, indent=2) + "\n", "utf-8")
    lines = [
        "# Benchmarks",
        "",
        "`make bench` runs them (under 15 minutes on 2 cores) and rewrites this table and",
        "`results.json`. Each speed figure is a ratio against a baseline measured in the same run.",
        "",
        f"Last run: {results['run']['date']} on {results['run']['machine']}, "
        f"Python {results['run']['python']}, {results['run']['seconds']} s.",
        "",
        "| key | what | goal | result | |",
        "|---|---|---|---|---|",
    ]
    for key, (rule, goal) in GOALS.items():
        value = results.get(key)
        goal_text = (
            "report" if rule == "report" else f"{rule.replace('>=', '≥').replace('<=', '≤')} {goal}"
        )
        shown = "—" if value is None else value
        lines.append(f"| `{key}` | {WHAT[key]} | {goal_text} | {shown} | {verdict(key, value)} |")
    if results.get("notes"):
        lines += ["", "## Notes", ""]
        lines += [f"- `{key}`: {note}" for key, note in results["notes"].items()]
    text = "\n".join(lines) + "\n"
    # Sections written by hand (from the profiler, say) follow the generated part and are kept.
    readme = BENCH / "README.md"
    old = readme.read_text("utf-8") if readme.exists() else ""
    if KEPT_SECTIONS in old:
        text += "\n" + old[old.index(KEPT_SECTIONS) :]
    readme.write_text(text, "utf-8")


KEPT_SECTIONS = "## Where a submission's time goes"


if __name__ == "__main__":
    outcome = run()
    write(outcome)
    print(json.dumps(outcome, indent=2))
