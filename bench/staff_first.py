"""The first staff request after a restart with 100,000 cases, through the real routes with a
signed-in manager, in a fresh process, with the indexes an earlier process saved beside the data
(``casework.index_snapshot``, with the cases' briefs: ``casework.briefs``). Three first
requests are timed, each in fresh processes of its own: a search by a common surname, the case
list (``/staff/cases``) and the home page (``/staff/``, with its table of work). The median of a
few fresh processes is each one's figure, and ``staff_first_request_s_100k`` is the worst of the
three; the same first search with nothing saved (every case read and folded) is reported beside
them. Each process also reports the request's own CPU time (``time.process_time``), which does
not depend on what else the machine is doing, and the load average is reported with the run.

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
assert {expect!r} in response.text, {expect!r}
index = app.extensions["casework"]
read = index.rows_read + (search.rows_read if (search := app.extensions.get("search")) else 0)
print(json.dumps({{"first": first, "cpu": cpu, "startup": startup, "rows_read": read}}))
"""


#: The first requests timed: (path, query, what the page must show).
SEARCH = ("/staff/search", {"q": QUERY}, "/staff/cases/")
LIST = ("/staff/cases", {}, "/staff/cases/")
HOME = ("/staff/", {}, "data-workload")


def _first_request(data_dir: Path, path: str, query: dict, expect: str) -> dict:
    code = _CODE.format(
        project=str(PROJECT), data_dir=str(data_dir), path=path, query=query, expect=expect
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(scratch: Path) -> dict:
    data_dir = scratch / "first-100k"
    make_search_dir(data_dir)
    saved = data_dir / "run" / "index"
    shutil.rmtree(saved, ignore_errors=True)
    loads = [os.getloadavg()[0]]
    cold = _first_request(data_dir, *SEARCH)  # reads every case, and saves the indexes
    runs: dict[str, list[dict]] = {"search": [], "list": [], "home": []}
    for _ in range(RESTARTS):  # in turns, so a change of load touches all three alike
        for name, request in (("search", SEARCH), ("list", LIST), ("home", HOME)):
            runs[name].append(_first_request(data_dir, *request))
        loads.append(os.getloadavg()[0])
    seconds = {
        name: round(statistics.median(r["first"] for r in done), 3) for name, done in runs.items()
    }
    warm = [r for done in runs.values() for r in done]
    return {
        "staff_first_request_s_100k": max(seconds.values()),
        "staff_first_search_s_100k": seconds["search"],
        "staff_first_list_s_100k": seconds["list"],
        "staff_first_home_s_100k": seconds["home"],
        "detail_staff_first": {
            "first_search_s_100k_nothing_saved": round(cold["first"], 2),
            **{
                f"first_{name}_s_each_restart": [round(r["first"], 3) for r in done]
                for name, done in runs.items()
            },
            # The process's own CPU time for each request: what a quiet machine would take.
            **{
                f"first_{name}_cpu_s_100k": round(statistics.median(r["cpu"] for r in done), 3)
                for name, done in runs.items()
            },
            "rows_read_after_restart": max(r["rows_read"] for r in warm),
            "startup_s_100k": round(statistics.median(r["startup"] for r in warm), 2),
            "saved_index_mb": round(sum(p.stat().st_size for p in saved.iterdir()) / 2**20, 1),
            "load_average_1min_during": [round(min(loads), 2), round(max(loads), 2)],
        },
    }


if __name__ == "__main__":
    import tempfile

    (PROJECT / "build").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=PROJECT / "build") as scratch:
        print(json.dumps(measure(Path(scratch)), indent=2))
