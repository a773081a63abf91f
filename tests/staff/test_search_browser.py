"""In a real browser: a manager signs in, searches from the home page's box by the person's
surname, opens the case and sees consent and advocacy at the top; axe finds no serious or
critical problem on the search page or the case page.

Set STAFF_SCREENSHOTS=/some/dir to keep screenshots of both pages.
"""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import sync_playwright

from forms_app.accounts import UserBook
from tests.support.browser import arrive_and_check, launch_chromium, live_server, staff_sign_in
from tests.support.staff import PASSWORD, add_events, submit

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("STAFF_SCREENSHOTS")


def _check(page, shot: str) -> None:
    arrive_and_check(page, shot, SHOTS)


def test_search_then_the_case_with_consent_and_advocacy(app, app_parts):
    mina = UserBook(app_parts.settings.data_dir).add(
        "mina", name="Mina Manager", password=PASSWORD, roles=["manager"]
    )
    ref = submit(
        app_parts,
        name="Bronwen Prydderch",
        on_behalf="someone_else",
        relationship="parent",
        consent="child",
        advocate="yes",
        happened_on="2026-03-14",
        happening_now="yes",
        tried_already="spoke_to_staff",
        variant="easy-read",
    )
    closed = submit(app_parts, name="Huw Prydderch", details="The letter came late.")
    add_events(app_parts, closed, "mina", ("closed", {}))
    submit(app_parts, name="Someone Else")

    with live_server(app) as base_url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
        page = page.new_page()
        page.set_default_timeout(15_000)
        staff_sign_in(page, "mina", mina.totp_secret, PASSWORD)

        page.get_by_label("Find a case").fill("prydderch")
        page.get_by_role("button", name="Search").click()
        page.wait_for_url("**/staff/search?q=prydderch")
        _check(page, "search")
        assert page.get_by_text("2 cases match.").is_visible()
        links = page.locator("tbody a.govuk-link")
        assert [links.nth(i).inner_text() for i in range(links.count())] == [closed, ref]

        page.get_by_role("link", name=ref).click()
        _check(page, "case-story")
        panel = page.get_by_role("region", name="Consent and advocacy")
        assert panel.is_visible()
        assert "they are a child" in panel.inner_text()
        assert "independent advocate" in panel.inner_text()
        browser.close()
