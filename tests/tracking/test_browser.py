"""In a real browser at phone size, with axe on every page: a complaint with an email address,
its acknowledgement and code read from the Notify stand-in, the case tracked with the code, a
reply, and (after staff respond, through casework) a request for Stage 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from forms_app.casework import transitions as t
from tests.support.browser import arrive_and_check, launch_chromium, live_server
from tests.support.walker import ANSWERS

from .conftest import case_of, code_from_standin, messages, send_all, staff_do

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots" / "tracking"


def test_a_person_tracks_replies_and_asks_for_stage_2_on_a_phone(app, app_parts, notify):
    SHOTS.mkdir(parents=True, exist_ok=True)
    checked = []

    def arrive(page, name: str | None = None):
        arrive_and_check(page, name or "", str(SHOTS) if name else None)
        checked.append(page.url)

    with live_server(app) as base_url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context(base_url=base_url, viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.set_default_timeout(15_000)
        from tests.support.browser import walk_in_browser

        reference = walk_in_browser(page, "/complaint/", ANSWERS["complaint"], check=arrive)
        send_all(app_parts, notify)
        (ack,) = [m for m in messages(app_parts, reference) if m.type == "acknowledgement"]
        (kept,) = notify.catcher.standin.by_reference(ack.id)
        assert reference in kept["body"]

        page.goto("/track")
        arrive(page, "1-track")
        page.get_by_label("Reference number").fill(reference.lower())
        page.get_by_role("button", name="Continue").click()
        arrive(page, "2-code")
        page.get_by_label("Code or tracking secret").fill(
            code_from_standin(app_parts, notify, reference)
        )
        page.get_by_role("button", name="Continue").click()
        arrive(page, "3-case")
        assert reference in page.locator("[data-reference]").inner_text()

        page.get_by_label("Your message").fill("Mam still has no evening visit.")
        page.get_by_role("button", name="Send message").click()
        arrive(page, "4-replied")
        assert "We have received your message" in page.content()

        staff_do(app_parts, reference, t.record_outcome, "not_upheld", findings="On time.")
        page.reload()
        arrive(page)
        page.get_by_label("Why are you not happy with our response?").fill(
            "Nobody spoke to the carer."
        )
        page.get_by_role("button", name="Ask for Stage 2").click()
        arrive(page, "5-asked")
        assert "We have received your request for Stage 2" in page.content()
        browser.close()
    assert case_of(app_parts, reference).stage == "stage2"
    assert len(checked) >= 8
