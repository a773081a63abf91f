"""In a real browser: a manager makes the quarterly report from the staff pages, watches the
progress page refresh itself until the report is ready, reads the preview (the check for
personal details passed, the numbers hidden, the tables as the public will see them),
publishes it and sees the site built; then exports the same quarter as an XLSX file and
downloads it. axe finds no serious or critical problem on any page.

Set STAFF_SCREENSHOTS=/some/dir to keep screenshots of every page.
"""

from __future__ import annotations

import json
import os

import openpyxl
import pytest
from playwright.sync_api import sync_playwright

from tests.support.browser import arrive_and_check, launch_chromium, live_server, staff_sign_in
from tests.support.report_pages import PUBLISHER, QUARTER, report_app
from tests.support.staff import PASSWORD, make_people

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SHOTS = os.environ.get("STAFF_SCREENSHOTS")


def _check(page, shot: str) -> None:
    arrive_and_check(page, shot, SHOTS)


@pytest.fixture
def private_umask():
    """As in production, where the server makes every file private: the jobs inherit it."""
    before = os.umask(0o077)
    yield
    os.umask(before)


def test_a_manager_makes_previews_and_publishes_the_quarterly_report_then_exports_it(
    tmp_path, monkeypatch, private_umask
):
    app, data = report_app(tmp_path, monkeypatch)
    secrets = make_people(data, PUBLISHER)
    (username,) = PUBLISHER

    with live_server(app) as base_url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context(
            base_url=base_url, viewport={"width": 1280, "height": 900}, accept_downloads=True
        )
        page = context.new_page()
        page.set_default_timeout(20_000)
        staff_sign_in(page, username, secrets[username], PASSWORD)

        page.get_by_role("link", name="Reports", exact=True).click()
        page.wait_for_url("**/staff/reports")
        _check(page, "reports")
        page.get_by_label("Another quarter or year").check()
        page.get_by_label("If another, which quarter or year").fill(QUARTER)
        page.get_by_role("button", name="Make the report").click()

        page.wait_for_url("**/staff/reports/jobs/*")
        if "/preview" not in page.url:  # the progress page
            assert page.locator("#live-status").get_attribute("role") == "status"
            _check(page, "reports_progress")
        # Nobody clicks: the progress page reloads itself until the preview is ready.
        page.wait_for_url("**/preview", timeout=240_000)
        _check(page, "reports_preview")
        assert page.locator("#gate-passed").is_visible()
        assert page.get_by_role("heading", name="Numbers hidden to protect people").is_visible()
        preview = page.locator("#report-page")
        assert preview.get_by_role("heading", name="Summary").is_visible()
        assert preview.locator("table").count() > 3

        page.get_by_role("button", name="Publish").click()
        page.wait_for_url("**/staff/reports/jobs/*")
        page.locator("#published, #failure").first.wait_for(timeout=600_000)
        failure = page.locator("#failure")
        assert failure.count() == 0, failure.inner_text()
        _check(page, "reports_published")
        built = list((tmp_path / "built" / "outcomes").rglob("2025-26-q1*"))
        assert built
        # The web server, another user, can read what was published.
        for path in [*built, *(tmp_path / "site" / "outcomes").glob("2025-26-q1*")]:
            assert path.stat().st_mode & 0o005 == (0o005 if path.is_dir() else 0o004), path

        page.get_by_role("link", name="Exports", exact=True).click()
        page.wait_for_url("**/staff/exports")
        _check(page, "exports")
        page.get_by_label("Another quarter or year").check()
        page.get_by_label("If another, which quarter or year").fill(QUARTER)
        page.get_by_label("Excel workbook (XLSX)").check()
        page.get_by_role("button", name="Make the export").click()
        page.wait_for_url("**/staff/exports/jobs/*")
        page.locator("#download").wait_for(timeout=120_000)
        _check(page, "exports_ready")
        with page.expect_download() as waiting:
            page.locator("#download").click()
        saved = tmp_path / "downloaded.xlsx"
        waiting.value.save_as(saved)
        browser.close()

    rows = list(openpyxl.load_workbook(saved, read_only=True).active.iter_rows(values_only=True))
    refs = {row[0] for row in rows[1:]}
    # Received April to June 2025: C1, C2, C7 are; C3 (March) and C9 (August) are not.
    assert {"C1", "C2", "C7"} <= refs and not {"C3", "C9"} & refs
    actions = [json.loads(line) for line in (data / "audit.jsonl").read_text("utf-8").splitlines()]
    assert (username, "export.download") in [(a["actor"], a["action"]) for a in actions]
    assert (username, "report.published") in [(a["actor"], a["action"]) for a in actions]


def test_the_gate_findings_a_failure_and_a_wrong_period_read_well_in_a_browser(
    tmp_path, monkeypatch
):
    app, data = report_app(
        tmp_path, monkeypatch, plan="# Plan\n\nThank you to Bronwen Tudur-Hall for her ideas.\n"
    )
    secrets = make_people(data, PUBLISHER)
    (username,) = PUBLISHER

    with live_server(app) as base_url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
        page = page.new_page()
        page.set_default_timeout(20_000)
        staff_sign_in(page, username, secrets[username], PASSWORD)

        page.goto("/staff/reports")
        page.get_by_label("Another quarter or year").check()
        page.get_by_label("If another, which quarter or year").fill("2025Q7")
        page.get_by_role("button", name="Make the report").click()
        _check(page, "reports_error")
        assert page.get_by_role("link", name="Type a quarter, like 2025Q3").is_visible()

        page.get_by_label("If another, which quarter or year").fill(QUARTER)
        page.get_by_role("button", name="Make the report").click()
        page.wait_for_url("**/preview", timeout=240_000)
        _check(page, "reports_gate_failed")
        assert page.locator("#gate-failed").is_visible()
        assert page.get_by_role("button", name="Publish").count() == 0

        job_url = page.url.removesuffix("/preview")
        job_dir = next((data / "jobs" / "report").iterdir())
        state = json.loads((job_dir / "job.json").read_text("utf-8"))
        state.update(state="failed", words="The site could not be built, so nothing was published.")
        (job_dir / "job.json").write_text(json.dumps(state), "utf-8")
        page.goto(job_url)
        _check(page, "reports_failed")
        assert page.locator("#failure").get_by_text("The site could not be built").is_visible()

        page.goto("/staff/exports")
        page.get_by_role("button", name="Make the export").click()
        _check(page, "exports_error")
        assert page.get_by_role("link", name="Choose CSV or XLSX").is_visible()
        browser.close()
