"""In a real browser: a complaint, a compliment and a PALS enquiry submitted by clicking and
typing, the reference read from the page, and axe run on every page on the way."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import sync_playwright

from tests.support.browser import launch_chromium, live_server, serious_violations

pytestmark = pytest.mark.browser
NOW = "Is the problem happening now, or about care you are still getting?"


@pytest.fixture
def browser_page(app):
    with live_server(app) as base_url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context(base_url=base_url, viewport={"width": 1024, "height": 800})
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on(
            "console",
            lambda message: errors.append(message.text) if message.type == "error" else None,
        )
        yield page, errors
        browser.close()


class Person:
    """Clicks and types as a person would, checking each page with axe on arrival."""

    def __init__(self, page):
        self.page = page
        self.checked: list[str] = []

    def arrive(self):
        self.page.wait_for_load_state("load")
        violations = serious_violations(self.page)
        assert violations == [], f"{self.page.url}: {violations}"
        self.checked.append(self.page.url)

    def go(self, path):
        self.page.goto(path)
        self.arrive()

    def click(self, name, role="button"):
        self.page.get_by_role(role, name=name).first.click()
        self.arrive()

    def choose(self, label, group=None):
        scope = self.page.get_by_role("group", name=group) if group else self.page
        scope.get_by_label(label, exact=True).check()

    def fill(self, label, text):
        self.page.get_by_label(label, exact=True).fill(text)

    def next(self):
        self.click("Continue")


def _check_and_send(person) -> str:
    assert person.page.get_by_role("heading", name="Check your answers before sending").is_visible()
    person.click("Send")
    reference = person.page.locator("[data-reference]").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", reference)
    return reference


def test_complaint_in_the_browser(browser_page, app_parts):
    page, errors = browser_page
    person = Person(page)
    person.go("/")
    person.click("Make a complaint", role="link")
    person.click("Start now")
    person.choose("No", group=NOW)
    person.choose("Yes, I spoke to the staff involved")
    person.next()
    person.choose("Home care")
    person.fill("Which ward, team or place (optional)", "Evening calls")
    person.next()
    person.fill("What happened?", "The carer did not arrive on Tuesday. Mam missed her tablets.")
    person.fill("Day", "14")
    person.fill("Month", "2")
    person.fill("Year", "2025")
    person.next()
    person.fill("What would you like to happen?", "Calls on time, and an apology.")
    person.next()
    person.choose("Someone else")
    person.next()
    person.fill("Their full name", "Gwenllian Parry")
    person.choose("Another relative")
    person.choose("Yes, they agree")
    person.next()
    person.choose("Yes, give my details")
    person.next()
    person.fill("Full name", "Dafydd Parry")
    person.choose("Email")
    person.next()
    person.fill("Email address", "dafydd.parry@example.com")
    person.next()
    person.choose("Large print")
    person.next()
    person.choose("No, thank you")
    person.next()
    reference = _check_and_send(person)
    assert app_parts.store.find(reference)["kind"] == "complaint"
    assert errors == []
    assert len(person.checked) >= 12


def test_error_summary_in_the_browser(browser_page):
    page, _errors = browser_page
    person = Person(page)
    person.go("/complaint/what-happened")
    person.next()
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert "Tell us what happened" in summary.inner_text()
    # GOV.UK Frontend's script moves focus to the summary so screen readers announce it.
    assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    summary.get_by_role("link", name="Tell us what happened").click()
    assert page.evaluate("document.activeElement.id") == "details"


def test_compliment_in_the_browser(browser_page, app_parts):
    page, errors = browser_page
    person = Person(page)
    person.go("/")
    person.click("Pay a compliment", role="link")
    person.click("Start now")
    person.choose("Community nursing")
    person.next()
    person.fill("Who would you like to thank?", "The district nurses")
    person.next()
    person.fill("Your message", "Diolch o galon. Kind, patient and always on time.")
    person.next()
    person.choose("No, I want to stay anonymous")
    person.next()
    reference = _check_and_send(person)
    stored = app_parts.store.find(reference)
    assert stored["kind"] == "compliment" and stored["anonymous"] == "true"
    assert errors == []


def test_pals_enquiry_in_the_browser(browser_page, app_parts):
    page, errors = browser_page
    person = Person(page)
    person.go("/")
    person.click("Ask PALS for help or advice", role="link")
    person.click("Start now")
    person.choose("Yes", group=NOW)
    person.choose("No", group="Have you already tried to sort it out?")
    person.next()
    assert page.get_by_role("heading", name="You may be able to sort this out quickly").is_visible()
    person.click("Continue", role="button")
    person.choose("I'm not sure")
    person.next()
    person.fill("What would you like help or advice with?", "How do I get a copy of my care plan?")
    person.next()
    person.choose("Me")
    person.next()
    person.fill("Full name", "Priya Ashdown")
    person.choose("Phone")
    person.next()
    person.fill("Phone number", "07700 900456")
    person.next()
    person.next()
    reference = _check_and_send(person)
    assert app_parts.store.find(reference)["kind"] == "enquiry"
    assert errors == []
