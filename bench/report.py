"""How long the annual report takes over 100,000 cases, against reading the same files with the
``csv`` module (``report_100k_ratio``, goal at most 5).

The data directory is written straight into the tables (valid checksums) with the events real
casework leaves, and each person's own words (40 to 80 words each, which the PII gate checks are
never published): acknowledged, assigned, stage_entered, theme_added, responded,
outcome_recorded, extension_agreed, ombudsman_referred, action_added, closed; people with
reserved phone numbers and example.com addresses in ``personal.csv``. The report run is the
whole of ``feedback report --year``: reading, folding, figures, disclosure control, pages,
charts, the data package (validated by frictionless) and the PII gate over all of it.

The ratio is the first report over the data, which folds every case from the first row (as
after an upgrade or an erasure: nothing saved to start from). That report saves the folded
cases (``reports.saved_counts``); the detail also times the next report, which starts from
them after a day of casework was appended (``from_saved_s_100k``).
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.scale import csv_read_seconds

PROJECT = Path(__file__).resolve().parent.parent
CASES = 100_000
KINDS = (("complaint", 40), ("concern", 15), ("comment", 10), ("compliment", 20), ("enquiry", 15))
OUTCOMES = (("upheld", 25), ("partially_upheld", 35), ("not_upheld", 30), ("resolved", 6))
SERVICES = (
    "community-nursing",
    "home-care",
    "mental-health",
    "learning-disability",
    "childrens-services",
    "carers-support",
)
THEMES = ("communication", "quality-of-care", "staff-attitude", "waiting-times", "access")
PROCEDURE = "charity-help-and-care"
SAME_WORDS = "The evening visit was two hours late and nobody rang."
#: What people's own words are drawn from (``make_data_dir(written=True)``).
WORDS = (  # noqa: SIM905 - a paragraph of words reads better than a hundred strings
    "the a and to of my mum dad carer visit nurse home care was were not never late early "
    "again called rang phone told said waited hours days week weeks appointment medicine "
    "tablets pain help asked nobody somebody team office letter reply answer sorry kind "
    "rude worried upset angry tired because when after before every morning evening night "
    "tuesday friday district ward clinic bed food water wash dressing leg arm back fall fell "
    "hospital ambulance doctor gp review plan change changed missed cancelled twice three "
    "times still no one came back from with without about"
).split()


def make_data_dir(
    data_dir: Path, cases: int = CASES, seed: int = 7, written: bool = False
) -> dict[str, int]:
    """Write ``cases`` submissions over three financial years (April 2023 to March 2026), their
    personal details and their events. Returns the row counts. With ``written``, each person
    writes something of their own (``details``: 40 to 80 words drawn from ``WORDS``), as
    real feedback does; otherwise every case says the same sentence."""
    from forms_app.storage.contract import Contract
    from forms_app.storage.table import Table

    rng = random.Random(seed)
    contract = Contract()
    data_dir.mkdir(parents=True, exist_ok=True)
    contract.write_descriptor(data_dir)
    tables = {
        name: Table(data_dir / f"{name}.csv", contract.columns(name))
        for name in contract.resource_names
    }
    blank = {
        name: {column: "" for column in contract.columns(name) if column != "crc"}
        for name in contract.resource_names
    }
    start = datetime(2023, 4, 1, 8, tzinfo=UTC)
    span = (datetime(2026, 3, 31, 17, tzinfo=UTC) - start).total_seconds()
    kinds = [k for k, _ in KINDS]
    kind_weights = [w for _, w in KINDS]
    outcomes = [o for o, _ in OUTCOMES]
    outcome_weights = [w for _, w in OUTCOMES]
    counts = {"submissions": 0, "personal": 0, "events": 0}
    serial = 0
    chunk = 10_000
    for first in range(0, cases, chunk):
        subs, people, events = [], [], []
        for i in range(first, min(first + chunk, cases)):
            ref = f"R{i:07d}"
            received = start + timedelta(seconds=span * i / cases)
            kind = rng.choices(kinds, kind_weights)[0]
            subs.append(
                {
                    **blank["submissions"],
                    "ref": ref,
                    "idempotency_key": f"bench-report-{i:012d}",
                    "received": received.isoformat(timespec="seconds"),
                    "kind": kind,
                    "variant": "standard",
                    "language": "cy" if i % 7 == 0 else "en",
                    "channel": "online",
                    "procedure": PROCEDURE,
                    "service": SERVICES[i % len(SERVICES)],
                    "details": _written(rng) if written else SAME_WORDS,
                    "on_behalf": "someone_else" if i % 3 == 0 else "self",
                    "anonymous": "false",
                }
            )
            people.append(
                {
                    **blank["personal"],
                    "ref": ref,
                    "name": f"Benchperson {i:06d}",
                    "email": f"person{i}@example.com",
                    "phone": f"07700 900{i % 1000:03d}",
                    "postcode": "CF99 1ZZ",
                    "preferred_contact": "email",
                }
            )
            at = received

            def add(days: float, type_: str, _events=events, _ref=ref, **values: str) -> None:
                nonlocal at, serial
                at = at + timedelta(days=days)
                serial += 1
                _events.append(
                    {
                        **blank["events"],
                        "event_id": f"ev{serial:010d}",
                        "ref": _ref,
                        "at": at.isoformat(timespec="seconds"),
                        "actor": "officer.a",
                        "type": type_,
                        **values,
                    }
                )

            add(rng.uniform(0.1, 3), "acknowledged")
            add(0.01, "assigned", value="officer.a")
            for theme in rng.sample(THEMES, rng.choice((1, 1, 2, 3))):
                add(0.01, "theme_added", value=theme)
            if kind == "complaint":
                add(rng.uniform(3, 40), "responded", stage="stage1")
                add(
                    0.01,
                    "outcome_recorded",
                    stage="stage1",
                    outcome=rng.choices(outcomes, outcome_weights)[0],
                )
                if rng.random() < 0.15:
                    add(rng.uniform(2, 20), "stage_entered", stage="stage2")
                    add(0.5, "acknowledged", stage="stage2")
                    if rng.random() < 0.3:
                        extended = (at + timedelta(days=30)).date().isoformat()
                        add(1, "extension_agreed", stage="stage2", value=extended)
                    add(rng.uniform(5, 30), "responded", stage="stage2")
                    add(
                        0.01,
                        "outcome_recorded",
                        stage="stage2",
                        outcome=rng.choices(outcomes[:3], (20, 30, 50))[0],
                    )
                    if rng.random() < 0.1:
                        add(20, "ombudsman_referred")
                        add(60, "ombudsman_outcome", outcome="not_upheld")
                if rng.random() < 0.3:
                    add(
                        0.1,
                        "action_added",
                        value=f"A-{serial:06x}"[-8:],
                        note="Review visit scheduling",
                    )
                    if rng.random() < 0.6:
                        add(20, "action_completed", value=f"A-{serial - 1:06x}"[-8:])
            else:
                add(rng.uniform(1, 6), "responded")
            add(0.5, "closed")
        tables["personal"].append(people)
        tables["submissions"].append(subs)
        tables["events"].append(events)
        counts["submissions"] += len(subs)
        counts["personal"] += len(people)
        counts["events"] += len(events)
    return counts


#: Events a day of casework adds to the cases already there (``add_a_day``).
DAY_EVENTS = 600
SAVED_CASES = Path("run") / "index" / "report.index"


def _written(rng: random.Random) -> str:
    return " ".join(rng.choices(WORDS, k=rng.randint(40, 80))).capitalize() + "."


def add_a_day(data_dir: Path, day: int) -> int:
    """Append a day of casework on cases already reported on: a theme and a note on each of
    ``DAY_EVENTS // 2`` cases picked at random (each such case is folded again by a report
    that starts from the saved cases). Returns the rows appended."""
    from forms_app.storage.contract import Contract
    from forms_app.storage.table import Table

    rng = random.Random(1000 + day)
    contract = Contract()
    blank = {column: "" for column in contract.columns("events") if column != "crc"}
    cases = int(_last_ref(data_dir)[1:]) + 1
    at = datetime(2026, 4, 1, 9, tzinfo=UTC) + timedelta(days=day)
    rows = []
    for k, i in enumerate(rng.sample(range(cases), DAY_EVENTS // 2)):
        ref = f"R{i:07d}"
        moment = (at + timedelta(minutes=k)).isoformat(timespec="seconds")
        for j, (type_, values) in enumerate(
            (("theme_added", {"value": rng.choice(THEMES)}), ("note", {"note": "Rang back."}))
        ):
            rows.append(
                {
                    **blank,
                    "event_id": f"day{day:03d}-{k:05d}-{j}",
                    "ref": ref,
                    "at": moment,
                    "actor": "officer.b",
                    "type": type_,
                    **values,
                }
            )
    Table(data_dir / "events.csv", contract.columns("events")).append(rows)
    return len(rows)


def _last_ref(data_dir: Path) -> str:
    with open(data_dir / "submissions.csv", "rb") as file:
        file.seek(max(0, file.seek(0, 2) - 4096))
        return file.read().splitlines()[-1].split(b",")[0].decode()


def wait_for_saved_cases(data_dir: Path, since: float, timeout: float = 120) -> bool:
    """Wait until the report's saved cases are written (a process of their own writes them
    after the report ends: ``reports.parallel.Then``), so the next run does not share the
    machine with it. True if they were."""
    path = data_dir / SAVED_CASES
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.stat().st_mtime >= since:
            time.sleep(0.5)  # the saving process ends just after putting the file in place
            return True
        time.sleep(0.1)
    return False


#: The headline figures ``bench.report_engine`` checks DuckDB's against: {table: columns}
#: (the rows are every row of the table but the ones that add others up).
HEADLINE = {
    "feedback-by-kind": ["2023-24", "2024-25", "2025-26"],
    "complaints-by-service": ["2024-25", "2025-26"],
    "complaints-by-stage": ["2023-24", "2024-25", "2025-26"],
    "outcomes": ["2024-25", "2025-26"],
    "acknowledgement": ["due", "on-time"],
    "responses": ["responses", "within-target"],
}
SUMS = ("total", "well-founded")


def report_run(data_dir: Path, out: Path, figures: bool = False) -> dict:
    """The whole ``feedback report --year 2025`` in a fresh process (as a person runs it),
    into a copy of the site: reading, counting, writing, validating, the PII gate, putting in
    place. The time to import the modules (under a second, the same for any size of data) is
    reported beside it, not in it. With ``figures``, also the headline figures it published
    (``HEADLINE``), as {table: {row: {column: value}}}."""
    shutil.copytree(PROJECT / "site", out / "site")
    code = f"""
