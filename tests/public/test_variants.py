"""Thirty ways in: every kind in three wordings and two languages, over plain HTTP from the start
page's links and in a real browser with axe on every page."""

from __future__ import annotations

import re
from html import unescape

import pytest
from playwright.sync_api import sync_playwright

from tests.support.browser import (
    launch_chromium,
    live_server,
    serious_violations,
    walk_in_browser,
)
from tests.support.http_client import Fetcher
from tests.support.walker import ANSWERS, COMPLIMENT, csrf_token, walk

WAYS = [
    ("en", "standard", ""),
    ("en", "easy-read", "/easy-read"),
    ("en", "young-people", "/young-people"),
    ("cy", "standard", "/cy"),
    ("cy", "easy-read", "/cy/easy-read"),
    ("cy", "young-people", "/cy/young-people"),
]
SLUGS = {
    "complaint": "complaint",
    "concern": "concern",
    "comment": "comment",
    "compliment": "compliment",
    "enquiry": "pals",
}


@pytest.mark.parametrize(("language", "variant", "prefix"), WAYS)
def test_every_way_in_is_reachable_from_its_start_page(client, language, variant, prefix):
    page = client.get(f"{prefix}/").get_data(as_text=True)
    assert f'<html lang="{language}"' in page
    for slug in SLUGS.values():
        assert f'href="{prefix}/{slug}/"' in page
        start = client.get(f"{prefix}/{slug}/")
        assert start.status_code == 200


def test_start_page_links_to_the_other_versions(client):
    page = client.get("/").get_data(as_text=True)
    for link in ('href="/easy-read/"', 'href="/young-people/"', 'href="/cy/"'):
        assert link in page
    welsh = client.get("/cy/easy-read/").get_data(as_text=True)
    assert 'href="/easy-read/"' in welsh and 'lang="en"' in welsh


@pytest.mark.slow
@pytest.mark.parametrize(("language", "variant", "prefix"), WAYS)
def test_complaint_over_plain_http_from_the_start_page(app, app_parts, language, variant, prefix):
    with live_server(app) as base:
        client = Fetcher(base)
        _url, status, start = client.get(f"{prefix}/")
        assert status == 200
        link = re.search(rf'href="({re.escape(prefix)}/complaint/)"', start).group(1)
        result = walk(client.get, client.post, unescape(link), ANSWERS["complaint"])
    stored = app_parts.store.find(result.reference)
    assert (stored["language"], stored["variant"], stored["kind"]) == (
        language,
        variant,
        "complaint",
    )
    assert stored["details"] == ANSWERS["complaint"]["details"]


def test_every_wording_writes_the_same_fields(client, app_parts):
    from tests.public.test_journeys import _client_fetchers

    get, post = _client_fetchers(client)
    for slug, answers in ANSWERS.items():
        filled = {}
        for _language, variant, prefix in WAYS[:3]:
            client.delete_cookie("session")
            result = walk(get, post, f"{prefix}/{slug}/", answers)
            row = app_parts.store.find(result.reference)
            filled[variant] = {k for k, v in row.items() if v} - {"variant"}
        assert filled["standard"] == filled["easy-read"] == filled["young-people"], slug


def test_welsh_confirmation_has_welsh_dates_and_words(client, app_parts):
    from tests.public.test_journeys import _client_fetchers

    get, post = _client_fetchers(client)
    result = walk(get, post, "/cy/complaint/", ANSWERS["complaint"])
    page = result.final_html
    assert '<html lang="cy"' in page
    assert "Beth sy'n digwydd nesaf" in page or "Beth fydd yn digwydd nesaf" in page
    months = (
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
    )
    assert any(month in page for month in months)
    assert app_parts.store.find(result.reference)["language"] == "cy"


