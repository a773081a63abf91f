"""Under real gunicorn with two workers: a report started through one worker carries on when
every worker is killed (it runs in a process of its own), and the workers gunicorn starts in
their place show its progress and its preview (the progress is a file, not a worker's
memory)."""

from __future__ import annotations

import os
import signal
import time

import pytest

from forms_app.web.background import Jobs
from tests.support.http_client import Fetcher
from tests.support.report_pages import QUARTER
from tests.support.served import Gunicorn
from tests.support.staff import PASSWORD, PEOPLE, csrf, make_people

pytestmark = pytest.mark.slow


def _sign_in(fetcher: Fetcher, username: str, secret: str) -> None:
    import pyotp

    _url, _status, page = fetcher.get("/staff/sign-in")
    _url, _status, page = fetcher.post(
        "/staff/sign-in",
        {"username": username, "password": PASSWORD, "csrf_token": csrf(page)},
    )
    url, status, _page = fetcher.post(
        "/staff/sign-in/code", {"code": pyotp.TOTP(secret).now(), "csrf_token": csrf(page)}
    )
    assert status == 200 and url.endswith("/staff/"), url


def test_a_report_survives_its_workers_and_any_new_worker_shows_its_progress(tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    secrets = make_people(data, {"mina": PEOPLE["mina"]})
    server = Gunicorn(data, workers=2, threads=2)
    server.start()
    try:
        mina = Fetcher(server.url, timeout=30)
        _sign_in(mina, "mina", secrets["mina"])
        _url, _status, page = mina.get("/staff/reports")
        url, status, _page = mina.post(
            "/staff/reports", {"period": "other", "other": QUARTER, "csrf_token": csrf(page)}
        )
        assert status == 200 and "/staff/reports/jobs/" in url
        job_url = url.removesuffix("/preview")

        before = server.worker_pids()
        assert len(before) == 2
        (job,) = Jobs(data).all("report")
        assert job["state"] in ("queued", "running")  # still at work when the workers die
        for pid in before:
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while not (set(server.worker_pids()) - set(before)) and time.monotonic() < deadline:
            time.sleep(0.2)

        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            url, status, page = mina.get(job_url)
            if status == 200 and url.endswith("/preview"):
                break
            assert status == 200, page[-2000:]
            assert "The work did not finish" not in page, page
            time.sleep(1)
        assert url.endswith("/preview"), "the report never became ready"
        assert 'id="gate-passed"' in page
        assert not set(server.worker_pids()) & set(before)  # new workers answered
    finally:
        server.stop()
