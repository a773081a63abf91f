"""Where a submission's time goes, in one process: CPU per full submission (the send POST and
the confirmation GET), each measured alone, through Flask's test client, beside the same for
the framework's floor (bench/bare_app.py: a signed session, a CSRF token checked, an append
with fsync, POST-redirect-GET). Not part of ``make bench`` (no server): run it before and after
a change to the submission path, and with ``--profile`` to see the app's costs by function.
CPU time is steadier than the server benchmark's rates on a machine shared with other work.

    .venv/bin/python -m bench.submit_cpu [--count 300] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import statistics
import tempfile
import time
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parent.parent
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
ANSWERS = (
    ("/comment/service", {"service": "home-care"}),
    ("/comment/comment", {"details": "Larger print on the leaflets, please. Diolch."}),
    ("/comment/your-details", {"anonymous": "true"}),
)


def _app(scratch: Path):
    from forms_app import create_app
    from forms_app.organisation.settings import EXAMPLE_SETTINGS

    raw = yaml.safe_load(EXAMPLE_SETTINGS.read_text("utf-8"))
    # One address sends them all: lift the limits (the limiter still runs and is counted).
    raw["rate_limits"] = {
        "send": {"limit": 10**9, "seconds": 60},
        "post": {"limit": 10**9, "seconds": 60},
    }
    settings = scratch / "settings.yaml"
    settings.write_text(yaml.safe_dump(raw), "utf-8")
    os.environ["FORMS_APP_DATA_DIR"] = str(scratch / "data")
    return create_app(str(settings))


def _drafts(app, count: int) -> list:
    """``count`` people, each at the check-answers page of the comment journey."""
    people = []
    for _ in range(count):
        client = app.test_client()
        token = TOKEN.search(client.get("/comment/service").get_data(as_text=True)).group(1)
        for path, data in ANSWERS:
            assert client.post(path, data={"csrf_token": token, **data}).status_code == 302
        people.append((client, token))
    return people


def _framework(scratch: Path, count: int) -> list[float]:
    """CPU seconds of each of ``count`` submissions to the framework's floor, measured the same
    way."""
    from bench.bare_app import create_bare_app

    directory = scratch / "bare"
    directory.mkdir()
    os.environ["BENCH_BARE_DIR"] = str(directory)
    app = create_bare_app()
    people = []
    for _ in range(count):
        client = app.test_client()
        people.append((client, client.get("/framework/start").get_data(as_text=True)))
    spent = []
    for client, token in people:
        began = time.process_time()
        sent = client.post("/framework/append", data={"csrf_token": token, "text": "Diolch."})
        page = client.get(sent.headers["Location"])
        spent.append(time.process_time() - began)
        assert sent.status_code == 303 and page.status_code == 200
    return spent


def measure(count: int = 300, profile: bool = False) -> dict:
    """Medians per submission, in milliseconds: the median, not the mean, so that moments when
    other work on the machine slowed this one down count for little."""
    with tempfile.TemporaryDirectory(dir=PROJECT / "build") as scratch:
        app = _app(Path(scratch))
        people = _drafts(app, count)
        profiler = cProfile.Profile(time.process_time) if profile else None
        posts, gets = [], []
        for client, token in people:
            began = time.process_time()
            if profiler:
                profiler.enable()
            sent = client.post("/comment/check-your-answers", data={"csrf_token": token})
            middle = time.process_time()
            page = client.get(sent.headers["Location"])
            if profiler:
                profiler.disable()
            assert sent.status_code == 303 and b"data-reference" in page.data
            posts.append(middle - began)
            gets.append(time.process_time() - middle)
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        framework = statistics.median(_framework(Path(scratch), count))
    submission = statistics.median(post + get for post, get in zip(posts, gets, strict=True))
    return {
        "post_ms": round(1000 * statistics.median(posts), 3),
        "get_ms": round(1000 * statistics.median(gets), 3),
        "submission_ms": round(1000 * submission, 3),
        "framework_ms": round(1000 * framework, 3),
        "over_framework_ms": round(1000 * (submission - framework), 3),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--profile", action="store_true")
    arguments = parser.parse_args()
    print(measure(arguments.count, arguments.profile))