def test_language_switch_keeps_what_was_typed(client):
    page = client.get("/complaint/what-happened").get_data(as_text=True)
    assert 'name="switch_language" value="cy"' in page
    typed = "Roedd y gofalwr yn hwyr – half typed"
    response = client.post(
        "/complaint/what-happened",
        data={"csrf_token": csrf_token(page), "details": typed, "switch_language": "cy"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/cy/complaint/what-happened")
    welsh = client.get("/cy/complaint/what-happened").get_data(as_text=True)
    assert typed in welsh
    assert '<html lang="cy"' in welsh
    assert 'name="switch_language" value="en"' in welsh


def test_switch_with_a_problem_is_caught_before_sending(client):
    page = client.get("/comment/comment").get_data(as_text=True)
    client.post(
        "/comment/comment",
        data={"csrf_token": csrf_token(page), "details": "x" * 10_001, "switch_language": "cy"},
    )
    for path, data in (
        ("/cy/comment/service", {"service": "home-care"}),
        ("/cy/comment/your-details", {"anonymous": "true"}),
    ):
        page = client.get(path).get_data(as_text=True)
        client.post(path, data={"csrf_token": csrf_token(page), **data})
    response = client.get("/cy/comment/check-your-answers")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/cy/comment/comment")


@pytest.mark.browser
def test_thirty_ways_in_the_browser(app, app_parts):
    """A complaint in each of the 3 wordings × 2 languages, and a compliment in easy read Welsh,
    each to a reference, with axe on every page on the way."""
    checked = []

    def check(page):
        violations = serious_violations(page)
        assert violations == [], f"{page.url}: {violations}"
        for image in page.locator("main img").all():
            assert (image.get_attribute("alt") or "").strip(), f"{page.url}: picture without alt"
        checked.append(page.url)

    walks = [(prefix, "complaint", ANSWERS["complaint"]) for _l, _v, prefix in WAYS]
    walks.append(("/cy/easy-read", "compliment", COMPLIMENT))
    with live_server(app) as base, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            for prefix, slug, answers in walks:
                context = browser.new_context(base_url=base, viewport={"width": 390, "height": 844})
                page = context.new_page()
                page.set_default_timeout(15_000)
                reference = walk_in_browser(page, f"{prefix}/{slug}/", answers, check=check)
                stored = app_parts.store.find(reference)
                assert stored is not None and stored["kind"] == {"pals": "enquiry"}.get(slug, slug)
                context.close()
        finally:
            browser.close()
    assert len(checked) >= 7 * 5


def test_welsh_pages_show_welsh_settings_text(client):
    page = client.get("/cy/").get_data(as_text=True)
    assert "Dydd Llun i ddydd Gwener, 9am i 5pm" in page
    assert "Tîm Adborth" in page
    assert "Monday to Friday" not in page
    english = client.get("/").get_data(as_text=True)
    assert "Monday to Friday, 9am to 5pm" in english and "Dydd Llun" not in english


def _comment_entry(client, app_parts) -> dict:
    with client.session_transaction() as session:
        draft_id = session["draft"]
    return app_parts.drafts.load(draft_id)["journeys"]["comment"]


def test_the_draft_names_an_answer_kept_with_a_problem_until_it_is_put_right(client, app_parts):
    page = client.get("/comment/comment").get_data(as_text=True)
    client.post(
        "/comment/comment",
        # A character no keyboard types: a problem that still leaves an answer short enough
        # to keep (one too long is never kept).
        data={
            "csrf_token": csrf_token(page),
            "details": "Diolch\x01 am y gofal.",
            "switch_language": "cy",
        },
    )
    assert _comment_entry(client, app_parts)["unchecked"] == ["details"]
    page = client.get("/cy/comment/comment").get_data(as_text=True)
    fixed = client.post(
        "/cy/comment/comment", data={"csrf_token": csrf_token(page), "details": "Diolch."}
    )
    assert fixed.status_code == 302
    assert _comment_entry(client, app_parts)["unchecked"] == []


def test_a_draft_that_does_not_say_which_answers_were_checked_is_checked_whole(client, app_parts):
    # A draft saved before the unchecked answers were recorded, holding an answer too long.
    page = client.get("/comment/service").get_data(as_text=True)
    client.post("/comment/service", data={"csrf_token": csrf_token(page), "service": "home-care"})
    with client.session_transaction() as session:
        draft_id = session["draft"]
    draft = app_parts.drafts.load(draft_id)
    entry = draft["journeys"]["comment"]
    entry.pop("unchecked")
    entry["answers"].update(details="x" * 10_001, anonymous="true")
    app_parts.drafts.save(draft_id, draft)
    response = client.get("/comment/check-your-answers")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/comment/comment")
    sent = client.post("/comment/check-your-answers", data={"csrf_token": csrf_token(page)})
    assert sent.status_code == 302
    assert sent.headers["Location"].endswith("/comment/comment")
    assert list(app_parts.store.rows("submissions")) == []
