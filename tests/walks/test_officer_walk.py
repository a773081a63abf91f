"""The officer's day, end to end in one real Chromium with axe on every page: a person makes a
complaint on the public form for their father, who agreed to it and would like an advocate; a
manager finds it from the search box by surname and by reference, reads consent and the
advocate request at the top of the case and the advocate task on the aide-memoire, asks an
investigating manager without an account for a statement through an emailed link, reads the
answer on the case, produces the acknowledgement letter and emails it (which records the
acknowledgement), then makes, previews and publishes the quarterly report.

One server (the app over real HTTP in a thread), with email going to a loopback SMTP server
that keeps what it is sent; the report's data set and site are in the test's own folder.

Set WALK_SCREENSHOTS=/some/dir (for example build/screenshots/officer-walk) to keep a
screenshot of every page, numbered in the order they were seen.
"""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect, sync_playwright

from forms_app.web.parts import EXTENSION
from tests.requests.conftest import inbox as requests_inbox
from tests.requests.conftest import link_in
from tests.support.browser import (
    arrive_and_check,
    launch_chromium,
    live_server,
    staff_sign_in,
    walk_in_browser,
)
from tests.support.message_worker import deliver
from tests.support.report_pages import PUBLISHER, QUARTER, report_app
from tests.support.staff import PASSWORD, make_people
from tests.support.walker import COMPLAINT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: The request tests' loopback SMTP server, keeping every message it is sent (a fixture).
inbox = requests_inbox
SHOTS = os.environ.get("WALK_SCREENSHOTS")
WRITER_EMAIL = "ceridwen.pughe@example.com"
INVESTIGATOR = "idris.manager@trust.example.org"
# The person's answers on the public form (synthetic): written for their father, who agreed,
# and asking for an advocate.
ANSWERS = {
    **COMPLAINT,
    "details": "The evening carer did not come on Tuesday.\nDad missed his tea and tablets.",
    "on_behalf": "someone_else",
    "subject_name": "Emrys Pughe",
    "relationship": "relative",
    "consent": "agreed",
    "name": "Ceridwen Pughe",
    "email": WRITER_EMAIL,
    "preferred_contact": "email",
    "phone": "07700 900318",
    "advocate": "yes",
}


@pytest.fixture
def private_umask():
    """As in production, where the server makes every file private: the jobs inherit it."""
    before = os.umask(0o077)
    yield
    os.umask(before)


@pytest.fixture
def officer_app(tmp_path, monkeypatch, inbox, private_umask):
    """The app over the report tests' data set (cases in 2025-26), its site and report
    folders in the test's folder, email and the message outbox sent to ``inbox``."""
    email = {
        "host": "127.0.0.1",
        "port": inbox.port,
        "tls": "none",
        "from": "casework@riverside.example.org",
    }
    app, _data = report_app(
        tmp_path, monkeypatch, settings_changes={"email": email, "messages": {"provider": "smtp"}}
    )
    parts = app.extensions[EXTENSION]
    inbox.deliver = lambda: deliver(parts)
    return app, parts


def _acknowledged(app, parts, ref):
    """When the stored case says it was acknowledged (None if not)."""
    with app.app_context():
        from forms_app.web.parts import case_index

        cases = case_index()
        cases.refresh()
        return cases.get(ref).current.acknowledged


