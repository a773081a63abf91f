"""How the service behaves with a million records: the cost of one more submission, start-up
(recovery and state) against reading the same files with the ``csv`` module, and memory."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
MILLION = 1_000_000


def make_data_dir(data_dir: Path, submissions: int, events: int) -> None:
    """Write synthetic rows straight into the tables, encoded by the store (valid checksums)."""
    from forms_app.storage.contract import Contract
    from forms_app.storage.table import Table

    contract = Contract()
    data_dir.mkdir(parents=True, exist_ok=True)
    contract.write_descriptor(data_dir)
    tables = {
        name: Table(data_dir / f"{name}.csv", contract.columns(name))
        for name in contract.resource_names
    }
    base = datetime(2020, 1, 1, tzinfo=UTC)
    blank_sub = {name: "" for name in contract.columns("submissions") if name != "crc"}
    blank_per = {name: "" for name in contract.columns("personal") if name != "crc"}
    blank_evt = {name: "" for name in contract.columns("events") if name != "crc"}
    chunk = 20_000
    refs = []
    for start in range(0, submissions, chunk):
        subs, people = [], []
        for i in range(start, min(start + chunk, submissions)):
            ref = f"B{i:07d}"
            refs.append(ref)
            subs.append(
                {
                    **blank_sub,
                    "ref": ref,
                    "idempotency_key": f"bench-key-{i:012d}",
                    "received": (base + timedelta(minutes=i)).isoformat(),
                    "kind": "complaint",
                    "variant": "standard",
                    "language": "en",
                    "channel": "online",
                    "procedure": "charity-help-and-care",
                    "service": "home-care",
                    "details": "The carer was late again.",
                    "anonymous": "false",
                }
            )
            people.append(
                {
                    **blank_per,
                    "ref": ref,
                    "name": "Bench Person",
                    "phone": "07700 900123",
                    "preferred_contact": "phone",
                }
            )
        tables["personal"].append(people)
        tables["submissions"].append(subs)
    for start in range(0, events, chunk):
        rows = []
        for i in range(start, min(start + chunk, events)):
            rows.append(
                {
                    **blank_evt,
                    "event_id": f"bench{i:010d}",
                    "ref": refs[i % len(refs)],
                    "at": (base + timedelta(minutes=i, seconds=30)).isoformat(),
                    "actor": "officer.a",
                    "type": "note",
                    "note": "Called back.",
                }
            )
        tables["events"].append(rows)


def _timed_submissions(empty_dir: Path, big_dir: Path, count: int = 150) -> dict:
    """Median seconds for one full submission (send + confirmation) with no records and with
    a million, in ONE process, alternating between the two so that load on the machine falls
    on both alike. Also the process's resident memory with the million loaded."""
    code = f"""
import os, re, statistics, sys, time, json
sys.path.insert(0, {str(PROJECT)!r})
os.environ["FORMS_APP_SETTINGS"] = {str(_lifted_settings(empty_dir.parent))!r}
from forms_app import create_app
def rss():
    return int(re.search(r"VmRSS:\\s+(\\d+)", open("/proc/self/status").read()).group(1))
os.environ["FORMS_APP_DATA_DIR"] = {str(empty_dir)!r}
empty = create_app()
rss_empty = rss()
os.environ["FORMS_APP_DATA_DIR"] = {str(big_dir)!r}
big = create_app()
def prepare(c):
    page = c.get("/comment/service").get_data()
    tok = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()
    for path, data in (("/comment/service", {{"service": "home-care"}}),
                       ("/comment/comment", {{"details": "Larger print"}}),
                       ("/comment/your-details", {{"anonymous": "true"}})):
        c.post(path, data={{"csrf_token": tok, **data}})
    return tok
def send(c, tok):
    t = time.perf_counter()
    r = c.post("/comment/check-your-answers", data={{"csrf_token": tok}})
    assert r.status_code == 303, r.status_code
    assert b"data-reference" in c.get(r.headers["Location"]).data
    return time.perf_counter() - t
pairs = []
for _ in range({count}):
    a, b = empty.test_client(), big.test_client()
    pairs.append(((a, prepare(a)), (b, prepare(b))))
times = {{"empty": [], "big": []}}
for (a, ta), (b, tb) in pairs:
    times["empty"].append(send(a, ta))
    times["big"].append(send(b, tb))
print(json.dumps({{"empty": statistics.median(times["empty"]),
                   "big": statistics.median(times["big"]),
                   "rss_kb": rss(), "rss_empty_kb": rss_empty}}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _lifted_settings(scratch: Path) -> Path:
    """The example settings without the per-address limit (every request here comes from
    one test client); bench.submit does the same."""
    from bench.submit import _settings

    return _settings(str(scratch))


def _startup_seconds(data_dir: Path) -> float:
    code = f"""
import os, sys, time, json
sys.path.insert(0, {str(PROJECT)!r})
os.environ["FORMS_APP_DATA_DIR"] = {str(data_dir)!r}
t = time.perf_counter()
from forms_app import create_app
app = create_app()
state = app.extensions.get("case_state_builder")
if state: state()
print(json.dumps(time.perf_counter() - t))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def csv_read_seconds(data_dir: Path) -> float:
    """The baseline of the start-up and report ratios: every row of the three tables read
    with the ``csv`` module, and nothing done with them."""
    started = time.perf_counter()
    for name in ("submissions", "personal", "events"):
        with open(data_dir / f"{name}.csv", newline="", encoding="utf-8") as handle:
            for _row in csv.reader(handle):
                pass
    return time.perf_counter() - started


def measure(scratch: Path) -> dict:
    empty = scratch / "empty"
    empty.mkdir()
    big = scratch / "million"
    started = time.perf_counter()
    make_data_dir(big, submissions=MILLION, events=MILLION)
    made_in = time.perf_counter() - started
    timed = _timed_submissions(empty, big)
    startup = min(_startup_seconds(big) for _ in range(2))
    reading = min(csv_read_seconds(big) for _ in range(2))
    return {
        "growth_1m_ratio": round(timed["big"] / timed["empty"], 3),
        "startup_1m_events_ratio": round(startup / reading, 3),
        "server_rss_mb_1m": round(timed["rss_kb"] / 1024, 1),
        "detail_scale": {
            "submission_ms_empty": round(1000 * timed["empty"], 2),
            "submission_ms_1m": round(1000 * timed["big"], 2),
            "startup_s_1m": round(startup, 2),
            "csv_read_s_1m": round(reading, 2),
            "server_rss_mb_empty": round(timed["rss_empty_kb"] / 1024, 1),
            "rows": {"submissions": MILLION, "personal": MILLION, "events": MILLION},
            "generated_in_s": round(made_in, 1),
        },
    }
