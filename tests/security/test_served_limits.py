"""S9 over real HTTP: gunicorn with 4 workers behind one trusted proxy hop
(FORMS_APP_PROXY_COUNT=1, X-Forwarded-For from loopback) and a send limit of L = 10. One address
sends 100 submissions (half with a spoofed extra X-Forwarded-For hop in front): at most L are
accepted, not 4 × L; a second address sends 5 and all 5 are accepted; the 429 page keeps the
typed text. The gunicorn logs (access and error) hold none of the typed answers (S8)."""

from __future__ import annotations

import contextlib
import urllib.request

import pytest
import yaml

from tests.support.http_client import Fetcher
from tests.support.served import Gunicorn
from tests.support.walker import COMPLAINT, csrf_token, walk

pytestmark = pytest.mark.slow
LIMIT = 10
IP1, IP2 = "198.51.100.7", "203.0.113.20"


class LimitedGunicorn(Gunicorn):
    """The real server with a small send limit and its logs written to files."""

    def settings_file(self):
        path = super().settings_file()
        raw = yaml.safe_load(path.read_text("utf-8"))
        raw["rate_limits"] = {
            "send": {"limit": LIMIT, "seconds": 600},
            "post": {"limit": 1_000_000, "seconds": 60},
        }
        path.write_text(yaml.safe_dump(raw), "utf-8")
        return path


class Behind(Fetcher):
    """A browser whose requests reach the app through the proxy, which appends its address."""

    def __init__(self, base_url: str, forwarded_for: str):
        super().__init__(base_url)
        self.opener.addheaders = [("X-Forwarded-For", forwarded_for)]


def _send_one(server, forwarded_for: str, number: int) -> tuple[int, str]:
    browser = Behind(server.url, forwarded_for)
    answers = {**COMPLAINT, "name": f"Ffion Ŵyn ap Rhys {number}"}

    def post(url, data):
        if url.endswith("check-your-answers"):
            raise StopIteration
        return browser.post(url, data)

    with contextlib.suppress(StopIteration):
        walk(browser.get, post, "/complaint/", answers)
    _url, status, page = browser.get("/complaint/check-your-answers")
    assert status == 200, status
    _url, status, page = browser.post(
        "/complaint/check-your-answers", {"csrf_token": csrf_token(page)}
    )
    return status, page


def test_send_limit_is_shared_by_four_workers_and_not_escaped_by_spoofing(tmp_path, monkeypatch):
    monkeypatch.setenv("FORMS_APP_PROXY_COUNT", "1")
    server = LimitedGunicorn(tmp_path / "data", workers=4, threads=2)
    server.start()
    try:
        first = {"accepted": 0, "limited": 0}
        kept_text = False
        for number in range(100):
            # Half claim another address in an extra hop: only the proxy's hop is trusted.
            header = IP1 if number % 2 else f"192.0.2.{number}, {IP1}"
            status, page = _send_one(server, header, number)
            if status == 200 and "data-reference" in page:
                first["accepted"] += 1
            else:
                assert status == 429, status
                first["limited"] += 1
                kept_text = kept_text or f"Ffion Ŵyn ap Rhys {number}" in page
        second = sum("data-reference" in _send_one(server, IP2, 200 + n)[1] for n in range(5))
    finally:
        server.stop()
    stderr = server.log_path.read_text("utf-8", "replace")
    print(f"S9: IP1 {first}, IP2 {second}/5")
    assert 1 <= first["accepted"] <= LIMIT, first
    assert first["accepted"] + first["limited"] == 100
    assert second == 5
    assert kept_text, "the 429 page did not show the typed name"
    assert "Ffion" not in stderr and "Ŵyn" not in stderr
    with contextlib.suppress(OSError):
        urllib.request.urlopen(server.url, timeout=1)
