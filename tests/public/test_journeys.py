"""Every journey end to end through the Flask test client, and what the person sees when an
answer is wrong: the right message, linked from the summary, with their text kept."""

from __future__ import annotations

import base64
import html
import json
import re
import zlib

import pytest
from freezegun import freeze_time

from tests.support.walker import ANSWERS, csrf_token, walk


def _client_fetchers(client):
    def get(url):
        response = client.get(url, follow_redirects=True)
        return response.request.path, response.status_code, response.get_data(as_text=True)

    def post(url, data):
        response = client.post(url, data=data, follow_redirects=True)
        return response.request.path, response.status_code, response.get_data(as_text=True)

    return get, post


@pytest.mark.parametrize("slug", list(ANSWERS))
def test_each_journey_ends_on_a_reference_and_is_stored(client, app_parts, slug):
    get, post = _client_fetchers(client)
    result = walk(get, post, f"/{slug}/", ANSWERS[slug])
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", result.reference)
    stored = app_parts.store.find(result.reference)
    assert stored is not None
    kind = {"pals": "enquiry"}.get(slug, slug)
    assert stored["kind"] == kind
    assert stored["details"] == ANSWERS[slug]["details"]
    assert stored["variant"] == "standard" and stored["language"] == "en"
    assert stored["channel"] == "online"
    # Personal details are kept apart from the submission, and only when given.
    personal = [row for row in app_parts.store.rows("personal") if row["ref"] == result.reference]
    if ANSWERS[slug].get("anonymous") == "true":
        assert personal == []
        assert stored["anonymous"] == "true"
    else:
        assert len(personal) == 1
        assert personal[0]["name"] == ANSWERS[slug]["name"]
        assert "name" not in stored


def test_complaint_records_what_the_minimum_record_needs(client, app_parts):
    get, post = _client_fetchers(client)
    result = walk(get, post, "/complaint/", ANSWERS["complaint"])
    stored = app_parts.store.find(result.reference)
    assert stored["service"] == "home-care"
    assert stored["happened_on"] == "2025-03-03"
    assert stored["outcome_wanted"].startswith("An explanation")
    assert stored["on_behalf"] == "someone_else"
    assert stored["relationship"] == "relative" and stored["consent"] == "agreed"
    assert stored["advocate"] == "no"
    assert stored["procedure"] == app_parts.procedure.code
    (personal,) = [r for r in app_parts.store.rows("personal") if r["ref"] == result.reference]
    assert personal["subject_name"] == "Gwenllian Parry"
    assert personal["communication_needs"] == "large_print"
    assert personal["email"] == "dafydd.parry@example.com"
    # Line breaks typed in a textarea are kept (as LF).
    assert stored["details"] == ANSWERS["complaint"]["details"]


def test_confirmation_says_when_they_will_hear_back(client, app_parts):
    get, post = _client_fetchers(client)
    result = walk(get, post, "/complaint/", ANSWERS["complaint"])
    page = result.final_html
    assert "What happens next" in page
    stored = app_parts.store.find(result.reference)
    from datetime import datetime

    due = app_parts.hear_back_by("complaint", datetime.fromisoformat(stored["received"]))
    assert due["acknowledge"].strftime("%-d %B %Y") in page


def test_confirmation_promises_a_working_day_not_a_bank_holiday(client, app_parts):
    # The example settings use the charity profile: 28 days to respond. Sent on Friday
    # 4 December 2026, 28 days on is New Year's Day, so the promise is Thursday 31 December.
    assert app_parts.procedure.code == "charity-help-and-care"
    get, post = _client_fetchers(client)
    with freeze_time("2026-12-04 10:00:00", tick=True):
        result = walk(get, post, "/complaint/", ANSWERS["complaint"])
    page = html.unescape(result.final_html)
    assert "full response by Thursday 31 December 2026" in page
    assert "1 January 2027" not in page


def _start(client, slug="complaint"):
    client.get(f"/{slug}/")


def _post_page(client, path, data):
    page = client.get(path).get_data(as_text=True)
    return client.post(path, data={"csrf_token": csrf_token(page), **data})


def test_missing_answer_has_message_linked_from_the_summary(client):
    response = _post_page(client, "/complaint/what-happened", {"details": "  "})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert '<a href="#details">Tell us what happened</a>' in page
    assert 'id="details-error"' in page
    assert "<title>Error:" in page


