"""The service over HTTPS, the way an organisation runs it: production mode under gunicorn,
behind Debian's nginx terminating TLS (tests/support/tls.py).

Pages tell browsers which ``Referer`` to send (``Referrer-Policy``), so a form POST here may
arrive without one: it must still be accepted, while a POST from another site, even with a
valid token, is still refused. A real browser through the same proxy is in
test_https_browser.py.
"""

from __future__ import annotations

import html as html_lib
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.cookiejar import CookieJar

import pytest

from forms_app.web.security import FIXED_HEADERS, HSTS
from tests.support.security_world import first_question_page
from tests.support.staff import csrf
from tests.support.walker import COMPLAINT

pytestmark = pytest.mark.slow
FIRST = f"/complaint/{first_question_page('complaint')}"
EVIL = "https://evil.example"


@dataclass
class Reply:
    status: int
    headers: object
    body: str

    def cookies(self) -> list[str]:
        return self.headers.get_all("Set-Cookie") or []


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the test reads each redirect itself


class HttpsClient:
    """A browser without JavaScript over HTTPS: it trusts only the test's certificate
    authority, keeps cookies, follows no redirect, and sends a ``Referer`` or ``Origin`` only
    when a test adds one (a browser sends none under ``Referrer-Policy: no-referrer``)."""

    def __init__(self, stack):
        self.base = stack.url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=stack.certificates.client_context()),
            urllib.request.HTTPCookieProcessor(CookieJar()),
            _NoRedirect,
        )

    def _open(self, request) -> Reply:
        try:
            with self.opener.open(request, timeout=20) as response:
                return Reply(response.status, response.headers, response.read().decode())
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.headers, error.read().decode("utf-8", "replace"))

    def get(self, path: str) -> Reply:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, data: dict, headers: dict | None = None) -> Reply:
        body = urllib.parse.urlencode(data, doseq=True).encode()
        request = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        return self._open(request)


def _first_answers(client) -> tuple[Reply, dict]:
    page = client.get(FIRST)
    assert page.status == 200, page.body[:500]
    return page, {"csrf_token": csrf(page.body), **COMPLAINT}


@pytest.mark.parametrize(
    "sent",
    ["nothing", "its own origin", "its own page as referer"],
)
def test_a_question_posted_over_https_without_a_referer_is_accepted(tls_stack, sent):
    client = HttpsClient(tls_stack)
    _page, data = _first_answers(client)
    headers = {
        "nothing": {},
        "its own origin": {"Origin": tls_stack.url},
        "its own page as referer": {"Referer": tls_stack.url + FIRST},
    }[sent]
    reply = client.post(FIRST, data, headers)
    # Post, redirect, get: the answer is kept and the next question is where it goes.
    assert reply.status in (302, 303), (reply.status, re.sub(r"\s+", " ", reply.body)[:600])
    next_page = urllib.parse.urlsplit(reply.headers["Location"]).path
    assert next_page.startswith("/complaint/") and next_page != FIRST
    follow = client.get(next_page)
    assert follow.status == 200 and 'name="csrf_token"' in follow.body


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": EVIL},
        {"Referer": f"{EVIL}/complaint/"},
        {"Origin": EVIL, "Referer": f"{EVIL}/complaint/"},
        # A page that hides where it is (a sandboxed frame, or its own no-referrer policy).
        {"Origin": "null"},
        # The same address over plain HTTP: anyone on the network could have written that page.
        {"Origin": "http://127.0.0.1"},
    ],
    ids=["origin", "referer", "both", "null-origin", "plain-http-origin"],
)
def test_a_post_from_another_site_is_refused_over_https_even_with_a_valid_token(tls_stack, headers):
    client = HttpsClient(tls_stack)
    _page, data = _first_answers(client)
    if headers.get("Origin", "").startswith("http://"):
        headers = {"Origin": f"http://127.0.0.1:{tls_stack.port}"}
    refused = client.post(FIRST, data, headers)
    assert refused.status == 400, refused.status
    assert "Location" not in refused.headers
    assert "session had ended" in html_lib.unescape(refused.body)
    # Nothing was kept: the same person, from our own page, is then accepted from the start.
    accepted = client.post(FIRST, data)
    assert accepted.status in (302, 303)


def test_over_https_the_cookie_is_secure_host_only_and_hsts_is_sent(tls_stack):
    client = HttpsClient(tls_stack)
    page, data = _first_answers(client)
    assert (
        page.headers["Strict-Transport-Security"] == HSTS == "max-age=63072000; includeSubDomains"
    )
    assert page.headers["Referrer-Policy"] == FIXED_HEADERS["Referrer-Policy"]
    reply = client.post(FIRST, data)
    assert reply.status in (302, 303)
    cookies = reply.cookies() or page.cookies()
    assert cookies, "no session cookie over HTTPS"
    parts = [part.strip() for part in cookies[-1].split(";")]
    lowered = [part.lower() for part in parts]
    assert parts[0].startswith("__Host-session="), cookies[-1]
    assert "secure" in lowered and "httponly" in lowered and "path=/" in lowered
    assert "samesite=lax" in lowered
    assert not any(part.startswith("domain=") for part in lowered)
