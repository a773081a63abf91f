"""Report and export jobs with two app servers on one PostgreSQL database, each with a data
directory of its own: a job started on one is seen, with its steps and its files, from the
other; a second job of the kind is refused on either; a job whose process is killed is shown
as stopped on both, and another can then start."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from forms_app.organisation.settings import EXAMPLE_SETTINGS
from forms_app.storage.shared_database import use_database
from forms_app.web.background import DONE, FAILED, RUNNING, STOPPED_WORDS, Busy, Jobs
from forms_app.web.database_jobs import DatabaseJobs

pytestmark = pytest.mark.slow
KIND = "report"


@pytest.fixture
def servers(postgres_url, tmp_path):
    folders = [tmp_path / name / "data" for name in "ab"]
    for folder in folders:
        folder.mkdir(parents=True, mode=0o700)
        use_database(folder, postgres_url)
    yield folders
    for folder in folders:
        use_database(folder, "")


def _start(data_dir: Path, go: Path) -> dict:
    return Jobs(data_dir).start(
        KIND,
        module="tests.support.slow_job",
        params={"go": str(go)},
        actor="mina",
        steps=["Begin", "Make the file"],
        settings_path=EXAMPLE_SETTINGS,
        data_dir=data_dir,
    )


def _until(read, done, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while not done(value := read()):
        assert time.monotonic() < deadline, value
        time.sleep(0.05)
    return value


def test_postgres_a_job_started_on_one_server_is_seen_with_its_files_from_the_other(
    servers, tmp_path
):
    one, other = servers
    assert isinstance(Jobs(other), DatabaseJobs)
    go = tmp_path / "go"
    started = _start(one, go)

    seen = _until(lambda: Jobs(other).latest(KIND), lambda job: job and job["state"] == RUNNING)
    assert seen["id"] == started["id"] and seen["done"] == 0 and seen["steps"][0] == "Begin"
    with pytest.raises(Busy):
        _start(other, tmp_path / "never")

    go.touch()
    done = _until(lambda: Jobs(other).get(KIND, started["id"]), lambda j: j["state"] == DONE)
    assert done["result"] == {"file": "out.txt"} and done["done"] == 2
    path = Jobs(other).output(done, "out.txt")
    assert path is not None and path.read_text() == "made for mina\n"
    assert str(other) in str(path), "fetched into the other server's own folder"
    assert Jobs(other).output(done, "job.json") is None


def test_postgres_a_killed_job_is_shown_stopped_on_every_server_and_another_may_start(
    servers, tmp_path
):
    one, other = servers
    started = _start(one, tmp_path / "never")
    running = _until(
        lambda: Jobs(other).get(KIND, started["id"]), lambda job: job["state"] == RUNNING
    )
    os.kill(running["pid"], signal.SIGKILL)
    for server in (other, one):
        stopped = _until(
            lambda server=server: Jobs(server).get(KIND, started["id"]),
            lambda job: job["state"] == FAILED,
        )
        assert stopped["words"] == STOPPED_WORDS
    go = tmp_path / "go"
    go.touch()
    again = _start(other, go)
    assert _until(lambda: Jobs(one).get(KIND, again["id"]), lambda j: j["state"] == DONE)
