"""The whole conversation with a person, end to end, in a real Chromium at phone size with axe
on every page: an easy-read Welsh complaint with a photo, its acknowledgement read from what the
Notify stand-in received, the case tracked with the code sent, a reply, staff acknowledging and
answering it on their own pages, and the person asking for Stage 2 and hearing back.

Everything runs as it does for real: the app under gunicorn, the message worker in its own
process sending over HTTP, clamd scanning the photo. No Welsh page may show an English sentence
(``welsh.english_on``).

Set WALK_SCREENSHOTS=/some/dir to keep a screenshot of every page.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import sync_playwright

from forms_app.language.welsh import STAGE_NAMES_CY
from forms_app.messages.wording import template
from forms_app.organisation.settings import EXAMPLE_SETTINGS, load_settings
from forms_app.procedures.profiles import load_procedure
from forms_app.tracking.words import words
from tests.evidence import samples
from tests.support.browser import launch_chromium, serious_violations, walk_in_browser
from tests.support.staff import PASSWORD
from tests.support.walker import COMPLAINT

from .welsh import english_on

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("WALK_SCREENSHOTS")
PHONE = {"width": 375, "height": 667}
EMAIL = "eirlys.morgan@example.com"
# The person's answers, typed in Welsh (synthetic).
ANSWERS = {
    **COMPLAINT,
    "service_detail": "Galwadau nos, Heol y Felin",
    "details": "Ni ddaeth y gofalwr nos Fawrth.\nCollodd Mam ei the a'i moddion.",
    "outcome_wanted": "Esboniad, a galwadau sy'n cyrraedd ar amser.",
    "subject_name": "Gwenllian Morgan",
    "name": "Eirlys Morgan",
    "email": EMAIL,
    "preferred_contact": "email",
}
WELSH_MONTHS = [
    "Ionawr",
    "Chwefror",
    "Mawrth",
    "Ebrill",
    "Mai",
    "Mehefin",
    "Gorffennaf",
    "Awst",
    "Medi",
    "Hydref",
    "Tachwedd",
    "Rhagfyr",
]
WELSH_DATE = re.compile(r"(\d{1,2}) (" + "|".join(WELSH_MONTHS) + r") (\d{4})")
CODE = re.compile(r"\b(\d{6})\b")


def dates_in(text: str) -> list[date]:
    return [
        date(int(year), WELSH_MONTHS.index(month) + 1, int(day))
        for day, month, year in WELSH_DATE.findall(text)
    ]


def subject(message_type: str, **values) -> str:
    """The subject of a Welsh easy-read message, filled in."""
    text = template(message_type, "cy", "easy-read")["subject"]
    for name, value in values.items():
        text = text.replace(f"(({name}))", value)
    return text


def test_a_welsh_easy_read_complaint_is_tracked_answered_and_taken_to_stage_2(world, tmp_path):
    said = words("cy", "easy-read")
    photo = tmp_path / "ffenest-yr-ystafell.jpg"
    photo.write_bytes(samples.jpeg((320, 240)))
    visited: list[str] = []
    seen = {"files": False}

    def arrive(page, welsh: bool = True) -> str:
        """axe, and (for the person's pages) no English; returns the page's visible text."""
        page.wait_for_load_state("load")
        violations = serious_violations(page)
        assert violations == [], f"{page.url}: {violations}"
        text = page.locator("body").inner_text()
        if welsh:
            assert page.locator("html").get_attribute("lang") == "cy", page.url
            english = english_on(text, page.content())
            assert english == [], f"{page.url} shows English: {english}"
        visited.append(page.url)
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{SHOTS}/{len(visited):02d}.png", full_page=True)
        return text

    def on_each_page(page):
        arrive(page)
        if page.url.endswith("/add-files") and not seen["files"]:
            seen["files"] = True
            page.set_input_files("#files", str(photo))
            page.locator('button[name="action"][value="upload"]').click()
            text = arrive(page)
            assert photo.name in text
            page.locator('button[name="action"][value="continue"]').click()
            arrive(page)

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        person = browser.new_context(base_url=world.url, viewport=PHONE, is_mobile=True)
        page = person.new_page()
        page.set_default_timeout(20_000)

        # The complaint, in Welsh easy read, with a photo added on the file page.
        reference = walk_in_browser(page, "/cy/easy-read/complaint/", ANSWERS, check=on_each_page)
        assert seen["files"], "the journey never offered the file page"
        confirmation = page.locator("main").inner_text()
        respond_by = dates_in(confirmation)[-1]

        # The acknowledgement: in Welsh easy read, naming the reference and the date.
        ack = world.message_to(
            EMAIL, lambda m: m["subject"] == subject("acknowledgement", reference=reference)
        )
        assert reference in ack["body"]
        assert "Rydym wedi cael eich neges" in ack["body"]
        assert english_on(ack["body"]) == []
        assert respond_by in dates_in(ack["body"])
        calendar = load_procedure(load_settings(EXAMPLE_SETTINGS).procedure).calendar()
        assert calendar.is_working_day(respond_by), respond_by

        # Tracking: ask for a code, read it from the next message, enter it.
        page.goto("/cy/easy-read/track")
        arrive(page)
        page.fill("#reference", reference.lower())
        page.locator("main form button.govuk-button").click()
        arrive(page)
        code_message = world.message_to(EMAIL, lambda m: m["subject"].startswith("Eich cod: "))
        code = CODE.search(code_message["body"]).group(1)
        assert reference in code_message["body"]
        page.fill("#code", code)
        page.locator("main form button.govuk-button").click()
        text = arrive(page)
        assert page.url.endswith("/cy/easy-read/track/case")
        assert reference in page.locator("[data-reference]").inner_text()
        assert said["status_waiting"] in text
        assert photo.name in page.locator("[data-files-sent]").inner_text()

        # A scanned letter found later, added from the tracking page.
        letter = tmp_path / "llythyr-y-meddyg.pdf"
        letter.write_bytes(samples.pdf())
        page.set_input_files("#files", str(letter))
        page.locator('form[action$="/track/files"] button').click()
        text = arrive(page)
        assert said["files_added"] in text, text[:600]
        assert letter.name in page.locator("[data-files-sent]").inner_text()

        # A reply.
        reply = "Mae Mam dal heb ymweliad nos. Diolch."
        page.fill("#message", reply)
        page.locator('form[action$="/track/reply"] button').click()
        text = arrive(page)
        assert said["reply_sent"] in text and reply in text

        # Staff, on their own pages: they see the reply and the photo, acknowledge and answer.
        staff = browser.new_context(base_url=world.url, viewport={"width": 1024, "height": 800})
        desk = staff.new_page()
        desk.set_default_timeout(20_000)
        desk.goto(f"/staff/cases/{reference}")
        desk.get_by_label("Username", exact=True).fill("olive")
        desk.get_by_label("Password", exact=True).fill(PASSWORD)
        desk.get_by_role("button", name="Continue", exact=True).click()
        arrive(desk, welsh=False)
        desk.get_by_label("Enter your security code", exact=True).fill(
            pyotp.TOTP(world.staff_secrets["olive"]).now()
        )
        desk.get_by_role("button", name="Sign in", exact=True).click()
        text = arrive(desk, welsh=False)
        assert desk.url.endswith(f"/staff/cases/{reference}")
        assert reply in text and photo.name in text
        desk.goto(f"/staff/cases/{reference}/do/acknowledge")
        arrive(desk, welsh=False)
        desk.get_by_role("button", name="Record acknowledgement").click()
        arrive(desk, welsh=False)
        assert desk.url.endswith(f"/staff/cases/{reference}"), desk.url
        desk.goto(f"/staff/cases/{reference}/do/outcome")
        arrive(desk, welsh=False)
        desk.get_by_label("Not upheld").check()
        desk.get_by_label("What was found").fill("The evening calls were on time.")
        desk.get_by_label("Underlying cause").fill("The visit log was read the wrong way.")
        desk.get_by_label("Remedy and action taken").fill("We explained the visit log.")
        desk.get_by_role("button", name="Record outcome").click()
        arrive(desk, welsh=False)
        assert desk.url.endswith(f"/staff/cases/{reference}"), desk.url
        staff.close()
        answered = world.message_to(
            EMAIL, lambda m: m["subject"] == subject("responded", reference=reference)
        )
        assert english_on(answered["body"]) == []

        # The person sees the response and asks for Stage 2 with their reasons.
        page.goto("/cy/easy-read/track/case")
        text = arrive(page)
        assert said["status_responded"] in text
        page.fill("#reasons", "Ni siaradodd neb â'r gofalwr.")
        page.locator('form[action$="/track/escalate"] button').click()
        text = arrive(page)
        stage_2 = STAGE_NAMES_CY["Stage 2"]
        assert said["escalate_sent"].format(stage=stage_2) in text
        assert page.locator("form[action$='/track/escalate']").count() == 0
        browser.close()

    escalated = world.message_to(
        EMAIL,
        lambda m: (
            m["subject"] == subject("escalation_received", reference=reference, stage_name=stage_2)
        ),
    )
    assert reference in escalated["body"]
    assert english_on(escalated["body"]) == []
    assert len(visited) >= 20
