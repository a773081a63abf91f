"""In a real browser: a complaint made on the public form by a member of the public, then
worked from the inbox to closure at Stage 2 by a staff member who signs in with a password
and a one-time code (computed here with pyotp, as their phone would), with axe checking every
staff page on the way: 0 serious or critical violations.

Set STAFF_SCREENSHOTS=/some/dir to keep screenshots of the main pages at 1280 and 390 wide.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import sync_playwright

from forms_app.accounts import UserBook
from tests.support.browser import (
    launch_chromium,
    live_server,
    serious_violations,
    walk_in_browser,
)
from tests.support.staff import PASSWORD
from tests.support.walker import COMPLAINT

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("STAFF_SCREENSHOTS")


class Staff:
    """Clicks and types as a staff member would; axe runs on every page they arrive at."""

    def __init__(self, page):
        self.page = page
        self.checked: set[str] = set()

    def arrive(self, shot: str | None = None):
        self.page.wait_for_load_state("load")
        violations = serious_violations(self.page)
        assert violations == [], f"{self.page.url}: {violations}"
        self.checked.add(self.page.url.split("?")[0])
        if SHOTS and shot:
            for width in (1280, 390):
                self.page.set_viewport_size({"width": width, "height": 900})
                self.page.screenshot(path=str(Path(SHOTS) / f"{shot}-{width}.png"), full_page=True)
            self.page.set_viewport_size({"width": 1280, "height": 900})

    def go(self, path, shot=None):
        self.page.goto(path)
        self.arrive(shot)

    def link(self, name, shot=None):
        self.page.get_by_role("link", name=name, exact=True).first.click()
        self.arrive(shot)

    def button(self, name, shot=None):
        self.page.get_by_role("button", name=name, exact=True).first.click()
        self.arrive(shot)

    def fill(self, label, text):
        self.page.get_by_label(label, exact=True).fill(text)

    def choose(self, label, group=None):
        scope = self.page.get_by_role("group", name=group) if group else self.page
        scope.get_by_label(label, exact=True).check()

    def date(self, group, day: date):
        scope = self.page.get_by_role("group", name=group)
        scope.get_by_label("Day").fill(str(day.day))
        scope.get_by_label("Month").fill(str(day.month))
        scope.get_by_label("Year").fill(str(day.year))

    def action(self, title, shot=None):
        self.link(title, shot)
        assert self.page.get_by_role("heading", level=1, name=title).is_visible()

    def done(self, title):
        assert self.page.get_by_text(f"{title}: done.").is_visible(), self.page.content()[:2000]


def test_a_complaint_from_inbox_to_closure_at_stage_2(app, app_parts):
    book = UserBook(app_parts.settings.data_dir)
    everything = ["officer", "manager", "safeguarding_lead", "publisher", "admin"]
    bea = book.add(
        "bea",
        name="Bea Caseworker",
        password=PASSWORD,
        roles=everything,
        services=list(app_parts.service_codes),
        email="bea@staff.example.org",
    )
    book.add("dai", name="Dai Director", password=PASSWORD, roles=["manager"])
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)

    with live_server(app) as base_url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context(
            base_url=base_url, viewport={"width": 1280, "height": 900}, accept_downloads=True
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        staff = Staff(page)

        # A member of the public makes the complaint in their own browser (no staff cookie).
        public = browser.new_context(base_url=base_url)
        ref = walk_in_browser(public.new_page(), "/complaint/", COMPLAINT)
        public.close()
        assert app_parts.store.find(ref)["service"] == "home-care"

        # Sign in: password, then the code from the authenticator app.
        staff.go("/staff/cases", shot="sign-in")
        assert "/staff/sign-in" in page.url
        staff.fill("Username", "bea")
        staff.fill("Password", PASSWORD)
        staff.button("Continue", shot="sign-in-code")
        staff.fill("Enter your security code", pyotp.TOTP(bea.totp_secret).now())
        staff.button("Sign in")
        assert page.url.endswith("/staff/cases")  # back where they were going

        # Inbox and triage.
        staff.link("Inbox", shot="inbox")
        staff.link(ref, shot="case-new")
        staff.action("Triage", shot="triage")
        staff.choose("Complaint", group="Kind of feedback")
        page.get_by_label("Service", exact=True).select_option("home-care")
        staff.choose("Waiting times and delays", group="Themes")
        staff.choose("Communication", group="Themes")
        page.get_by_label("Owner", exact=True).select_option("bea")
        page.get_by_label(
            "The owner is not a person the feedback is about, and is not "
            "investigating their own practice"
        ).check()
        staff.button("Save triage")
        staff.done("Triage")

        # Acknowledge, and the acknowledgement letter as a PDF.
        staff.action("Record the acknowledgement")
        staff.button("Record acknowledgement")
        staff.done("Record the acknowledgement")
        staff.link("Write a letter", shot="letters")
        staff.link("Acknowledgement of a complaint", shot="letter-draft")
        assert (
            "Bea Caseworker will investigate your complaint"
            in page.get_by_label("Letter").input_value()
        )
        staff.button("Produce letter", shot="letter")
        with page.expect_download() as download_info:
            page.get_by_role("link", name="Download PDF").click()
        pdf = Path(download_info.value.path()).read_bytes()
        assert pdf.startswith(b"%PDF-") and len(pdf) > 5_000
        staff.link("Back to the case")

        # Log a contact, agree an extension (a holding letter), record the outcome.
        staff.action("Log a contact")
        staff.choose("Phone", group="How was the contact made")
        staff.fill(
            "What was said or agreed",
            "Spoke to Dafydd: his mother wants an apology and a new rota.",
        )
        staff.button("Log contact")
        staff.action("Agree an extension", shot="extend")
        staff.date("New response date", date.today() + timedelta(days=40))
        staff.fill("Reason for the extension", "We are waiting for the rota records.")
        staff.button("Agree extension")
        staff.done("Agree an extension")
        staff.action("Record the outcome", shot="outcome")
        staff.choose("Not upheld", group="Outcome")
        staff.fill("What was found", "The visits were on time on the days we checked.")
        staff.fill("Underlying cause", "The rota was not shared with the family.")
        staff.fill("Remedy and action taken", "We now send the rota every Friday.")
        staff.button("Record outcome")
        staff.action("Sign off the response")
        page.get_by_label(
            "I am satisfied the investigation is complete and the response "
            "addresses all aspects of the complaint"
        ).check()
        staff.button("Sign off")
        staff.link("Write a letter")
        staff.link("Response at the end of a stage")
        staff.button("Produce letter")
        staff.link("Back to the case")
        staff.action("Close the case")
        staff.button("Close case")
        staff.done("Close the case")

        # The person escalates: Stage 2 with another handler, then closed at Stage 2.
        staff.action("Escalate to the next stage", shot="escalate")
        staff.choose("Stage 2", group="Escalate to")
        page.get_by_label("Owner at the new stage").select_option("dai")
        staff.fill("Why the person is not satisfied", "She does not accept the visit times.")
        staff.button("Escalate")
        staff.action("Record the acknowledgement")
        staff.button("Record acknowledgement")
        staff.action("Record the outcome")
        staff.choose("Partially upheld", group="Outcome")
        staff.fill("What was found", "Two visits were late in March.")
        staff.fill("Underlying cause", "Staff sickness was not covered.")
        staff.fill("Remedy and action taken", "An apology and a cover rota.")
        staff.button("Record outcome")
        staff.action("Sign off the response")
        page.get_by_label(
            "I am satisfied the investigation is complete and the response "
            "addresses all aspects of the complaint"
        ).check()
        staff.button("Sign off")
        staff.action("Add a learning action")
        staff.fill("Action", "Cover rota for staff sickness")
        staff.fill("Owner (person or team)", "Home care manager")
        staff.date("Target date", date.today() + timedelta(days=30))
        staff.button("Add action")
        staff.action("Close the case")
        staff.button("Close case", shot="case-closed")

        timeline = page.locator("#timeline + ol").inner_text()
        for step in (
            "Owner assigned",
            "Theme added",
            "Acknowledged",
            "Letter produced",
            "Contact logged",
            "Extension agreed",
            "Outcome recorded",
            "Underlying cause recorded",
            "Remedy recorded",
            "Response signed off",
            "Closed",
            "Stage started: Stage 2",
            "Learning action added",
        ):
            assert step in timeline, step
        assert page.get_by_text("Closed · Stage 2").is_visible()

        # Every other staff page, checked by axe.
        for name, shot in (
            ("Cases", "cases"),
            ("Weekly view", "weekly"),
            ("Learning actions", "actions"),
            ("Log feedback", "log"),
            ("Publication", "publication"),
            ("Accounts", "accounts"),
            ("Audit log", "audit"),
            ("Home", "home"),
        ):
            staff.link(name, shot=shot)
        staff.go(f"/staff/publication/{ref}")
        staff.go("/staff/cases?status=overdue&sort=owner")
        staff.button("Sign out")
        assert "/staff/signed-out" in page.url
        browser.close()
    assert errors == []
    assert len(staff.checked) >= 20
    events = [e for e in app_parts.store.rows("events") if e["ref"] == ref]
    assert {e["actor"] for e in events} == {"bea"}
    assert [e["stage"] for e in events if e["type"] == "closed"] == ["stage1", "stage2"]
