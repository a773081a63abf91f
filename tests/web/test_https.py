"""The service over HTTPS, the way an organisation runs it: production mode under gunicorn,
behind Debian's nginx terminating TLS (tests/support/tls.py).

Pages tell browsers which ``Referer`` to send (``Referrer-Policy``), so a form POST here may
arrive without one: it must still be accepted, while a POST from another site, even with a
valid token, is still refused. A real browser then walks a complaint and a staff sign-in
through the proxy, with axe on every page.
"""

from __future__ import annotations

import html as html_lib
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.cookiejar import CookieJar

import pyotp
import pytest
from playwright.sync_api import sync_playwright

from forms_app.printing.chromium import CHROMIUM, CHROMIUM_ARGS
from forms_app.web.security import FIXED_HEADERS, HSTS
from tests.support.browser import serious_violations, walk_in_browser
from tests.support.security_world import first_question_page
from tests.support.staff import PASSWORD, csrf, make_people
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


@pytest.fixture
def browser(tls_stack):
    """Debian's chromium trusting exactly the test server's key (by its SPKI hash), with the
    same switches as everywhere else."""
    spki = tls_stack.certificates.spki_hash()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[*CHROMIUM_ARGS, f"--ignore-certificate-errors-spki-list={spki}"],
        )
        context = launched.new_context(
            base_url=tls_stack.url, viewport={"width": 1024, "height": 800}
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on(
            "console",
            lambda message: errors.append(message.text) if message.type == "error" else None,
        )
        try:
            yield page, errors
        finally:
            launched.close()


def _axe_on_arrival(checked: list[str]):
    def check(page):
        assert page.url.startswith("https://"), page.url
        violations = serious_violations(page)
        assert violations == [], f"{page.url}: {violations}"
        checked.append(page.url)

    return check


@pytest.mark.browser
def test_a_complaint_in_the_browser_over_https_reaches_its_reference(tls_stack, browser):
    page, errors = browser
    checked: list[str] = []
    reference = walk_in_browser(page, "/complaint/", COMPLAINT, check=_axe_on_arrival(checked))
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", reference)
    assert page.get_by_text(reference).first.is_visible()
    assert len(checked) >= 12, checked
    assert errors == []
    access_log = (tls_stack.folder / "nginx" / "access.log").read_text()
    assert f'"POST {FIRST} HTTP/1.1" 302' in access_log  # it went through the proxy


@pytest.mark.browser
def test_a_staff_member_signs_in_over_https_and_reaches_the_staff_home(tls_stack, browser):
    page, errors = browser
    secret = make_people(tls_stack.data_dir, {"ada": ("Ada Admin", ["admin"], [])})["ada"]
    checked: list[str] = []
    check = _axe_on_arrival(checked)
    page.goto("/staff/sign-in")
    check(page)
    page.get_by_label("Username", exact=True).fill("ada")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Continue", exact=True).click()
    page.wait_for_load_state("load")
    check(page)
    page.get_by_label("Enter your security code", exact=True).fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_load_state("load")
    check(page)
    assert page.url == f"{tls_stack.url}/staff/", page.url
    assert (
        page.get_by_role("link", name="Sign out").count()
        or page.get_by_role("button", name="Sign out").count()
    ), page.content()[:1500]
    assert errors == []
