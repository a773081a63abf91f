"""The staff case list with 100,000 cases against the same with 1,000: the warm cost of the page
a complaints officer opens all day, through the real route with a signed-in manager."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.scale import make_data_dir

PROJECT = Path(__file__).resolve().parent.parent
REPEATS = 30

_CODE = """
import json, os, statistics, sys, time
sys.path.insert(0, {project!r})
os.environ["FORMS_APP_DATA_DIR"] = {data_dir!r}
from forms_app import create_app
from forms_app.accounts.users import UserBook
from tests.support.staff import PASSWORD, sign_in
app = create_app()
user = UserBook(app.extensions["feedback"].settings.data_dir).add(
    "bench.manager", name="Bench Manager", password=PASSWORD, roles=["manager"])
client = app.test_client()
assert sign_in(client, "bench.manager", user.totp_secret).status_code in (302, 303)
started = time.perf_counter()
first = client.get("/staff/cases")
assert first.status_code == 200, first.status_code
first_s = time.perf_counter() - started
# The first request may have started saving the indexes in a thread of their own: the warm
# figure is the page once that is done, not the page sharing the process with the save.
for part in app.extensions.values():
    if hasattr(getattr(part, "saved", None), "wait"):
        part.saved.wait()
times = []
for _ in range({repeats}):
    t = time.perf_counter()
    assert client.get("/staff/cases?sort=due").status_code == 200
    assert client.get("/staff/cases").status_code == 200
    times.append((time.perf_counter() - t) / 2)
print(json.dumps({{"median": statistics.median(times), "first": first_s}}))
"""


def _time_list(data_dir: Path) -> dict:
    code = _CODE.format(project=str(PROJECT), data_dir=str(data_dir), repeats=REPEATS)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(scratch: Path) -> dict:
    small, large = scratch / "cases-1k", scratch / "cases-100k"
    make_data_dir(small, submissions=1_000, events=1_000)
    make_data_dir(large, submissions=100_000, events=100_000)
    few, many = _time_list(small), _time_list(large)
    return {
        "staff_list_growth_ratio": round(many["median"] / few["median"], 3),
        "detail_staff_list": {
            "warm_ms_1k": round(1000 * few["median"], 2),
            "warm_ms_100k": round(1000 * many["median"], 2),
            "first_request_s_1k": round(few["first"], 2),
            "first_request_s_100k": round(many["first"], 2),
        },
    }
