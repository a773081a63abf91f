"""In a real browser (Debian's chromium), with the real clamd: a complaint with a photo added on
the file page, then a member of staff signs in and downloads it; axe on every page.

Set EVIDENCE_SCREENSHOTS=/some/dir to keep screenshots of the file page and the case's files.
"""

from __future__ import annotations

import os
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

from . import samples

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("EVIDENCE_SCREENSHOTS")


def _shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        for width in (1024, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=str(Path(SHOTS) / f"{name}-{width}.png"), full_page=True)
        page.set_viewport_size({"width": 1024, "height": 900})


def _accessible(page) -> None:
    page.wait_for_load_state("load")
    violations = serious_violations(page)
    assert violations == [], f"{page.url}: {violations}"


def test_a_complaint_with_a_photo_then_staff_download_it(app, app_parts, tmp_path):
    photo = tmp_path / "ward.jpg"
    photo.write_bytes(samples.jpeg((320, 240)))
    renamed = tmp_path / "holiday.jpg"
    renamed.write_bytes(samples.elf())
    seen = {"files": False}

    def on_each_page(page):
        _accessible(page)
        if page.url.endswith("/add-files") and not seen["files"]:
            seen["files"] = True
            # A program renamed as a photo first: refused, in words, nothing lost.
            page.set_input_files("#files", str(renamed))
            page.get_by_role("button", name="Add files", exact=True).click()
            _accessible(page)
            assert page.get_by_role("link", name="is a program").count() == 1
            page.set_input_files("#files", str(photo))
            page.get_by_role("button", name="Add files", exact=True).click()
            _accessible(page)
            assert page.get_by_role("term").filter(has_text="ward.jpg").is_visible()
            _shot(page, "add-files")
            page.get_by_role("button", name="Continue", exact=True).last.click()
            _accessible(page)

    book = UserBook(app_parts.settings.data_dir)
    bea = book.add(
        "bea",
        name="Bea Caseworker",
        password=PASSWORD,
        roles=["officer", "manager"],
        services=list(app_parts.service_codes),
        email="bea@staff.example.org",
    )
    with live_server(app) as base_url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        public = browser.new_context(base_url=base_url, viewport={"width": 1024, "height": 900})
        person = public.new_page()
        person.set_default_timeout(15_000)
        ref = walk_in_browser(person, "/complaint/", COMPLAINT, check=on_each_page)
        public.close()
        assert seen["files"], "the journey never offered the file page"
        (row,) = app_parts.store.evidence.files_of(ref)
        assert (row["name"], row["kind"], row["scan"]) == ("ward.jpg", "jpeg", "clean")

        staff_context = browser.new_context(
            base_url=base_url, viewport={"width": 1024, "height": 900}, accept_downloads=True
        )
        page = staff_context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"/staff/cases/{ref}")
        page.get_by_label("Username", exact=True).fill("bea")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Continue", exact=True).click()
        page.get_by_label("Enter your security code", exact=True).fill(
            pyotp.TOTP(bea.totp_secret).now()
        )
        page.get_by_role("button", name="Sign in", exact=True).click()
        _accessible(page)
        assert page.url.endswith(f"/staff/cases/{ref}")
        assert page.get_by_text("No virus found").is_visible()
        _shot(page.locator("#files").page, "case-files")
        with page.expect_download() as download:
            page.get_by_role("link", name="ward.jpg").click()
        saved = tmp_path / "downloaded.jpg"
        download.value.save_as(saved)
        assert download.value.suggested_filename == "ward.jpg"
        assert saved.read_bytes() == photo.read_bytes()
        browser.close()
