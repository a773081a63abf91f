"""In a real browser at phone size, with axe on every page: a Welsh easy-read complaint sent,
the equality questions followed from its confirmation page, sent empty (the error summary),
answered, thanked; then the offer followed again, which says it has been used."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from forms_app.questionnaires.store import Answers
from tests.support.browser import arrive_and_check, launch_chromium, live_server
from tests.support.walker import ANSWERS
from tests.tracking.conftest import submit

from .equality_steps import CHOSEN

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots" / "equality"


def test_a_person_answers_the_welsh_easy_read_equality_questions_on_a_phone(app, app_parts, client):
    SHOTS.mkdir(parents=True, exist_ok=True)
    checked = []

    def arrive(page, name: str):
        arrive_and_check(page, name, str(SHOTS))
        checked.append(page.url)

    with live_server(app) as base_url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context(base_url=base_url, viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.set_default_timeout(15_000)
        # Sending through the pages is the walker's work: the browser takes up its cookie.
        sent = submit(client, "/cy/easy-read/complaint/", {**ANSWERS["complaint"]})
        cookie = client.get_cookie("session")
        context.add_cookies([{"name": "session", "value": cookie.value, "url": base_url}])
        page.goto("/cy/easy-read/complaint/confirmation")
        arrive(page, "1-confirmation")
        assert page.locator("[data-equality-offer]").count() == 1
        link = page.locator("[data-equality-offer] a")
        assert link.get_attribute("href") == "/cy/easy-read/complaint/equality"
        page.get_by_role("link", name="Ateb y cwestiynau").click()
        arrive(page, "2-questions")
        assert page.locator("h1").inner_text() == "Helpwch ni i fod yn deg i bawb"
        page.get_by_role("button", name="Anfon", exact=True).click()
        arrive(page, "3-errors")
        summary = page.locator(".govuk-error-summary")
        assert summary.count() == 1 and "Dewiswch ateb ar gyfer" in summary.inner_text()
        for question, choice in CHOSEN.items():
            page.locator(f"input[name='{question}'][value='{choice}']").check()
        page.get_by_role("button", name="Anfon", exact=True).click()
        arrive(page, "4-thanks")
        assert "Cawsom eich atebion" in page.content()
        page.goto("/cy/easy-read/complaint/equality")
        arrive(page, "5-used")
        assert page.locator("[data-equality-said=bad]").count() == 1
        browser.close()
    assert sent.reference
    with Answers(app_parts.settings.data_dir) as answers:
        ((_month, kept),) = answers.responses("equality")
    assert kept == CHOSEN
    assert len(checked) == 5
