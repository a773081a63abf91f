"""Undoing a merge on the staff pages: only a manager is offered it and may do it; a page says
what will change before anything does; the change needs the form's CSRF token; then the
duplicate is open again, its reference no longer leads to the survivor (nor does a search for
it), the survivor no longer lists it, both timelines say so and the audit log has a line for
each case. In a real browser axe finds no serious problem on the confirmation page.

Set STAFF_SCREENSHOTS=/some/dir to keep screenshots of the pages."""

from __future__ import annotations

import os
import re
from html import unescape

import pytest
from playwright.sync_api import sync_playwright

from forms_app.accounts import UserBook
from forms_app.casework.index import CaseIndex
from forms_app.records import audit
from tests.support.browser import arrive_and_check, launch_chromium, live_server, staff_sign_in
from tests.support.staff import PASSWORD, PEOPLE, add_events, csrf, make_people, sign_in, submit

SHOTS = os.environ.get("STAFF_SCREENSHOTS")


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _case(app_parts, ref):
    return CaseIndex(app_parts.store, app_parts.procedure).get(ref)


def _merged(app_parts) -> tuple[str, str]:
    survivor = submit(app_parts, name="Rhys Lloyd", email="rhys@example.com")
    duplicate = submit(app_parts, name="Rhys Lloyd", email="rhys@example.com", kind="concern")
    add_events(app_parts, duplicate, "olive", ("merged_into", {"value": survivor}))
    add_events(app_parts, survivor, "olive", ("merged_from", {"value": duplicate}))
    return duplicate, survivor


@pytest.fixture
def people(app, data_dir):
    """Mina (a manager) and Olive (an officer), each signed in on a client of their own."""
    secrets_by_user = make_people(data_dir, {n: PEOPLE[n] for n in ("mina", "olive", "oscar")})
    clients = []
    for username in ("mina", "olive"):
        client = app.test_client()
        sign_in(client, username, secrets_by_user[username])
        clients.append(client)
    return tuple(clients)


def test_a_manager_undoes_a_merge_after_checking_what_will_change(people, app_parts):
    mina, _olive = people
    duplicate, survivor = _merged(app_parts)
    banner = mina.get(f"/staff/cases/{duplicate}").text
    assert f'href="/staff/cases/{duplicate}/unmerge"' in banner
    survivor_page = mina.get(f"/staff/cases/{survivor}").text
    assert f"Undo the merge of {duplicate}" in _text(survivor_page)

    page = mina.get(f"/staff/cases/{duplicate}/unmerge")
    assert page.status_code == 200
    assert f"Undo the merge of {duplicate} into {survivor}" in _text(page.text)
    assert _case(app_parts, duplicate).status == "merged"  # nothing changed by looking

    done = mina.post(
        f"/staff/cases/{duplicate}/unmerge",
        data={"note": "Two different people", "csrf_token": csrf(page.text)},
    )
    assert done.status_code == 302 and done.headers["Location"].endswith(duplicate)
    opened = _case(app_parts, duplicate)
    assert opened.status == "open" and opened.merged_into == ""
    assert _case(app_parts, survivor).merged_from == []

    page = _text(mina.get(f"/staff/cases/{duplicate}").text)
    assert f"Merge undone: {survivor}" in page and "Two different people" in page
    assert "This case was merged" not in page
    assert f"From {duplicate} (merged into this case)" not in _text(
        mina.get(f"/staff/cases/{survivor}").text
    )
    html = mina.get("/staff/search", query_string={"q": duplicate}).text
    table = html.split('<tbody class="govuk-table__body">', 1)[1]
    assert re.findall(r'href="/staff/cases/([^"]+)"', table) == [duplicate]

    log = (app_parts.settings.data_dir / audit.LOG_NAME).read_text("utf-8")
    assert log.count('"case.unmerge"') == 2


def test_an_officer_is_neither_offered_nor_allowed_to_undo_a_merge(people, app_parts):
    _mina, olive = people
    duplicate, _survivor = _merged(app_parts)
    assert "/unmerge" not in olive.get(f"/staff/cases/{duplicate}").text
    case_page = olive.get(f"/staff/cases/{duplicate}")
    refused = olive.post(
        f"/staff/cases/{duplicate}/unmerge", data={"csrf_token": csrf(case_page.text)}
    )
    assert refused.status_code == 403
    assert olive.get(f"/staff/cases/{duplicate}/unmerge").status_code == 403
    assert _case(app_parts, duplicate).status == "merged"


def test_undoing_a_merge_needs_the_forms_csrf_token(people, app_parts):
    mina, _olive = people
    duplicate, _survivor = _merged(app_parts)
    refused = mina.post(f"/staff/cases/{duplicate}/unmerge", data={"note": "x"})
    assert refused.status_code in (400, 403)
    assert _case(app_parts, duplicate).status == "merged"


def test_a_case_that_is_not_merged_cannot_be_unmerged(people, app_parts):
    mina, _olive = people
    ref = submit(app_parts)
    page = mina.get(f"/staff/cases/{ref}")
    answer = mina.post(f"/staff/cases/{ref}/unmerge", data={"csrf_token": csrf(page.text)})
    assert answer.status_code == 302
    assert "This case is not merged into another case" in _text(
        mina.get(f"/staff/cases/{ref}").text
    )
    assert "unmerged" not in [e["type"] for e in _case(app_parts, ref).events]


@pytest.mark.browser
def test_in_a_browser_the_unmerge_confirmation_passes_axe(app, app_parts):
    mina = UserBook(app_parts.settings.data_dir).add(
        "mina", name="Mina Manager", password=PASSWORD, roles=["manager"]
    )
    duplicate, survivor = _merged(app_parts)
    with live_server(app) as base_url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        staff_sign_in(page, "mina", mina.totp_secret, PASSWORD)
        page.goto(f"/staff/cases/{duplicate}")
        arrive_and_check(page, "unmerge-banner", SHOTS)
        page.get_by_role("link", name="Undo this merge").click()
        arrive_and_check(page, "unmerge-confirm", SHOTS)
        page.get_by_label("Why (optional)").fill("Two different people")
        page.get_by_role("button", name=f"Undo the merge of {duplicate} into {survivor}").click()
        page.wait_for_url(f"**/staff/cases/{duplicate}")
        arrive_and_check(page, "unmerged-case", SHOTS)
        assert "this case is open again" in page.content()
        browser.close()
