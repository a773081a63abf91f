"""A real browser through the real topology: Debian's chromium, over HTTPS, through Debian's nginx
terminating TLS in front of gunicorn in production mode (tests/support/tls.py).

The browser trusts exactly the test server's key, so any other certificate error would still stop
it, and it sends no ``Referer`` at all (an extension removes it, as privacy extensions and
settings do): every form must then be accepted on its ``Origin`` alone. It walks a complaint, a
Welsh easy-read compliment on a phone-sized screen and a staff sign-in, with axe on every page;
reads the cookies the browser kept and the headers of every response; and posts a form from
another site's page, which must be refused without sending anything.

Screenshots of a few pages are saved in build/screens/ to look at.
"""

from __future__ import annotations

import contextlib
import html as html_lib
import re
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pyotp
import pytest
from babel.support import Translations
from playwright.sync_api import sync_playwright

from tests.support.browser import (
    launch_https_without_referer,
    serious_violations,
    walk_in_browser,
)
from tests.support.security_world import first_question_page
from tests.support.served import PROJECT
from tests.support.staff import PASSWORD, make_people
from tests.support.walker import COMPLAINT, COMPLIMENT

pytestmark = [pytest.mark.slow, pytest.mark.browser]
FIRST = f"/complaint/{first_question_page('complaint')}"
SCREENS = PROJECT / "build" / "screens"
PHONE = {"width": 390, "height": 844}
ONE_YEAR = 365 * 24 * 60 * 60
THANKS = "🌟 Diolch o galon i Nyrs Gwen"
WELSH = Translations.load(str(PROJECT / "forms_app" / "translations"), ["cy"])
# One line of nginx's access log (its "combined" format): request, status, size, Referer.
ACCESS = re.compile(
    r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d+) \d+ "(?P<referer>[^"]*)"'
)


@pytest.fixture(scope="module")
def chromium(tls_stack, tmp_path_factory):
    """One browser for the module, trusting the test server's key and sending no Referer."""
    with sync_playwright() as playwright:
        context = launch_https_without_referer(
            playwright,
            tmp_path_factory.mktemp("chromium"),
            tls_stack.certificates.spki_hash(),
            tls_stack.url,
        )
        try:
            yield context
        finally:
            context.close()


@dataclass
class Visit:
    """One person's visit: a fresh page with no cookies, everything the service answered, and
    the browser's own errors."""

    page: object
    origin: str
    errors: list[str] = field(default_factory=list)
    responses: list = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    def arrive(self, shot: str | None = None) -> None:
        """Check the page the browser is on: over HTTPS, and no serious axe violation."""
        self.page.wait_for_load_state("load")
        assert self.page.url.startswith("https://"), self.page.url
        violations = serious_violations(self.page)
        assert violations == [], f"{self.page.url}: {violations}"
        self.checked.append(self.page.url)
        if shot:
            SCREENS.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(SCREENS / f"https-{shot}.png"), full_page=True)

    def ours(self) -> list:
        return [r for r in self.responses if r.url.startswith(self.origin + "/")]


@pytest.fixture
def visit(chromium, tls_stack):
    chromium.clear_cookies()
    page = chromium.new_page()
    page.set_default_timeout(15_000)
    page.set_viewport_size({"width": 1024, "height": 800})
    seen = Visit(page, tls_stack.url)
    page.on("pageerror", lambda error: seen.errors.append(str(error)))
    page.on(
        "console",
        lambda message: seen.errors.append(message.text) if message.type == "error" else None,
    )
    page.on("response", lambda response: seen.responses.append(response))
    try:
        yield seen
    finally:
        page.close()


def _axe_on_arrival(checked: list[str]):
    def check(page):
        assert page.url.startswith("https://"), page.url
        violations = serious_violations(page)
        assert violations == [], f"{page.url}: {violations}"
        checked.append(page.url)

    return check


def _assert_hsts_on_every_response(visit: Visit, at_least: int) -> None:
    """Every answer from the service, pages, redirects, errors and static files alike, tells the
    browser to use HTTPS only, for at least a year."""
    answers = visit.ours()
    assert len(answers) >= at_least, [r.url for r in answers]
    for response in answers:
        sent = response.all_headers().get("strict-transport-security", "")
        age = re.search(r"max-age=(\d+)", sent)
        assert age and int(age.group(1)) >= ONE_YEAR, (response.url, response.status, sent)


def _assert_host_only_secure_cookies(context, url: str) -> dict:
    """The cookies the browser keeps for the service: each ``__Host-`` prefixed (so only ever
    sent over TLS, to this host, for every path), Secure, HttpOnly and SameSite=Lax."""
    cookies = context.cookies(url)
    assert cookies, "the browser kept no cookie for the service"
    for cookie in cookies:
        assert cookie["name"].startswith("__Host-"), cookie["name"]
        assert cookie["secure"] and cookie["httpOnly"], cookie
        assert cookie["sameSite"] == "Lax" and cookie["path"] == "/", cookie
        assert not cookie["domain"].startswith("."), cookie  # host-only, no Domain attribute
    return {cookie["name"]: cookie for cookie in cookies}


