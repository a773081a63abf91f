"""The service as a new user runs it: gunicorn, plain HTTP with no JavaScript, the `feedback`
command, and kill -9 in the middle of a stream of submissions."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.support.http_client import Fetcher
from tests.support.served import PROJECT, Gunicorn
from tests.support.walker import ANSWERS, COMMENT, walk

pytestmark = pytest.mark.slow
FEEDBACK = Path(sys.executable).parent / "feedback"


def feedback(data_dir, *args):
    env = {"FORMS_APP_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin", "FORMS_APP_ENV": "testing"}
    return subprocess.run(
        [str(FEEDBACK), *args], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=120
    )


def _rows(data_dir, table):
    from forms_app.storage.contract import Contract
    from forms_app.storage.store import Store

    contract = Contract()
    store = Store(data_dir, {name: contract.columns(name) for name in contract.resource_names})
    return list(store.rows(table))


@pytest.fixture
def server(tmp_path):
    served = Gunicorn(tmp_path / "data")
    served.start()
    yield served
    served.stop()


def test_three_journeys_over_plain_http_then_validate(server):
    references = {}
    for slug in ("complaint", "compliment", "pals"):
        client = Fetcher(server.url)
        result = walk(client.get, client.post, f"/{slug}/", ANSWERS[slug])
        references[slug] = result.reference
    stored = {row["ref"]: row for row in _rows(server.data_dir, "submissions")}
    assert set(stored) == set(references.values())
    assert stored[references["pals"]]["kind"] == "enquiry"
    done = feedback(server.data_dir, "validate")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("valid")


def test_validate_reports_every_error(tmp_path):
    data_dir = tmp_path / "data"
    made = feedback(data_dir, "demo-data", "--count", "40")
    assert made.returncode == 0, made.stderr
    assert feedback(data_dir, "validate").returncode == 0
    # Damage two rows' kinds by hand (as a bad edit might): both errors are reported.
    path = data_dir / "submissions.csv"
    text = path.read_text("utf-8")
    lines = text.split("\n")
    damaged = [i for i, line in enumerate(lines) if ",complaint," in line][:2]
    for i in damaged:
        lines[i] = lines[i].replace(",complaint,", ",grumble,", 1)
    path.write_text("\n".join(lines), "utf-8")
    done = feedback(data_dir, "validate")
    assert done.returncode == 1
    for i in damaged:
        # Both the broken rule and the broken checksum, for each row (row 1 is the header).
        assert f"submissions row {i + 1} kind: Constraint Error" in done.stdout, done.stdout
        assert f"submissions row {i + 1}: checksum error" in done.stdout
    assert "grumble" not in done.stdout  # values are never printed: they may be personal


def test_kill_minus_nine_loses_nothing_acknowledged(tmp_path):
    served = Gunicorn(tmp_path / "data")
    served.start()
    acknowledged: list[str] = []
    failures = Counter()
    stop = threading.Event()

    def stream():
        while not stop.is_set():
            client = Fetcher(served.url, timeout=5)
            try:
                result = walk(client.get, client.post, "/comment/", COMMENT)
            except Exception as error:  # the server vanishing mid-walk is the point
                failures[type(error).__name__] += 1
                continue
            acknowledged.append(result.reference)

    threads = [threading.Thread(target=stream) for _ in range(6)]
    for thread in threads:
        thread.start()
    # Kill in the middle of the stream: once enough have been acknowledged to mean something.
    deadline = time.monotonic() + 60
    while len(acknowledged) < 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    served.kill()
    stop.set()
    for thread in threads:
        thread.join(timeout=20)
    assert len(acknowledged) >= 5, (
        f"too few submissions before the kill to mean anything: {failures}"
    )

    # Restart: start-up recovery runs, then everything acknowledged must be there, once.
    served.start()
    try:
        refs = [row["ref"] for row in _rows(served.data_dir, "submissions")]
        assert set(acknowledged) <= set(refs)
        assert len(refs) == len(set(refs))
        Fetcher(served.url).get("/")
    finally:
        served.stop()
    done = feedback(served.data_dir, "validate")
    assert done.returncode == 0, done.stdout
