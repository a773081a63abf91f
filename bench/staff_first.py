"""The first staff request after a restart with 100,000 cases: a search by a common surname
through the real route with a signed-in manager, in a fresh process, with the indexes an earlier
process saved beside the data (``casework.index_snapshot``). The median of a few fresh
processes is the figure; the same first search with nothing saved (every case read and folded)
is reported beside it, and so is the case list as the first request.

The cases are ``bench.search``'s varied synthetic ones. Each process is timed from its request
only: start-up (``create_app``, which recovers the tables) and signing in come before it.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from bench.search import make_search_dir

PROJECT = Path(__file__).resolve().parent.parent
RESTARTS = 3
QUERY = "Jones"

_CODE = """
import json, os, secrets, sys, time
sys.path.insert(0, {project!r})
os.environ["FORMS_APP_DATA_DIR"] = {data_dir!r}
from forms_app import create_app
from forms_app.accounts.users import UserBook
from tests.support.staff import PASSWORD, sign_in
started = time.perf_counter()
app = create_app()
startup = time.perf_counter() - started
name = "bench." + secrets.token_hex(4)
user = UserBook(app.extensions["feedback"].settings.data_dir).add(
    name, name="Bench Manager", password=PASSWORD, roles=["manager"])
client = app.test_client()
assert sign_in(client, name, user.totp_secret).status_code in (302, 303)
started, cpu = time.perf_counter(), time.process_time()
response = client.get({path!r}, query_string={query!r})
first, cpu = time.perf_counter() - started, time.process_time() - cpu
assert response.status_code == 200, response.status_code
assert "/staff/cases/" in response.text
index = app.extensions["casework"]
read = index.rows_read + (search.rows_read if (search := app.extensions.get("search")) else 0)
print(json.dumps({{"first": first, "cpu": cpu, "startup": startup, "rows_read": read}}))
"""


def _first_request(data_dir: Path, path: str, query: dict) -> dict:
    code = _CODE.format(project=str(PROJECT), data_dir=str(data_dir), path=path, query=query)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(scratch: Path) -> dict:
    data_dir = scratch / "first-100k"
    make_search_dir(data_dir)
    saved = data_dir / "run" / "index"
    shutil.rmtree(saved, ignore_errors=True)
    search = ("/staff/search", {"q": QUERY})
    cold = _first_request(data_dir, *search)  # reads every case, and saves the indexes
    warm = [_first_request(data_dir, *search) for _ in range(RESTARTS)]
    listing = _first_request(data_dir, "/staff/cases", {})
    return {
        "staff_first_request_s_100k": round(statistics.median(r["first"] for r in warm), 3),
        "detail_staff_first": {
            "first_search_s_100k_nothing_saved": round(cold["first"], 2),
            "first_search_s_100k_each_restart": [round(r["first"], 3) for r in warm],
            # The process's own CPU time for that request: what a quiet machine would take.
            "first_search_cpu_s_100k": round(statistics.median(r["cpu"] for r in warm), 3),
            "rows_read_after_restart": max(r["rows_read"] for r in warm),
            "first_case_list_s_100k_saved": round(listing["first"], 2),
            "startup_s_100k": round(statistics.median(r["startup"] for r in warm), 2),
            "saved_index_mb": round(sum(p.stat().st_size for p in saved.iterdir()) / 2**20, 1),
            "load_average": [round(load, 2) for load in os.getloadavg()],
        },
    }


if __name__ == "__main__":
    import tempfile

    (PROJECT / "build").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=PROJECT / "build") as scratch:
        print(json.dumps(measure(Path(scratch)), indent=2))
