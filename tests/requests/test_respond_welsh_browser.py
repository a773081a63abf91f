"""In a real browser, with axe on every page: an investigating manager opens the link for a
Welsh case, sees the page in Welsh, starts an answer, switches to English (the answer typed so
far comes with them), sends nothing empty, and sends the answer.

Set REQUESTS_SCREENSHOTS=/some/dir to keep screenshots of the pages."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import sync_playwright

from tests.support.browser import arrive_and_check, launch_chromium, live_server
from tests.support.staff import add_events, submit

from .conftest import ask

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("REQUESTS_SCREENSHOTS")
MANAGER = "eleri.rheolwr@trust.example.org"


def test_the_welsh_answer_page_and_its_language_switch_in_a_browser(world):
    ref = submit(
        world.parts,
        language="cy",
        details="Ni ddaeth y gofalwr nos Sul.",
        happened_on="2026-03-14",
    )
    add_events(world.parts, ref, "olive", ("assigned", {"value": "olive"}))
    asked = ask(
        world.client("olive"),
        ref,
        who="link",
        name="Eleri Rheolwr",
        email=MANAGER,
        question="Anfonwch ddatganiad, os gwelwch yn dda.",
    )
    assert asked.status_code == 303
    (body,) = world.inbox.to(MANAGER)
    link = re.search(r"https?://[^\s/]+(/cy/respond/[A-Za-z0-9_-]+)", body).group(1)
    with live_server(world.app) as base_url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(link)
        arrive_and_check(page, "respond-cy", SHOTS)
        assert page.get_by_role("heading", level=1).inner_text() == "Ateb cais"

        page.get_by_role("button", name="Anfon eich ateb").click()
        arrive_and_check(page, "respond-cy-error", SHOTS)
        assert (
            "Rhowch eich ateb, neu ychwanegwch ffeil"
            in page.locator(".govuk-error-summary").inner_text()
        )

        page.get_by_label("Eich ateb").fill("Roedd y gofalwr yn sâl.")
        page.get_by_role("button", name="English").click()
        arrive_and_check(page, "respond-en-switched", SHOTS)
        assert page.get_by_role("heading", level=1).inner_text() == "Answer a request"
        assert page.get_by_label("Your answer").input_value() == "Roedd y gofalwr yn sâl."

        page.get_by_role("button", name="Send your answer").click()
        arrive_and_check(page, "respond-en-done", SHOTS)
        assert "Your answer has been sent" in page.content()
        browser.close()
