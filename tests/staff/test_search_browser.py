"""In a real browser: a manager signs in, searches from the home page's box by the person's
surname, opens the case and sees consent and advocacy at the top; axe finds no serious or
critical problem on the search page or the case page.

Set STAFF_SCREENSHOTS=/some/dir to keep screenshots of both pages.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import sync_playwright

from forms_app.accounts import UserBook
from tests.support.browser import launch_chromium, live_server, serious_violations
from tests.support.staff import PASSWORD, add_events, submit

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("STAFF_SCREENSHOTS")


def _check(page, shot: str) -> None:
    page.wait_for_load_state("load")
    assert serious_violations(page) == [], page.url
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{shot}.png"), full_page=True)


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
        page.goto("/staff/sign-in")
        page.get_by_label("Username", exact=True).fill("mina")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("Enter your security code").fill(pyotp.TOTP(mina.totp_secret).now())
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/staff/")

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