def _access_log(stack) -> str:
    return (stack.folder / "nginx" / "access.log").read_text()


def _posts_since(stack, mark: int) -> list[re.Match]:
    lines = _access_log(stack)[mark:].splitlines()
    return [m for m in map(ACCESS.search, lines) if m and m["method"] == "POST"]


def _rows(data_dir, table: str) -> list[dict]:
    from forms_app.storage.contract import Contract
    from forms_app.storage.store import Store

    contract = Contract()
    store = Store(data_dir, {name: contract.columns(name) for name in contract.resource_names})
    return list(store.rows(table))


def _submissions(data_dir) -> list[dict]:
    return _rows(data_dir, "submissions")


def test_a_complaint_in_the_browser_over_https_reaches_its_reference(tls_stack, visit):
    page, errors = visit.page, visit.errors
    mark = len(_access_log(tls_stack))
    checked = visit.checked

    def check(page):
        visit.arrive(shot="complaint-first" if page.url.endswith(FIRST) else None)

    reference = walk_in_browser(page, "/complaint/", COMPLAINT, check=check)
    page.screenshot(path=str(SCREENS / "https-complaint-sent.png"), full_page=True)
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", reference)
    assert page.get_by_text(reference).first.is_visible()
    assert len(checked) >= 12, checked
    assert errors == []
    access_log = _access_log(tls_stack)
    assert f'"POST {FIRST} HTTP/1.1" 302' in access_log  # it went through the proxy

    # Every answer was posted without a Referer, as nginx saw it, and every one was taken.
    posts = _posts_since(tls_stack, mark)
    assert len(posts) >= 10, posts
    assert {post["referer"] for post in posts} == {"-"}
    assert {post["status"] for post in posts} <= {"302", "303"}, [p.group(0) for p in posts]
    assert not any("referer" in r.request.all_headers() for r in visit.ours())

    rows = {row["ref"]: row for row in _submissions(tls_stack.data_dir)}
    assert rows[reference]["kind"] == "complaint"
    cookies = _assert_host_only_secure_cookies(page.context, tls_stack.url)
    assert set(cookies) == {"__Host-session"}
    _assert_hsts_on_every_response(visit, at_least=len(checked))


def test_a_person_tracks_their_complaint_over_https_with_the_secret_and_replies(tls_stack, visit):
    """The tracking page behind the real proxy: the secret shown once on the confirmation page
    opens the case (no message service is needed), and a reply posted without a Referer is
    taken and becomes an event staff see."""
    page = visit.page
    page.set_viewport_size(PHONE)
    reference = walk_in_browser(page, "/complaint/", COMPLAINT, check=lambda page: visit.arrive())
    secret = page.locator("[data-tracking-secret]").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{5}(-[A-Z0-9]{5}){3}", secret), secret
    page.goto("/track")
    visit.arrive()
    page.get_by_label("Reference number").fill(reference)
    page.get_by_role("button", name="Continue").click()
    visit.arrive()
    page.get_by_label("Code or tracking secret").fill(secret)
    page.get_by_role("button", name="Continue").click()
    visit.arrive(shot="track-case")
    assert urlsplit(page.url).path == "/track/case", page.url
    assert reference in page.locator("[data-reference]").inner_text()
    page.get_by_label("Your message").fill("Mae Mam yn dal i aros am ymweliad gyda'r nos.")
    page.get_by_role("button", name="Send message").click()
    visit.arrive(shot="track-replied")
    assert "We have received your message" in page.locator("main").inner_text()
    assert visit.errors == []
    _assert_host_only_secure_cookies(page.context, tls_stack.url)
    _assert_hsts_on_every_response(visit, at_least=len(visit.checked))

    replies = [
        event
        for event in _rows(tls_stack.data_dir, "events")
        if event["ref"] == reference and event["type"] == "person_replied"
    ]
    assert len(replies) == 1, replies


def test_a_welsh_easy_read_compliment_on_a_phone_reaches_its_reference_in_welsh(tls_stack, visit):
    page = visit.page
    page.set_viewport_size(PHONE)
    visit.page.goto("/")
    visit.arrive()
    # Switched to Welsh and to the easy-read wording the way a person would: by their links.
    page.get_by_role("link", name="Cymraeg", exact=True).first.click()
    visit.arrive()
    page.get_by_role("link", name=WELSH.gettext("Easy read version"), exact=True).first.click()
    visit.arrive()
    assert urlsplit(page.url).path == "/cy/easy-read/"
    page.get_by_role("link", name=WELSH.gettext("Say thank you"), exact=True).click()
    visit.arrive(shot="welsh-easy-read-start")

    def check(page):
        shot = "welsh-easy-read-check" if page.url.endswith("/check-your-answers") else None
        visit.arrive(shot=shot)

    answers = {**COMPLIMENT, "thank_who": "Nyrs Gwen, Tîm Nyrsio Cymunedol", "details": THANKS}
    reference = walk_in_browser(page, None, answers, check=check)
    page.screenshot(path=str(SCREENS / "https-welsh-easy-read-sent.png"), full_page=True)

    assert urlsplit(page.url).path.startswith("/cy/easy-read/compliment/")
    assert page.locator("html").get_attribute("lang") == "cy"
    shown = page.locator("main").inner_text()
    for english in ("Thank you. We have got it.", "What happens next", "Your number is"):
        welsh = WELSH.gettext(english)
        assert welsh != english and welsh in shown, (english, welsh)
        assert english not in shown
    assert reference in shown

    row = {r["ref"]: r for r in _submissions(tls_stack.data_dir)}[reference]
    assert (row["kind"], row["language"], row["variant"]) == ("compliment", "cy", "easy-read")
    assert row["details"] == THANKS  # the star and the Welsh arrive whole through the proxy
    assert len(visit.checked) >= 8, visit.checked
    assert visit.errors == []
    _assert_host_only_secure_cookies(page.context, tls_stack.url)
    _assert_hsts_on_every_response(visit, at_least=len(visit.checked))


