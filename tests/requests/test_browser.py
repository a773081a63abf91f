"""In a real browser, with axe on every page: a manager asks an investigating manager without
an account for a statement, sharing the person's account and one file; the investigating
manager opens the emailed link, answers with a file, and the answer shows on the case page.

Set REQUESTS_SCREENSHOTS=/some/dir to keep screenshots of the pages."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import sync_playwright

from tests.support.browser import arrive_and_check, launch_chromium, live_server, staff_sign_in
from tests.support.staff import PASSWORD

from .conftest import DETAILS, PERSON_EMAIL, PERSON_NAME, link_in

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("REQUESTS_SCREENSHOTS")
MANAGER = "idris.manager@trust.example.org"


def _arrive(page, shot: str) -> None:
    arrive_and_check(page, shot, SHOTS)


def test_asking_through_a_link_and_answering_in_a_browser(world, tmp_path):
    rota = tmp_path / "rota.txt"
    rota.write_text("Rota for 3 March: two carers, one off sick.\n")
    with live_server(world.app) as base_url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))

        staff_sign_in(page, "mina", world.secrets["mina"], PASSWORD)

        page.goto(f"/staff/cases/{world.ref}")
        _arrive(page, "case-before")
        page.get_by_role(
            "link", name="Ask someone for a statement, information or a draft response"
        ).click()
        _arrive(page, "ask")
        page.get_by_label("An investigating manager without an account").check()
        page.get_by_label("Their name").fill("Idris Manager")
        page.get_by_label("Their work email address").fill(MANAGER)
        page.get_by_label("A statement").check()
        page.get_by_label("What do you need from them?").fill(
            "Please send a statement about the evening visit."
        )
        page.get_by_label("Working days to answer").fill("5")
        page.get_by_label("The person's account and the files chosen").check()
        page.get_by_label("visit-log.txt").check()
        _arrive(page, "ask-filled")
        page.get_by_role("button", name="Send the request").click()
        _arrive(page, "case-asked")
        assert "Request sent to Idris Manager" in page.content()

        (body,) = world.inbox.to(MANAGER)
        manager = browser.new_context(base_url=base_url).new_page()
        manager.goto(link_in(body))
        _arrive(manager, "respond")
        content = manager.content()
        assert DETAILS in content and "visit-log.txt" in content
        assert PERSON_NAME not in content and PERSON_EMAIL not in content
        manager.get_by_label("Your answer").fill("The carer before was held up by an emergency.")
        manager.get_by_label("Add files").set_input_files(str(rota))
        manager.get_by_role("button", name="Send your answer").click()
        _arrive(manager, "respond-done")
        assert "Your answer has been sent" in manager.content()

        page.goto(f"/staff/cases/{world.ref}")
        _arrive(page, "case-answered")
        assert "held up by an emergency" in page.content()
        assert "rota.txt" in page.content()
        page.goto("/staff/")
        _arrive(page, "home")
        page.goto("/staff/requests")
        _arrive(page, "requests")
        assert errors == []
        browser.close()
