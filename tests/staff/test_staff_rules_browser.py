"""In a real browser: an officer produces the acknowledgement letter and marks it as posted,
which records the acknowledgement; a restricted case shows why and offers only a note and
lifting the restriction. axe finds no serious or critical problem on those pages.

Set STAFF_SCREENSHOTS=/some/dir to keep screenshots of the pages.
"""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import sync_playwright

from forms_app.accounts import UserBook
from forms_app.records.retention.erasure import restrict
from tests.support.browser import arrive_and_check, launch_chromium, live_server, staff_sign_in
from tests.support.staff import PASSWORD, submit

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("STAFF_SCREENSHOTS")


def _check(page, shot: str) -> None:
    arrive_and_check(page, shot, SHOTS)


def test_post_the_acknowledgement_then_meet_a_restricted_case(app, app_parts):
    olive = UserBook(app_parts.settings.data_dir).add(
        "olive", name="Olive Officer", password=PASSWORD, roles=["officer"], services=["home-care"]
    )
    ref = submit(app_parts, name="[Bronwen](https://evil.example) **Prydderch**")
    held = submit(app_parts, name="Huw Example")
    restrict(app_parts, held, "accuracy_contested", actor="dpo")

    with live_server(app) as base_url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
        page = page.new_page()
        page.set_default_timeout(15_000)
        staff_sign_in(page, "olive", olive.totp_secret, PASSWORD)

        page.goto(f"/staff/cases/{ref}/letters")
        page.get_by_role("link", name="Acknowledgement of a complaint").click()
        page.get_by_role("button", name="Produce letter").click()
        _check(page, "letter")
        body = page.locator(".govuk-inset-text")
        assert "[Bronwen](https://evil.example) **Prydderch**" in body.inner_text()
        assert body.locator("a").count() == 0
        page.get_by_role("button", name="Mark as posted").click()
        _check(page, "letter-posted")
        assert page.get_by_text("The acknowledgement is recorded as sent today").is_visible()

        page.goto(f"/staff/cases/{ref}")
        assert page.get_by_role("link", name="Record the acknowledgement").count() == 0

        page.goto(f"/staff/cases/{held}")
        _check(page, "case-restricted")
        actions = page.locator(f'a[href^="/staff/cases/{held}/do/"]')
        assert sorted(actions.nth(i).inner_text() for i in range(actions.count())) == [
            "Add a note",
            "Clear a flag",
        ]
        assert page.get_by_role("link", name="Write a letter").count() == 0
        assert page.locator(".govuk-warning-text").get_by_text("contests the accuracy").is_visible()
        browser.close()
