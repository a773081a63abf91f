"""The staff pages for related and duplicate cases: the case page and the triage form list the
possible duplicates the member of staff may open (never one they may not); a link made from one
case shows on both and can be undone; a merge asks for confirmation first, then closes the
duplicate as merged, sends staff to the survivor, shows a banner on the duplicate, lists the
duplicate's files and replies on the survivor "from" its reference, and is audited; a search for
the merged reference leads to the survivor; refusals are shown beside the field; the person's
tracking page says the case was joined with another. In a real browser, axe finds no serious
problem on the case page with its duplicates or on the merge confirmation.

Set STAFF_SCREENSHOTS=/some/dir to keep screenshots of the pages.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest

from forms_app.accounts import UserBook
from forms_app.casework.index import CaseIndex
from forms_app.records import audit
from forms_app.storage.evidence import new_file_id, sha256_of
from forms_app.tracking.case_view import _status
from forms_app.tracking.words import words
from tests.support.staff import PASSWORD, add_events, csrf, submit

SHOTS = os.environ.get("STAFF_SCREENSHOTS")


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _panel(html: str) -> str:
    """The possible duplicates panel's text ('' if there is none)."""
    match = re.search(r'<div class="govuk-inset-text"[^>]*id="duplicates".*?</div>', html, re.S)
    return _text(match.group()) if match else ""


def _person(app_parts, days_ago=0, **values):
    received = datetime.now(UTC) - timedelta(days=days_ago)
    return submit(app_parts, received=received, **values)


def _case(app_parts, ref):
    return CaseIndex(app_parts.store, app_parts.procedure).get(ref)


def _post(client, path, data):
    page = client.get(path)
    return client.post(path, data={**data, "csrf_token": csrf(page.text)})


@pytest.fixture
def olive(signed_in):
    return signed_in("olive", others=("oscar", "mina"))


# -- possible duplicates ------------------------------------------------------------------------


def test_the_case_page_and_triage_form_list_possible_duplicates_the_officer_may_open(
    olive, app_parts
):
    earlier = _person(app_parts, 20, name="Nia Rees", email="NIA@example.com")
    hidden = _person(app_parts, 10, name="Nia Rees", email="nia@example.com", service="mh")
    old = _person(app_parts, 120, name="Nia Rees", email="nia@example.com")
    ref = _person(app_parts, name="Nia Rees", email="nia@example.com")
    for path in (f"/staff/cases/{ref}", f"/staff/cases/{ref}/do/triage"):
        html = olive.get(path).text
        panel = _panel(html)
        assert earlier in panel and "Complaint, received" in panel, path
        assert "Same email" in panel
        assert "1 other case from the same person within 90 days" in panel
        # Never shown or hinted at: not in the panel, the count, or anywhere on the page.
        assert hidden not in html and old not in html
    assert "Merge this case into" in _panel(olive.get(f"/staff/cases/{ref}").text)


def test_a_case_with_no_other_from_the_same_person_has_no_duplicates_panel(olive, app_parts):
    ref = _person(app_parts, name="Osian Hughes", email="osian@example.com")
    assert _panel(olive.get(f"/staff/cases/{ref}").text) == ""


# -- links --------------------------------------------------------------------------------------


def test_a_link_shows_on_both_case_pages_and_can_be_undone(olive, app_parts):
    one = submit(app_parts, email="a@example.com")
    two = submit(app_parts, email="b@example.com", kind="enquiry")
    response = _post(olive, f"/staff/cases/{one}/link", {"other": two.lower(), "note": "Family"})
    assert response.status_code == 302
    for ref, other in ((one, two), (two, one)):
        html = olive.get(f"/staff/cases/{ref}").text
        assert f'data-related="{other}"' in html
        assert f'href="/staff/cases/{other}"' in html
        assert f"Linked to a related case: {other}" in _text(html)
    page = olive.get(f"/staff/cases/{two}").text
    response = olive.post(
        f"/staff/cases/{two}/unlink", data={"other": one, "csrf_token": csrf(page)}
    )
    assert response.status_code == 302
    for ref in (one, two):
        html = olive.get(f"/staff/cases/{ref}").text
        assert "data-related=" not in html
        assert "Link to a related case removed" in html
    log = (app_parts.settings.data_dir / audit.LOG_NAME).read_text("utf-8")
    assert log.count('"case.link"') == 2 and log.count('"case.unlink"') == 2