def test_an_officers_day_from_search_to_the_published_quarterly_report(
    officer_app, inbox, tmp_path
):
    app, parts = officer_app
    secrets = make_people(parts.settings.data_dir, PUBLISHER)
    (username,) = PUBLISHER
    seen: list[str] = []

    def arrive(page, shot: str) -> None:
        """axe on the page, and its screenshot (numbered) when asked for."""
        seen.append(page.url)
        arrive_and_check(page, f"{len(seen):02d}-{shot}", SHOTS)

    with live_server(app) as base_url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)

        # The person's complaint, on the public form.
        person = browser.new_context(base_url=base_url, viewport={"width": 1024, "height": 800})
        public = person.new_page()
        public.set_default_timeout(20_000)
        ref = walk_in_browser(
            public, "/complaint/", ANSWERS, check=lambda page: arrive(page, "public")
        )
        person.close()

        staff = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
        page = staff.new_page()
        page.set_default_timeout(20_000)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        staff_sign_in(page, username, secrets[username], PASSWORD)
        arrive(page, "home")

        # Search: by the reference, then by the surname from the home page's box.
        page.get_by_label("Find a case").fill(ref.lower())
        page.get_by_role("button", name="Search").click()
        page.wait_for_url("**/staff/search?q=*")
        arrive(page, "search-reference")
        expect(page.locator("tbody a.govuk-link")).to_have_text([ref])
        page.get_by_label("Reference, name, email, phone, postcode or words they wrote").fill(
            "Pughe"
        )
        page.get_by_role("button", name="Search").click()
        page.wait_for_url("**/staff/search?q=Pughe")
        arrive(page, "search-surname")
        expect(page.locator("tbody a.govuk-link")).to_have_text([ref])
        page.get_by_role("link", name=ref).click()

        # The case: consent and the advocate request at the top, the task on the aide-memoire.
        page.wait_for_url(f"**/staff/cases/{ref}")
        arrive(page, "case")
        panel = page.get_by_role("region", name="Consent and advocacy")
        expect(panel).to_be_visible()
        expect(panel).to_contain_text("Written for someone else: Emrys Pughe")
        expect(panel).to_contain_text("The person writing is their relative.")
        expect(panel).to_contain_text(
            "Their consent: Yes: they agree to the complaint being made for them."
        )
        expect(panel).to_contain_text(
            "Advocate: Yes: they would like help from an independent advocate."
        )
        expect(panel).to_contain_text("Task Offer an independent advocacy service")
        aide = page.locator("h2", has_text="Aide-memoire").locator("xpath=following-sibling::ul")
        expect(aide.locator("li").first).to_have_text(re.compile(r"To do\s+Independent advocate"))
        assert _acknowledged(app, parts, ref) is None
        expect(page.get_by_role("link", name="Record the acknowledgement")).to_be_visible()

        # A request to an investigating manager without an account, through an emailed link.
        page.get_by_role(
            "link", name="Ask someone for a statement, information or a draft response"
        ).click()
        arrive(page, "ask")
        page.get_by_label("An investigating manager without an account").check()
        page.get_by_label("Their name").fill("Idris Manager")
        page.get_by_label("Their work email address").fill(INVESTIGATOR)
        page.get_by_label("A statement").check()
        page.get_by_label("What do you need from them?").fill(
            "Please send a statement about the missed evening visit."
        )
        page.get_by_label("Working days to answer").fill("5")
        page.get_by_label("The person's account of their feedback only").check()
        page.get_by_role("button", name="Send the request").click()
        page.wait_for_url(f"**/staff/cases/{ref}#requests")
        arrive(page, "case-asked")
        expect(page.get_by_text("Request sent to Idris Manager")).to_be_visible()

        (body,) = inbox.to(INVESTIGATOR)
        investigator = browser.new_context(base_url=base_url).new_page()
        investigator.set_default_timeout(20_000)
        investigator.goto(link_in(body))
        arrive(investigator, "respond")
        shown = investigator.locator("main").inner_text()
        assert "Dad missed his tea and tablets." in shown
        assert "Ceridwen Pughe" not in shown and WRITER_EMAIL not in shown
        investigator.get_by_label("Your answer").fill(
            "The carer was sent to an emergency call and nobody told the office."
        )
        investigator.get_by_role("button", name="Send your answer").click()
        arrive(investigator, "respond-done")
        expect(investigator.get_by_text("Your answer has been sent")).to_be_visible()
        investigator.context.close()

        page.goto(f"/staff/cases/{ref}")
        arrive(page, "case-answered")
        asked = page.locator("table[data-requests]")
        expect(asked).to_contain_text("Idris Manager")
        expect(asked).to_contain_text("Answered")
        expect(asked).to_contain_text("sent to an emergency call and nobody told the office")

        # The acknowledgement letter, produced and emailed: that records the acknowledgement.
        page.get_by_role("link", name="Write a letter").click()
        arrive(page, "letters")
        page.get_by_role("link", name="Acknowledgement of a complaint").click()
        arrive(page, "letter-new")
        page.get_by_role("button", name="Produce letter").click()
        arrive(page, "letter")
        expect(page.get_by_text("Sending it records the acknowledgement as today.")).to_be_visible()
        page.get_by_role("button", name=f"Email this letter to {WRITER_EMAIL}").click()
        arrive(page, "letter-sent")
        expect(page.get_by_text("The acknowledgement is recorded as sent today.")).to_be_visible()
        letters = [text for text in inbox.to(WRITER_EMAIL) if f"({ref})" in text]
        assert any("Acknowledgement" in text for text in letters), inbox.to(WRITER_EMAIL)
        assert _acknowledged(app, parts, ref) is not None
        page.goto(f"/staff/cases/{ref}")
        arrive(page, "case-acknowledged")
        expect(page.get_by_role("link", name="Record the acknowledgement")).to_have_count(0)
        expect(page.get_by_text(re.compile(r"\(done \d{1,2} \w+ \d{4}\)"))).to_be_visible()

        # The quarterly report: made, previewed and published from the browser.
        page.get_by_role("link", name="Reports", exact=True).click()
        page.wait_for_url("**/staff/reports")
        arrive(page, "reports")
        page.get_by_label("Another quarter or year").check()
        page.get_by_label("If another, which quarter or year").fill(QUARTER)
        page.get_by_role("button", name="Make the report").click()
        page.wait_for_url("**/staff/reports/jobs/*")
        if "/preview" not in page.url:  # the progress page, reloading itself
            arrive(page, "report-progress")
        page.wait_for_url("**/preview", timeout=240_000)
        arrive(page, "report-preview")
        expect(page.locator("#gate-passed")).to_be_visible()
        page.get_by_role("button", name="Publish").click()
        page.wait_for_url("**/staff/reports/jobs/*")
        page.locator("#published, #failure").first.wait_for(timeout=600_000)
        failure = page.locator("#failure")
        assert failure.count() == 0, failure.inner_text()
        arrive(page, "report-published")
        assert errors == []
        browser.close()

    assert list((tmp_path / "built" / "outcomes").rglob("2025-26-q1*"))
    assert len(seen) >= 25, seen
