"""Single sign-on in a real browser (Debian's chromium through Playwright): local accounts
off, a member of staff signs in through the provider's own login page and reaches their
inbox; signing out ends both our session and the provider's. axe checks the sign-in page and
the "You do not have access" page: 0 serious or critical violations.

Set STAFF_SCREENSHOTS=/some/dir to keep screenshots of the pages."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.support.browser import launch_chromium, serious_violations

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("STAFF_SCREENSHOTS")


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def _through_provider(page, login: str):
    page.get_by_role("button", name="Sign in with Riverside staff directory").click()
    page.wait_for_selector('input[name="login"]')
    page.fill('input[name="login"]', login)
    page.fill('input[name="password"]', "any password")
    page.click('button[type="submit"]')
    page.wait_for_load_state("load")


def test_sso_in_a_browser_signs_in_to_the_inbox_and_signs_out_of_both(make_sso_world):
    world = make_sso_world(local_accounts=False)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(base_url=world.base)
            page.goto("/staff/inbox")
            assert "/staff/sign-in" in page.url
            assert page.locator('input[name="password"]').count() == 0
            assert serious_violations(page) == []
            _shot(page, "sso-sign-in")
            _through_provider(page, "0001-olwen")
            # Back where they were going, signed in by the directory.
            assert page.url == f"{world.base}/staff/inbox"
            assert page.get_by_text("Signed in as Olwen Officer (officer)").is_visible()
            # Sign out: our session ends, then the provider asks to confirm ending its own.
            page.get_by_role("button", name="Sign out").click()
            page.wait_for_url(f"{world.provider.issuer}/**")
            page.get_by_role("button", name="Yes, sign me out").click()
            page.wait_for_url(f"{world.base}/staff/signed-out")
            assert page.get_by_role("heading", name="You have signed out").is_visible()
            page.goto("/staff/")
            assert "/staff/sign-in" in page.url
            # The provider's session ended too: signing in again asks who they are.
            page.get_by_role("button", name="Sign in with Riverside staff directory").click()
            page.wait_for_selector('input[name="login"]')
            assert page.url.startswith(world.provider.issuer)
        finally:
            browser.close()


def test_sso_no_access_page_in_a_browser_passes_axe(sso_world):
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(base_url=sso_world.base)
            page.goto("/staff/sign-in")
            assert page.locator('input[name="password"]').count() == 1
            assert serious_violations(page) == []
            _shot(page, "sso-sign-in-with-local")
            _through_provider(page, "0003-nobody")
            heading = page.get_by_role("heading", level=1)
            assert heading.inner_text() == "You do not have access to this service"
            assert serious_violations(page) == []
            _shot(page, "sso-no-access")
        finally:
            browser.close()