import json, os, sys, time
begun = time.perf_counter()
sys.path.insert(0, {str(PROJECT)!r})
os.environ["FORMS_APP_DATA_DIR"] = {str(data_dir)!r}
from forms_app.reports.build import build_report
from forms_app.reports.periods import financial_year
from forms_app.organisation.settings import load_settings
started = time.perf_counter()
result = build_report(load_settings(), financial_year(2025), site_dir={str(out / "site")!r},
                      data_out={str(out / "data")!r})
seconds = time.perf_counter() - started
figures = {{}}
if {figures!r}:
    for key, columns in {HEADLINE!r}.items():
        table = result.report.tables[key]
        figures[key] = {{
            row.key: {{c: row.values[table.column(c)] for c in columns}}
            for row in table.rows if row.key not in {SUMS!r}
        }}
print(json.dumps({{"seconds": seconds, "imports": started - begun,
                  "timings": result.timings, "figures": figures}}))
"""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=PROJECT
    )
    if done.returncode != 0:
        raise RuntimeError(f"the report failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(scratch: Path) -> dict:
    data_dir = scratch / "data"
    started = time.perf_counter()
    rows = make_data_dir(data_dir, written=True)
    made_in = time.perf_counter() - started
    reading = min(csv_read_seconds(data_dir) for _ in range(2))
    # The first report folds every case (as after an upgrade or an erasure) and saves them;
    # the next starts from them, after a day of casework was appended.
    begun = time.time()
    cold = report_run(data_dir, scratch / "site-cold")
    saved = wait_for_saved_cases(data_dir, begun)
    add_a_day(data_dir, 1)
    warm = report_run(data_dir, scratch / "site-warm")
    return {
        "report_100k_ratio": round(cold["seconds"] / reading, 3),
        "detail_report": {
            "report_s_100k": round(cold["seconds"], 2),
            "imports_s": round(cold["imports"], 2),
            "csv_read_s_100k": round(reading, 3),
            "steps_s": {k: round(v, 3) for k, v in cold["timings"].items()},
            # The next report, from the saved cases and a day's rows appended since.
            "from_saved_s_100k": round(warm["seconds"], 2) if saved else None,
            "from_saved_ratio": round(warm["seconds"] / reading, 3) if saved else None,
            "from_saved_steps_s": {k: round(v, 3) for k, v in warm["timings"].items()},
            "rows": rows,
            "generated_in_s": round(made_in, 1),
        },
    }


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory(dir=PROJECT / "build") as scratch:
        print(json.dumps(measure(Path(scratch)), indent=2))
