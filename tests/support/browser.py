"""A real browser for the tests: Debian's chromium driven by Playwright, and a live server.

The browser is started by ``forms_app.printing.chromium.launch_chromium``: Debian's chromium
with the switches that keep it offline (installed by ``make test``).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

from werkzeug.serving import make_server

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


def walk_in_browser(page, start_path: str, answers: dict, check=None, max_steps: int = 30) -> str:
    """Go through a journey from its start page by filling each field the page has from
    ``answers`` (by field name, so it works in any language) and pressing the page's own
    buttons; ``check(page)`` runs on every page on the way. Returns the reference."""
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
