"""In a real browser: a manager logs a phone call from a daughter writing for her mother, first
leaving out whether her mother agrees (the form comes back with GOV.UK's error summary and
everything typed still there), then completes it and lands on the case, which shows consent
and the advocate request at the top and the advocate task on the aide-memoire. axe finds no
serious or critical problem on either page.

Set STAFF_SCREENSHOTS=/some/dir to keep screenshots of the pages.
"""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import sync_playwright

from forms_app.accounts import UserBook
from tests.support.browser import arrive_and_check, launch_chromium, live_server, staff_sign_in
from tests.support.staff import PASSWORD

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("STAFF_SCREENSHOTS")


def test_logging_a_call_for_someone_else_in_the_browser(app, app_parts):
    mina = UserBook(app_parts.settings.data_dir).add(
        "mina", name="Mina Manager", password=PASSWORD, roles=["manager"]
    )
    with live_server(app) as base_url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        staff_sign_in(page, "mina", mina.totp_secret, PASSWORD)
        page.goto("/staff/log")
        arrive_and_check(page, "log-feedback", SHOTS)

        page.get_by_role("group", name="Kind of feedback").get_by_label("Complaint").check()
        page.get_by_role("group", name="How it reached us").get_by_label("Phone").check()
        page.get_by_label("What they told us").fill("The carer has not come for three evenings.")
        page.get_by_role("group", name="Who is the feedback about?").get_by_label(
            "Someone else"
        ).check()
        page.get_by_label("If they are writing for someone else, that person's name").fill(
            "Gwen Example"
        )
        page.get_by_role("group", name="How the person telling us is related to them").get_by_label(
            "Relative"
        ).check()
        advocate = page.get_by_role(
            "group", name="Would they like help from an independent advocate?"
        )
        advocate.get_by_label("Yes: they would like help from an independent advocate").check()
        page.get_by_role("textbox", name="Name", exact=True).fill("Ffion Example")
        page.get_by_role("textbox", name="Phone", exact=True).fill("07700 900456")
        page.get_by_role("group", name="How they would like us to contact them").get_by_label(
            "By phone"
        ).check()
        page.get_by_role("button", name="Log feedback").click()
        arrive_and_check(page, "log-feedback-errors", SHOTS)
        summary = page.locator(".govuk-error-summary")
        assert "Select whether the person it is about agrees, or why they cannot" in (
            summary.inner_text()
        )
        assert page.get_by_role("textbox", name="Name", exact=True).input_value() == "Ffion Example"
        assert advocate.get_by_label(
            "Yes: they would like help from an independent advocate"
        ).is_checked()

        consent = page.get_by_role(
            "group",
            name="Does the person it is about agree to the feedback being given for them?",
        )
        consent.get_by_label("They cannot agree: they lack the mental capacity to decide").check()
        page.get_by_role("button", name="Log feedback").click()
        page.wait_for_url("**/staff/cases/*")
        arrive_and_check(page, "log-feedback-case", SHOTS)
        panel = page.get_by_role("region", name="Consent and advocacy")
        assert "lack the mental capacity" in panel.inner_text()
        assert "independent advocate" in panel.inner_text()
        browser.close()