def test_a_staff_member_signs_in_over_https_and_reaches_the_staff_home(tls_stack, visit):
    page, errors = visit.page, visit.errors
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

    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / "https-staff-home.png"), full_page=True)
    signed_in = _assert_host_only_secure_cookies(page.context, tls_stack.url)["__Host-session"]
    _assert_hsts_on_every_response(visit, at_least=len(checked))

    # Signing out ends the session on the server: neither the back button nor the old cookie,
    # put back in the browser, shows a staff page again.
    page.get_by_role("button", name="Sign out", exact=True).click()
    visit.arrive()
    page.go_back()
    visit.arrive()
    assert urlsplit(page.url).path == "/staff/sign-in", page.url
    assert page.get_by_label("Username", exact=True).is_visible()
    page.context.add_cookies([_again(signed_in, tls_stack.url)])
    page.goto("/staff/")
    visit.arrive()
    assert urlsplit(page.url).path == "/staff/sign-in", page.url
    assert not page.get_by_role("button", name="Sign out").count()
    assert errors == []


def _again(cookie: dict, url: str) -> dict:
    """A kept cookie, to put back in the browser (by address: a __Host- cookie has no domain)."""
    keep = ("name", "value", "secure", "httpOnly", "sameSite")
    return {**{key: cookie[key] for key in keep}, "url": url}


class OtherSite:
    """Another site's page on this machine, serving one page of HTML: over HTTPS with the same
    certificate (so the same site as the service, on another port: a different origin whose
    requests still carry the service's SameSite=Lax cookie), or over plain HTTP."""

    def __init__(self, certificates=None):
        self.html = ""
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body = site.html.encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        scheme = "http"
        if certificates:
            tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            tls.load_cert_chain(certificates.certificate, certificates.key)
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


class _AtCheck(Exception):
    """The walk reached the page that sends: stop there."""


def test_a_form_posted_from_another_site_in_the_browser_is_refused_and_sends_nothing(
    tls_stack, visit
):
    page = visit.page

    def stop_at_check(page):
        visit.arrive()
        if urlsplit(page.url).path.endswith("/check-your-answers"):
            raise _AtCheck

    with contextlib.suppress(_AtCheck):
        walk_in_browser(page, "/compliment/", COMPLIMENT, check=stop_at_check)
    check_page = page.url
    assert urlsplit(check_page).path == "/compliment/check-your-answers"
    # The worst case: the other site even knows the person's token.
    fields = {
        field.get_attribute("name"): field.input_value()
        for field in page.locator("main form input[name]").all()
    }
    assert fields.get("csrf_token"), fields
    before = len(_submissions(tls_stack.data_dir))

    for other in (OtherSite(tls_stack.certificates), OtherSite()):
        hidden = "".join(
            f'<input type="hidden" name="{html_lib.escape(name)}" value="{html_lib.escape(value)}">'
            for name, value in fields.items()
        )
        with other:
            other.html = (
                '<!doctype html><html lang="en"><head><title>Win a prize</title></head><body>'
                f'<main><form method="post" action="{check_page}">{hidden}'
                "<button>Claim your prize</button></form></main></body></html>"
            )
            page.goto(other.url + "/")
            with page.expect_response(lambda r: r.request.method == "POST") as answer:
                page.get_by_role("button", name="Claim your prize").click()
            refused = answer.value
            visit.arrive(shot="refused" if other.url.startswith("https") else None)
        assert refused.request.all_headers()["origin"] == other.url
        assert refused.status == 400, (other.url, refused.status)
        assert re.search(r"session (has|had) ended", page.locator("main").inner_text()), other.url
        assert not page.locator("[data-reference]").count()
        assert len(_submissions(tls_stack.data_dir)) == before, other.url

    # The person's own page still sends their compliment, once.
    page.goto(check_page)
    visit.arrive()
    page.locator("main form button.govuk-button").first.click()
    visit.arrive()
    reference = page.locator("[data-reference]").inner_text().strip()
    sent = _submissions(tls_stack.data_dir)
    assert len(sent) == before + 1 and sent[-1]["ref"] == reference
    # The browser reports each refusal (400) in its console; nothing else went wrong.
    assert [e for e in visit.errors if "status of 400" not in e] == []
