"""In a real browser at phone size, with axe on every page: the survey of a closed Welsh
easy-read complaint, reached from the link in its "closed" message: sent empty (the error
summary), answered, thanked; then the same link again, and a link that is not right."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from forms_app.questionnaires.store import Answers
from tests.support.browser import arrive_and_check, launch_chromium, live_server
from tests.support.walker import ANSWERS

from .conftest import CHOSEN, close, submit, survey_link

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots" / "survey"


def test_a_person_answers_the_welsh_easy_read_survey_on_a_phone(app, app_parts, client):
    SHOTS.mkdir(parents=True, exist_ok=True)
    sent = submit(client, "/cy/easy-read/complaint/", {**ANSWERS["complaint"]})
    close(app_parts, sent.reference)
    path = survey_link(app_parts, sent.reference)
    checked = []

    def arrive(page, name: str):
        arrive_and_check(page, name, str(SHOTS))
        checked.append(page.url)

    with live_server(app) as base_url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context(base_url=base_url, viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(path)
        arrive(page, "1-questions")
        assert page.locator("h1").inner_text() == "Dywedwch wrthym sut y gwnaethom"
        # The free-text box counts its characters in Welsh too (GOV.UK's own words are English).
        shown = page.locator("main").inner_text()
        assert "characters" not in shown and "nod" in shown, shown[-400:]
        page.get_by_role("button", name="Anfon").click()
        arrive(page, "2-errors")
        summary = page.locator(".govuk-error-summary")
        assert summary.count() == 1 and "Dewiswch ateb ar gyfer" in summary.inner_text()
        for question, choice in CHOSEN.items():
            page.locator(f"input[name='{question}'][value='{choice}']").check()
        page.locator("textarea[name='do_better']").fill("Ffoniwch yn ôl pan fyddwch yn dweud.")
        page.get_by_role("button", name="Anfon").click()
        arrive(page, "3-thanks")
        assert "Cawsom eich atebion" in page.content()
        page.goto(path)
        arrive(page, "4-already")
        assert page.locator("[data-survey-said=used]").count() == 1
        page.goto("/survey/" + "Z" * 32)
        arrive(page, "5-bad-link")
        assert page.locator("[data-survey-said=bad]").count() == 1
        browser.close()
    with Answers(app_parts.settings.data_dir) as answers:
        ((_month, kept),) = answers.responses("satisfaction")
    assert kept == {**CHOSEN, "do_better": "Ffoniwch yn ôl pan fyddwch yn dweud."}
    assert len(checked) == 5