def test_a_case_the_officer_may_not_open_is_refused_like_a_missing_one(olive, app_parts):
    mine = submit(app_parts, email="a@example.com")
    theirs = submit(app_parts, email="b@example.com", service="mental-health")
    missing = _post(olive, f"/staff/cases/{mine}/link", {"other": "ABCD-EFGH"})
    hidden = _post(olive, f"/staff/cases/{mine}/link", {"other": theirs})
    assert missing.status_code == hidden.status_code == 400
    reason = "There is no case with that reference that you can open"
    assert reason in hidden.text and reason in missing.text
    assert theirs in hidden.text  # only as the person typed it, in the field
    assert _case(app_parts, theirs).links == []
    empty = _post(olive, f"/staff/cases/{mine}/link", {"other": "  "})
    assert empty.status_code == 400 and "Enter the reference of the related case" in empty.text


# -- merging ------------------------------------------------------------------------------------


def _add_file(app_parts, ref, name):
    data = b"A photo of the bruise, as text for the test."
    row = {
        "id": new_file_id(),
        "name": name,
        "kind": "text",
        "size": str(len(data)),
        "sha256": sha256_of(data),
        "scan": "clean",
        "finding": "",
        "added_by": "person",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    app_parts.store.evidence.attach(ref, [(row, data)])


def test_a_merge_is_confirmed_then_leads_from_the_duplicate_to_the_survivor(olive, app_parts):
    survivor = _person(app_parts, 3, name="Rhys Lloyd", email="rhys@example.com")
    duplicate = _person(app_parts, name="Rhys Lloyd", email="rhys@example.com", kind="concern")
    _add_file(app_parts, duplicate, "bruise-notes.txt")
    add_events(app_parts, duplicate, "person", ("person_replied", {"note": "I rang as well."}))

    page = olive.get(f"/staff/cases/{duplicate}/merge?into={survivor}")
    assert page.status_code == 200 and f'value="{survivor}"' in page.text
    confirm = olive.post(
        f"/staff/cases/{duplicate}/merge",
        data={"other": survivor, "note": "Wrote twice", "csrf_token": csrf(page.text)},
    )
    assert confirm.status_code == 200
    assert f"Merge {duplicate} into {survivor}" in confirm.text
    assert _case(app_parts, duplicate).status == "open"  # nothing changed before confirming

    done = olive.post(
        f"/staff/cases/{duplicate}/merge",
        data={
            "other": survivor,
            "note": "Wrote twice",
            "confirmed": "yes",
            "csrf_token": csrf(confirm.text),
        },
    )
    assert done.status_code == 302 and done.headers["Location"].endswith(survivor)
    merged = _case(app_parts, duplicate)
    assert merged.status == "merged" and merged.merged_into == survivor

    banner = olive.get(f"/staff/cases/{duplicate}").text
    assert f'data-merged-into="{survivor}"' in banner
    assert f'href="/staff/cases/{survivor}"' in banner
    assert "Merged" in _text(banner)
    # Only a note may be added on a merged case: nothing else is offered.
    actions = _text(banner.split(">Actions</h2>", 1)[1].split("Aide-memoire", 1)[0])
    assert "Add a note" in actions and "Close" not in actions and "Triage" not in actions

    page = _text(olive.get(f"/staff/cases/{survivor}").text)
    assert f"From {duplicate} (merged into this case)" in page
    assert "bruise-notes.txt" in page and "I rang as well." in page
    assert f"A duplicate was merged into this case: {duplicate}" in page

    log = (app_parts.settings.data_dir / audit.LOG_NAME).read_text("utf-8")
    assert log.count('"case.merge"') == 2


def test_a_search_for_the_merged_reference_leads_to_the_survivor(olive, app_parts):
    survivor = submit(app_parts, email="s1@example.com")
    duplicate = submit(app_parts, email="s2@example.com")
    add_events(app_parts, duplicate, "olive", ("merged_into", {"value": survivor}))
    add_events(app_parts, survivor, "olive", ("merged_from", {"value": duplicate}))
    html = olive.get("/staff/search", query_string={"q": duplicate}).text
    table = html.split('<tbody class="govuk-table__body">', 1)[1]
    assert re.findall(r'href="/staff/cases/([^"]+)"', table) == [duplicate, survivor]
    assert "the case the match was merged into" in _text(table)
    assert "Merged" in _text(table)


def test_a_search_never_leads_to_a_survivor_the_officer_may_not_open(olive, app_parts):
    survivor = submit(app_parts, email="t1@example.com", service="mental-health")
    duplicate = submit(app_parts, email="t2@example.com")
    add_events(app_parts, duplicate, "mina", ("merged_into", {"value": survivor}))
    html = olive.get("/staff/search", query_string={"q": duplicate}).text
    assert survivor not in html
    assert survivor not in olive.get(f"/staff/cases/{duplicate}").text


@pytest.mark.parametrize(
    "setup, words",
    [
        (lambda p, s: add_events(p, s, "mina", ("closed", {})), "only be merged into an open"),
        (lambda p, s: None, "compliment cannot be merged into a complaint"),
    ],
)
def test_a_refused_merge_is_shown_beside_the_reference(olive, app_parts, setup, words):
    survivor = submit(app_parts, email="u1@example.com")
    duplicate = submit(app_parts, email="u2@example.com", kind="compliment")
    if "open" in words:
        duplicate = submit(app_parts, email="u3@example.com")
    setup(app_parts, survivor)
    response = _post(olive, f"/staff/cases/{duplicate}/merge", {"other": survivor})
    assert response.status_code == 400
    assert words in _text(response.text)
    assert 'id="other-error"' in response.text
    assert _case(app_parts, duplicate).status == "open"


def test_merging_into_itself_is_refused(olive, app_parts):
    ref = submit(app_parts)
    response = _post(olive, f"/staff/cases/{ref}/merge", {"other": ref})
    assert response.status_code == 400
    assert "cannot be linked or merged with itself" in response.text


def test_the_tracking_page_says_a_merged_case_was_joined_with_another(app_parts):
    survivor = submit(app_parts, email="v1@example.com")
    duplicate = submit(app_parts, email="v2@example.com")
    add_events(app_parts, duplicate, "mina", ("merged_into", {"value": survivor}))
    status = _status(_case(app_parts, duplicate))
    assert status == "status_merged"
    assert words("en", "standard")[status] == "Joined with another case"
    assert words("cy", "standard")[status] == "Wedi'i gyfuno ag achos arall"
    assert "joined it with the other case" in words("en", "easy-read")["next_merged"]


def test_a_merged_case_shows_as_merged_in_the_shared_sheet_and_is_not_reopened_there(app_parts):
    from forms_app.sheets.pull import Rules, interpret
    from forms_app.sheets.rows import triage_values

    survivor = submit(app_parts, email="w1@example.com")
    duplicate = submit(app_parts, email="w2@example.com")
    add_events(app_parts, duplicate, "mina", ("merged_into", {"value": survivor}))
    case = _case(app_parts, duplicate)
    assert triage_values(case, (None, "", None, ""), "", "")["status"] == "merged"
    rules = Rules(
        contract=app_parts.contract,
        procedure_for=lambda code: app_parts.procedure,
        themes={},
        owners={"olive"},
        today=datetime.now(UTC).date(),
        now=datetime.now(UTC),
    )
    events, problems = interpret(case, {"status": "open"}, rules)
    assert events == []
    assert [p.message for p in problems] == [
        f"This case was merged into {survivor}, so reopening it is not allowed here. "
        "Make the change on that case"
    ]


# -- in a real browser --------------------------------------------------------------------------


def _check(page, shot: str) -> None:
    from tests.support.browser import arrive_and_check

    arrive_and_check(page, shot, SHOTS)


@pytest.mark.browser
def test_in_a_browser_the_duplicates_panel_and_merge_confirmation_pass_axe(app, app_parts):
    from playwright.sync_api import sync_playwright

    from tests.support.browser import launch_chromium, live_server, staff_sign_in

    mina = UserBook(app_parts.settings.data_dir).add(
        "mina", name="Mina Manager", password=PASSWORD, roles=["manager"]
    )
    earlier = _person(app_parts, 12, name="Siân Powell", email="sian@example.com")
    ref = _person(app_parts, name="Siân Powell", email="SIAN@example.com")

    with live_server(app) as base_url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        staff_sign_in(page, "mina", mina.totp_secret, PASSWORD)

        page.goto(f"/staff/cases/{ref}")
        _check(page, "case-duplicates")
        panel = page.get_by_role("region", name=re.compile("Possible duplicates"))
        assert earlier in panel.inner_text()
        panel.get_by_role("link", name=f"Merge this case into {earlier}").click()
        _check(page, "merge-form")
        page.get_by_role("button", name="Continue").click()
        _check(page, "merge-confirm")
        page.get_by_role("button", name=f"Merge {ref} into {earlier}").click()
        page.wait_for_url(f"**/staff/cases/{earlier}")
        _check(page, "survivor")
        assert page.get_by_text(f"From {ref} (merged into this case)").is_visible()
        page.goto(f"/staff/cases/{ref}")
        _check(page, "merged-banner")
        banner = page.get_by_role("region", name="Merged")
        banner.get_by_role("link", name=earlier).click()
        page.wait_for_url(f"**/staff/cases/{earlier}")
        browser.close()
