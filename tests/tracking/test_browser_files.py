"""In a real browser at phone size, with the real clamd and axe on every page: a person tracks
their complaint with the code from the Notify stand-in, tries to add a program renamed as a
photo (refused, in words), then adds a photo of the hallway, which staff then see on the case.

Screenshots of the case page with the file form, its error and its success are kept in
build/screenshots/tracking/."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.evidence import samples
from tests.support.browser import arrive_and_check, launch_chromium, live_server

from . import scanning
from .conftest import code_from_standin, submit
from .scanning import person_files

# This module's app scans with a real clamd (the fixtures of ``scanning``).
clamd_socket = scanning.clamd_socket
app = scanning.app

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots" / "tracking"


def test_a_person_adds_a_photo_from_the_tracking_page_on_a_phone(
    app,
    app_parts,
    notify,
    tmp_path,
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    photo = tmp_path / "hallway.jpg"
    photo.write_bytes(samples.jpeg((320, 240)))
    renamed = tmp_path / "holiday.jpg"
    renamed.write_bytes(samples.mz())
    sent = submit(app.test_client())
    checked = []

    def arrive(page, name: str | None = None):
        arrive_and_check(page, name or "", str(SHOTS) if name else None)
        checked.append(page.url)

    with live_server(app) as base_url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context(base_url=base_url, viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto("/track")
        arrive(page)
        page.get_by_label("Reference number").fill(sent.reference)
        page.get_by_role("button", name="Continue").click()
        arrive(page)
        page.get_by_label("Code or tracking secret").fill(
            code_from_standin(app_parts, notify, sent.reference)
        )
        page.get_by_role("button", name="Continue").click()
        arrive(page, "files-1-case")

        page.get_by_label("Choose files").set_input_files(str(renamed))
        page.get_by_role("button", name="Add files").click()
        arrive(page, "files-2-refused")
        assert page.get_by_role("link", name="is a program").count() == 1
        assert person_files(app_parts, sent.reference) == []

        page.get_by_label("Choose files").set_input_files(str(photo))
        page.get_by_role("button", name="Add files").click()
        arrive(page, "files-3-added")
        assert "We have received your files" in page.content()
        assert (
            page.locator("[data-files-sent] [data-file-name]").inner_text().strip() == "hallway.jpg"
        )
        browser.close()
    (row,) = person_files(app_parts, sent.reference)
    assert (row["name"], row["kind"], row["scan"]) == ("hallway.jpg", "jpeg", "clean")
    assert len(checked) == 5
