"""In a real browser: an admin signs in, adds an account, disables it, enables it again and
changes its roles, with axe checking every page on the way (0 serious or critical violations),
and the new account signs in with the password and second-factor secret the page showed once.

Set ADMIN_SCREENSHOTS=/some/dir to keep a screenshot of each page at 1280 and 390 wide.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pyotp
import pytest
from playwright.sync_api import sync_playwright

from forms_app.accounts import UserBook
from tests.support.browser import launch_chromium, live_server, serious_violations
from tests.support.staff import PASSWORD

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("ADMIN_SCREENSHOTS")


def test_an_admin_adds_disables_enables_and_changes_roles_in_the_browser(app, app_parts):
    data_dir = app_parts.settings.data_dir
    book = UserBook(data_dir)
    ada = book.add("ada", name="Ada Admin", password=PASSWORD, roles=["admin"])
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
    checked = []

    with live_server(app) as base_url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))

        def arrive(shot: str) -> None:
            page.wait_for_load_state("load")
            violations = serious_violations(page)
            assert violations == [], f"{page.url}: {violations}"
            checked.append(shot)
            if SHOTS:
                for width in (1280, 390):
                    page.set_viewport_size({"width": width, "height": 900})
                    page.screenshot(path=str(Path(SHOTS) / f"{shot}-{width}.png"), full_page=True)
                page.set_viewport_size({"width": 1280, "height": 900})

        def button(name: str, shot: str) -> None:
            page.get_by_role("button", name=name, exact=True).first.click()
            arrive(shot)

        def link(name: str, shot: str) -> None:
            page.get_by_role("link", name=name, exact=True).first.click()
            arrive(shot)

        page.goto("/staff/admin/accounts")
        page.get_by_label("Username", exact=True).fill("ada")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("Enter your security code").fill(pyotp.TOTP(ada.totp_secret).now())
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: urlsplit(url).path == "/staff/admin/accounts")
        arrive("admin-accounts")

        button("Add an account", "admin-new")  # a link drawn as a button
        button("Add account", "admin-new-errors")  # nothing typed: the error summary
        assert page.get_by_text("Enter the person's full name").first.is_visible()
        page.get_by_label("Full name").fill("Ceri Jones")
        page.get_by_label("Username").fill("ceri")
        page.get_by_label("Email address (optional)").fill("ceri@staff.example.org")
        page.get_by_label("Officer", exact=True).check()
        page.get_by_label("Home care", exact=True).check()
        button("Add account", "admin-added")
        password = page.locator("[data-password]").inner_text().strip()
        secret = page.locator("[data-secret]").get_attribute("data-secret")
        assert book.get("ceri").totp_secret == secret

        link("Go to the account", "admin-account")
        link("Disable account", "admin-disable")
        button("Disable account", "admin-disabled")
        assert page.get_by_text("Account disabled").first.is_visible()
        assert book.get("ceri").disabled

        button("Enable account", "admin-enabled")
        assert not book.get("ceri").disabled

        link("Change roles and services", "admin-roles")
        page.get_by_label("Manager", exact=True).check()
        button("Save roles and services", "admin-roles-saved")
        assert page.get_by_text("Roles and services changed").first.is_visible()
        assert book.get("ceri").roles == ["officer", "manager"]

        link("Reset second factor", "admin-reset-confirm")
        button("Reset second factor", "admin-reset-done")
        secret = page.locator("[data-secret]").get_attribute("data-secret")

        # Ceri signs in, in a browser of her own, with what was shown.
        own = browser.new_context(base_url=base_url).new_page()
        own.goto("/staff/")
        own.get_by_label("Username", exact=True).fill("ceri")
        own.get_by_label("Password", exact=True).fill(password)
        own.get_by_role("button", name="Continue").click()
        own.get_by_label("Enter your security code").fill(pyotp.TOTP(secret).now())
        own.get_by_role("button", name="Sign in").click()
        # The click returns once the next page starts to arrive; wait for all of it before
        # reading it, or the heading may not be there yet (this failed once in CI).
        own.wait_for_url(lambda url: urlsplit(url).path == "/staff/")
        own.wait_for_load_state("load")
        assert own.get_by_role("heading", name="Hello, Ceri Jones").is_visible()
        browser.close()

    assert errors == []
    assert len(checked) == 12
