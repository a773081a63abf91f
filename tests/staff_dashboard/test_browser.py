"""In a real browser at desktop size: an officer-manager signs in, reads the figures on the home
page, opens the week view, ticks three compliments in the inbox and closes them, with one
complaint ticked too and refused; axe finds no serious or critical problem on the home page,
the week view, the inbox with its checkboxes, the bulk form shown again, or the result page.

Set STAFF_SCREENSHOTS=/some/dir to keep screenshots of each page.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import sync_playwright

from forms_app.accounts import UserBook
from tests.support.browser import arrive_and_check, launch_chromium, live_server, staff_sign_in
from tests.support.staff import PASSWORD, add_events, submit

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("STAFF_SCREENSHOTS")


def _check(page, shot: str) -> None:
    arrive_and_check(page, shot, SHOTS)


def test_figures_week_view_and_a_bulk_close_in_the_browser(app, app_parts):
    mina = UserBook(app_parts.settings.data_dir).add(
        "mina", name="Mina Manager", password=PASSWORD, roles=["manager"]
    )
    long_ago = datetime.now(UTC) - timedelta(days=20)
    compliments = [submit(app_parts, kind="compliment") for _ in range(3)]
    complaint = submit(app_parts, received=long_ago)
    other = submit(app_parts, service="mental-health", received=long_ago)
    add_events(app_parts, other, "mina", ("assigned", {"stage": "stage1", "value": "mina"}))

    with live_server(app) as base_url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        staff_sign_in(page, "mina", mina.totp_secret, PASSWORD)
        _check(page, "dashboard-home")
        table = page.locator("[data-workload]")
        assert table.locator('[data-figure="new"] [data-all]').inner_text().startswith("4")
        assert table.locator('[data-figure="overdue"] [data-all]').inner_text().startswith("2")

        page.get_by_role("link", name="The same figures for each service").click()
        page.wait_for_url("**/staff/week")
        _check(page, "dashboard-week")
        row = page.locator('[data-service="mental-health"]')
        assert row.locator('[data-figure="overdue"]').inner_text().startswith("1")

        page.goto("/staff/inbox")
        _check(page, "dashboard-inbox-bulk")
        # Assign with nobody chosen: the choice is shown again with the case still ticked.
        page.get_by_label(f"Select {compliments[0]}").check()
        page.get_by_label("Assign to a member of staff").check()
        page.get_by_role("button", name="Apply to selected cases").click()
        page.wait_for_url("**/staff/bulk")
        _check(page, "dashboard-bulk-again")
        assert page.get_by_label(f"Select {compliments[0]}").is_checked()
        assert page.get_by_text("Choose the person to assign the cases to").first.is_visible()

        page.goto("/staff/inbox")
        for ref in [*compliments, complaint]:
            page.get_by_label(f"Select {ref}").check()
        page.get_by_label("Close compliments and comments").check()
        page.get_by_role("button", name="Apply to selected cases").click()
        page.wait_for_url("**/staff/bulk")
        _check(page, "dashboard-bulk-result")
        summary = page.locator("[data-bulk-summary]").inner_text()
        assert "3 closed; 1 refused" in summary
        refused = page.locator(f'[data-ref="{complaint}"]').inner_text()
        assert "is a complaint and cannot be closed this way" in refused
        browser.close()