def test_bad_answers_keep_what_was_typed(client):
    typed = 'Carers came late <b>every</b> day & I\'d like "answers"'
    response = _post_page(
        client,
        "/complaint/what-happened",
        {
            "details": typed,
            "happened_on-day": "31",
            "happened_on-month": "2",
            "happened_on-year": "2025",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter the date as a real date" in page
    assert '<a href="#happened_on-day">' in page
    assert html.escape(typed, quote=False) in page.replace("&#34;", '"').replace("&#39;", "'")
    assert 'value="31"' in page and 'value="2025"' in page


def test_future_date_refused(client):
    response = _post_page(
        client,
        "/complaint/what-happened",
        {
            "details": "x",
            "happened_on-day": "1",
            "happened_on-month": "1",
            "happened_on-year": "2999",
        },
    )
    assert "The date must be today or in the past" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("method", "data", "message"),
    [
        ("email", {"email": "huw@"}, "correct format"),
        ("email", {"email": ""}, "Enter your email address"),
        ("phone", {"phone": "call me"}, "Enter a phone number"),
        ("post", {"address": "1 Lane"}, "Enter your postcode"),
        ("post", {"address": "1", "postcode": "XX"}, "real postcode"),
    ],
)
def test_contact_details_errors(client, method, data, message):
    _start(client)
    chosen = _post_page(client, "/complaint/contact", {"name": "Huw", "preferred_contact": method})
    assert chosen.status_code == 302
    assert chosen.headers["Location"].endswith("/complaint/contact-details")
    response = _post_page(client, "/complaint/contact-details", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page
    assert message in page
    for value in data.values():
        assert html.escape(value) in page
    # Only the detail for the chosen way is asked for.
    others = {"email": "Email address", "phone": "Phone number", "post": "Postcode"}
    for other, label in others.items():
        assert (label in page) == (other == method)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"preferred_contact": "", "name": "Huw"}, "Select how you would like us to contact you"),
        ({"preferred_contact": "email", "name": ""}, "Enter your full name"),
    ],
)
def test_contact_page_errors(client, data, message):
    _start(client)
    response = _post_page(client, "/complaint/contact", data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_too_long_text_is_refused_but_kept(client):
    typed = "ŵ" * 10_001
    response = _post_page(client, "/complaint/what-happened", {"details": typed})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Write 10,000 characters or fewer" in page
    assert typed in page


def test_control_characters_are_refused_with_a_message(client):
    response = _post_page(client, "/complaint/what-happened", {"details": "hello\x00world\u202e"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Remove the unusual characters" in page
    assert "helloworld" in page


def test_unknown_option_is_refused(client):
    response = _post_page(client, "/complaint/service", {"service": "../../etc/passwd"})
    assert response.status_code == 400
    assert "Select the service" in response.get_data(
        as_text=True
    ) or "Select one" in response.get_data(as_text=True)


def test_answers_are_not_in_the_cookie(client):
    secret = "Llanfairpwll secret story 4471"
    _post_page(client, "/complaint/what-happened", {"details": secret})
    cookie = client.get_cookie("session")
    assert cookie is not None
    payload = cookie.value.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    if cookie.value.startswith("."):
        raw = zlib.decompress(raw)
    assert secret.encode() not in raw
    # Only the draft's id and the CSRF secret: never an answer.
    assert set(json.loads(raw)) <= {"draft", "_permanent", "csrf_token"}


def test_double_send_makes_one_record(client, app_parts):
    from tests.support.walker import COMMENT

    get, post = _client_fetchers(client)
    first = walk(get, post, "/comment/", COMMENT)
    # The person presses back and sends again, with the same page (same key).
    page = client.get("/comment/check-your-answers", follow_redirects=True).get_data(as_text=True)
    assert first.reference in page
    refs = [row["ref"] for row in app_parts.store.rows("submissions")]
    assert refs == [first.reference]


def test_check_answers_lists_answers_with_change_links(client):
    from tests.support.walker import COMPLIMENT

    for path, data in [
        ("/compliment/service", {"service": "home-care"}),
        ("/compliment/who-to-thank", {"thank_who": "Night team"}),
        ("/compliment/message", {"details": "Thank you"}),
        ("/compliment/your-details", {"anonymous": "true"}),
    ]:
        assert _post_page(client, path, data).status_code == 302
    page = client.get("/compliment/check-your-answers").get_data(as_text=True)
    assert "Home care" in page and "Night team" in page and "Thank you" in page
    assert 'href="/compliment/who-to-thank?change=1#thank_who"' in page
    assert COMPLIMENT  # the walker's answers are the ones used elsewhere


def test_skipping_pages_sends_the_person_back(client):
    _start(client)
    response = client.get("/complaint/check-your-answers")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/complaint/is-it-urgent")


def test_change_returns_to_check_answers(client):
    from tests.support.walker import COMMENT

    get, post = _client_fetchers(client)
    for path, data in [
        ("/comment/service", {"service": "home-care"}),
        ("/comment/comment", {"details": "One"}),
        ("/comment/your-details", {"anonymous": "true"}),
    ]:
        _post_page(client, path, data)
    response = _post_page(client, "/comment/comment?change=1", {"details": "Two"})
    assert response.headers["Location"].endswith("/comment/check-your-answers")
    assert COMMENT and get and post


def test_urgent_problem_shows_how_to_sort_it_now_and_lets_them_continue(client):
    response = _post_page(
        client, "/complaint/is-it-urgent", {"happening_now": "yes", "tried_already": "no"}
    )
    assert response.headers["Location"].endswith("/complaint/sort-it-out-now")
    page = client.get("/complaint/sort-it-out-now").get_data(as_text=True)
    assert "029 2018 0001" in page  # PALS, from the settings
    assert "999" in page and "029 2018 0002" in page  # safeguarding, from the settings
    assert 'href="/complaint/service"' in page


def test_lost_session_keeps_the_typed_text(client):
    page = client.get("/complaint/what-happened").get_data(as_text=True)
    assert csrf_token(page)
    client.delete_cookie("session")
    response = client.post(
        "/complaint/what-happened", data={"csrf_token": "stale", "details": "Kept text 9981"}
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Kept text 9981" in text
    assert "session had ended" in text


@pytest.mark.parametrize(
    "path",
    [
        "/nope/",
        "/complaint/nope",
        "/complaint/confirmation",
        "/%00/",
        "/complaint/%FF",
        "/static/../x",
    ],
)
def test_strange_paths_never_give_a_server_error(client, path):
    assert client.get(path).status_code < 500


def test_strange_form_input_never_gives_a_server_error(client):
    page = client.get("/complaint/contact").get_data(as_text=True)
    token = csrf_token(page)
    for data in [
        {"name": ["a", "b"], "preferred_contact": ["email", "post"]},
        {"communication_needs": ["bsl", "<script>", "x" * 5000]},
        {"anything": "\x00" * 100},
    ]:
        response = client.post("/complaint/contact", data={"csrf_token": token, **data})
        assert response.status_code < 500, data
    # Invalid UTF-8 and a NUL, as raw bytes the way a broken client would send them.
    body = f"csrf_token={token}&name=%FF%FE&preferred_contact=%C3".encode()
    response = client.post(
        "/complaint/contact", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert "Sorry, there is a problem" in response.get_data(as_text=True)
    body = f"csrf_token={token}&name=Huw%00%E2%80%AE&preferred_contact=email".encode()
    response = client.post(
        "/complaint/contact", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert "Remove the unusual characters" in response.get_data(as_text=True)


def test_huge_post_gets_a_friendly_page(client):
    page = client.get("/complaint/what-happened").get_data(as_text=True)
    response = client.post(
        "/complaint/what-happened",
        data={"csrf_token": csrf_token(page), "details": "x" * 2_000_000},
    )
    assert response.status_code == 413
    assert "too long" in response.get_data(as_text=True)


def test_draft_cookie_is_renewed_when_the_draft_is_saved_not_on_every_view(client):
    # The cookie and the draft (drafts.purge counts from the last save) last equally long.
    page = client.get("/comment/service")
    token = csrf_token(page.get_data(as_text=True))
    saved = client.post("/comment/service", data={"csrf_token": token, "service": "home-care"})
    assert "Expires=" in saved.headers.get("Set-Cookie", "")
    assert "Set-Cookie" not in client.get("/comment/comment").headers
    again = client.post(
        "/comment/comment", data={"csrf_token": token, "details": "Diolch am y gofal."}
    )
    assert "Expires=" in again.headers.get("Set-Cookie", "")
