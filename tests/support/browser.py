"""A real browser for the tests: Debian's chromium driven by Playwright, and a live server.

The browser is started by ``forms_app.printing.chromium.launch_chromium``: Debian's chromium
with the switches that keep it offline (installed by ``make test``).
"""

from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from werkzeug.serving import make_server

from forms_app.printing.chromium import CHROMIUM, CHROMIUM_ARGS
from forms_app.printing.chromium import launch_chromium as launch_chromium


@contextmanager
def live_server(app):
    """Serve the app over real HTTP on a free loopback port, in a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page, as readable lines."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} "
        f"at {[node['target'] for node in violation['nodes']][:3]}"
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def arrive_and_check(page, shot: str, folder: str | None = None) -> None:
    """Wait for the page, fail on any serious or critical axe violation, and keep a full-page
    screenshot named ``shot`` in ``folder`` when one is given (tests name theirs by an
    environment variable such as STAFF_SCREENSHOTS, so a run keeps none by default)."""
    page.wait_for_load_state("load")
    violations = serious_violations(page)
    assert violations == [], f"{page.url}: {violations}"
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{shot}.png"), full_page=True)


def staff_sign_in(page, username: str, totp_secret: str, password: str) -> None:
    """Sign a member of staff in on the browser's page, as they would: username and password,
    then the code from their authenticator, ending on the staff home page."""
    import pyotp

    page.goto("/staff/sign-in")
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Enter your security code").fill(pyotp.TOTP(totp_secret).now())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/staff/")


def walk_in_browser(
    page, start_path: str | None, answers: dict, check=None, max_steps: int = 30
) -> str:
    """Go through a journey from its start page by filling each field the page has from
    ``answers`` (by field name, so it works in any language) and pressing the page's own
    buttons; ``check(page)`` runs on every page on the way. Returns the reference.

    ``start_path`` None: start from the page the browser is on (reached by clicking links)."""
    if start_path is not None:
        page.goto(start_path)
    for _ in range(max_steps):
        page.wait_for_load_state("load")
        if check:
            check(page)
        reference = page.locator("[data-reference]")
        if reference.count():
            return reference.inner_text().strip()
        form = page.locator("form#question-form, main form")
        if form.count():
            for name, value in answers.items():
                values = value if isinstance(value, list) else [value]
                fields = page.locator(f'[name="{name}"]')
                if not fields.count():
                    continue
                kind = fields.first.get_attribute("type")
                if kind in ("radio", "checkbox"):
                    for one in values:
                        option = page.locator(f'[name="{name}"][value="{one}"]')
                        if option.count():
                            option.check()
                else:
                    fields.first.fill(values[0])
            form.first.locator("button.govuk-button").first.click()
        else:
            page.locator("main a.govuk-button").first.click()
    raise AssertionError(f"no reference after {max_steps} pages, at {page.url}")


# A browser extension that removes the Referer header from every request, as privacy
# extensions and browser settings do: the same-origin check must then rest on the Origin header
# alone. Chromium adds the Referer back when Playwright's request routing removes it, so only
# an extension (Manifest V3's declarativeNetRequest) takes it off the request for real.
_NO_REFERER_MANIFEST = {
    "manifest_version": 3,
    "name": "No Referer",
    "version": "1",
    "permissions": ["declarativeNetRequest"],
    "host_permissions": ["<all_urls>"],
    "declarative_net_request": {
        "rule_resources": [{"id": "no-referer", "enabled": True, "path": "rules.json"}]
    },
}
_NO_REFERER_RULES = [
    {
        "id": 1,
        "priority": 1,
        "action": {
            "type": "modifyHeaders",
            "requestHeaders": [{"header": "referer", "operation": "remove"}],
        },
        "condition": {
            "resourceTypes": [
                "main_frame",
                "sub_frame",
                "stylesheet",
                "script",
                "image",
                "font",
                "xmlhttprequest",
                "other",
            ]
        },
    }
]


def launch_https_without_referer(playwright, folder: Path, spki_hash: str, base_url: str):
    """Chromium for a service behind TLS: it trusts exactly one server key (by the SHA-256 of
    its SubjectPublicKeyInfo, Chromium's ``--ignore-certificate-errors-spki-list``; every other
    certificate error still stops it) and sends no ``Referer`` on any request.

    Returns a Playwright ``BrowserContext`` (extensions only load in a persistent one) with
    ``base_url`` set; the caller closes it. ``folder`` holds the profile and the extension."""
    extension = folder / "no-referer-extension"
    extension.mkdir(parents=True, exist_ok=True)
    (extension / "manifest.json").write_text(json.dumps(_NO_REFERER_MANIFEST), "utf-8")
    (extension / "rules.json").write_text(json.dumps(_NO_REFERER_RULES), "utf-8")
    context = playwright.chromium.launch_persistent_context(
        str(folder / "profile"),
        executable_path=CHROMIUM,
        # Playwright turns extensions off unless told otherwise.
        ignore_default_args=["--disable-extensions"],
        args=[
            *CHROMIUM_ARGS,
            f"--ignore-certificate-errors-spki-list={spki_hash}",
            f"--disable-extensions-except={extension}",
            f"--load-extension={extension}",
        ],
        base_url=base_url,
        viewport={"width": 1024, "height": 800},
    )
    try:
        _wait_until_referer_is_removed(context)
    except BaseException:
        context.close()
        raise
    return context


def _wait_until_referer_is_removed(context, timeout: float = 15) -> None:
    """The extension's rules apply a moment after the browser starts: wait until a request
    from a page really leaves without a Referer."""
    page = context.new_page()
    try:
        page.goto("/")
        deadline = time.monotonic() + timeout
        while True:
            with page.expect_request(lambda request: "probe=" in request.url) as sent:
                page.evaluate("n => fetch('/static/app.css?probe=' + n, {cache: 'no-store'})", 1)
            if "referer" not in sent.value.all_headers():
                return
            if time.monotonic() > deadline:
                raise RuntimeError("Chromium still sends a Referer: the extension did not load")
            time.sleep(0.2)
    finally:
        page.close()
