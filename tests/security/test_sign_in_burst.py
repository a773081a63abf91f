"""A burst of parallel wrong passwords against the real server (gunicorn, 2 workers × 8
threads) is counted in full, and a right password sent while the wrong ones are still being
checked does not get through once the account's limit of wrong guesses is taken."""

from __future__ import annotations

import threading
import time

import pytest
import yaml
from argon2 import PasswordHasher

from forms_app.accounts import UserBook
from forms_app.accounts.passwords import PRODUCTION
from forms_app.accounts.throttle import Limits, SignInThrottle
from tests.support.http_client import Fetcher
from tests.support.served import Gunicorn
from tests.support.staff import PASSWORD, csrf, make_people

pytestmark = pytest.mark.slow
WRONG_GUESSES = 12


class LiftedGunicorn(Gunicorn):
    """Every test client comes from 127.0.0.1: the per-address limit is lifted here so the
    account's own count is what stops the burst."""

    def settings_file(self):
        path = super().settings_file()
        raw = yaml.safe_load(path.read_text("utf-8"))
        raw["staff_sign_in"] = {"per_address": {"limit": 1000}, "overall": {"limit": 1000}}
        path.write_text(yaml.safe_dump(raw), "utf-8")
        return path


@pytest.fixture
def server(tmp_path):
    data_dir = tmp_path / "data"
    make_people(data_dir, {"olive": ("Olive Officer", ["officer"], ["home-care"])})
    # The strong hash production uses: each check takes long enough for the burst to overlap.
    UserBook(data_dir).update(
        "olive", password_hash=PasswordHasher.from_parameters(PRODUCTION).hash(PASSWORD)
    )
    server = LiftedGunicorn(data_dir, workers=2, threads=8)
    server.start()
    yield server
    server.stop()


def _ready(server) -> tuple[Fetcher, str]:
    browser = Fetcher(server.url, timeout=60)
    _url, _status, page = browser.get("/staff/sign-in")
    return browser, csrf(page)


def test_a_parallel_burst_is_counted_and_a_right_guess_inside_it_fails(server):
    wrong = [_ready(server) for _ in range(WRONG_GUESSES)]
    right_browser, right_token = _ready(server)
    start = threading.Barrier(WRONG_GUESSES + 1)
    results: list[tuple[str, int]] = []

    def guess(browser, token, password):
        url, status, _page = browser.post(
            "/staff/sign-in", {"username": "olive", "password": password, "csrf_token": token}
        )
        results.append((url, status))
        return url, status

    def wrong_guess(browser, token):
        start.wait()
        guess(browser, token, "not the password at all")

    threads = [threading.Thread(target=wrong_guess, args=pair) for pair in wrong]
    for thread in threads:
        thread.start()
    start.wait()
    # The wrong guesses have arrived and are being checked; the right one comes in among them.
    time.sleep(0.3)
    right_url, right_status = guess(right_browser, right_token, PASSWORD)
    for thread in threads:
        thread.join(timeout=120)
    assert not right_url.endswith("/staff/sign-in/code"), "the right guess got through"
    assert right_status == 200
    assert len(results) == WRONG_GUESSES + 1
    assert all(not url.endswith("/sign-in/code") for url, _status in results)
    # Every attempt was counted against the address, none lost to a race.
    counted = SignInThrottle(server.data_dir, Limits()).count("127.0.0.1")
    assert counted == WRONG_GUESSES + 1
    assert UserBook(server.data_dir).get("olive").locked_until
