"""The survey as a person meets it: offered only once their case is closed (a link in the
"closed" message, a button on the tracking page), answered once, in their language and
wording, with bad input refused in words that keep what they chose, and bad or used links
answered with a page that says so, never a server error."""

from __future__ import annotations

import sqlite3

from forms_app.casework import transitions as t
from forms_app.questionnaires.store import Answers
from tests.support.walker import ANSWERS, csrf_token
from tests.tracking.conftest import ask, code_from_standin, enter, post_on_case, tracked

from .conftest import answer, close, closed_message, messages, staff_do, submit, survey_link


def _invitations(answers_file) -> int:
    if not answers_file.exists():
        return 0
    with sqlite3.connect(answers_file) as db:
        return db.execute("SELECT count(*) FROM invitations").fetchone()[0]


def test_the_link_comes_only_with_the_closed_message(client, app_parts, answers_file):
    sent = submit(client)
    staff_do(app_parts, sent.reference, t.acknowledge)
    staff_do(app_parts, sent.reference, t.record_outcome, "not_upheld", findings="On time.")
    before = messages(app_parts, sent.reference)
    assert before and not any("survey" in str(m.values) for m in before)
    assert _invitations(answers_file) == 0
    staff_do(app_parts, sent.reference, t.close)
    message = closed_message(app_parts, sent.reference)
    assert "/survey/" in message.values["survey"]
    assert "anonymous" in message.values["survey"]
    assert _invitations(answers_file) == 1


def test_the_link_answers_once_and_then_says_so(client, app_parts):
    sent = submit(client)
    close(app_parts, sent.reference)
    path = survey_link(app_parts, sent.reference)
    done = answer(client, path)
    assert done.status_code == 303
    thanks = client.get(done.headers["Location"])
    assert thanks.status_code == 200 and "We have your answers" in thanks.get_data(as_text=True)
    again = client.get(path)
    assert again.status_code == 410
    assert "You have already answered" in again.get_data(as_text=True)
    # A second post with a form kept from before is refused the same way, and keeps nothing.
    page = client.get("/track").get_data(as_text=True)
    resent = client.post(path, data={"csrf_token": csrf_token(page), **_all("agree")})
    assert resent.status_code == 410
    with Answers(app_parts.settings.data_dir) as answers:
        assert len(answers.responses("satisfaction")) == 1


def _all(choice: str) -> dict:
    return {
        key: choice
        for key in ("easy_to_tell", "kept_informed", "respect", "clear_answer", "time_taken")
    }


def test_an_open_case_is_not_offered_the_survey_on_the_tracking_page(client, app_parts, notify):
    _sent, page = tracked(client, app_parts, notify)
    assert "data-survey-offer" not in page.get_data(as_text=True)
    refused = post_on_case(client, "/track/survey", {})
    assert refused.status_code == 303 and refused.headers["Location"].endswith("/track/case")


def test_the_tracking_page_of_a_closed_case_gives_a_new_link_once(client, app_parts, notify):
    sent, _page = tracked(client, app_parts, notify)
    close(app_parts, sent.reference)
    emailed = survey_link(app_parts, sent.reference)
    shown = client.get("/track/case").get_data(as_text=True)
    assert "data-survey-offer" in shown and "Answer the survey" in shown
    fresh = post_on_case(client, "/track/survey", {})
    assert fresh.status_code == 303 and "/survey/" in fresh.headers["Location"]
    # The emailed link was replaced: only the newest one works.
    assert client.get(emailed).status_code == 404
    assert answer(client, fresh.headers["Location"]).status_code == 303
    shown = client.get("/track/case").get_data(as_text=True)
    assert "this case has answered the survey" in shown and "Answer the survey" not in shown
    again = post_on_case(client, "/track/survey", {})
    assert again.status_code == 410


def test_welsh_easy_read_pages_and_errors_keep_what_was_chosen(client, app_parts, notify):
    answers = {**ANSWERS["complaint"]}
    sent = submit(client, "/cy/easy-read/complaint/", answers)
    close(app_parts, sent.reference)
    path = survey_link(app_parts, sent.reference)
    assert path.startswith("/cy/easy-read/survey/")
    page = client.get(path).get_data(as_text=True)
    assert 'lang="cy"' in page
    assert "Dywedwch wrthym sut y gwnaethom" in page and "Ydy, yn fawr" in page
    refused = client.post(
        path,
        data={"csrf_token": csrf_token(page), "easy_to_tell": "agree", "do_better": "Ffoniwch fi"},
    )
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Dewiswch ateb ar gyfer: Roedd ein hateb yn hawdd ei ddeall" in text
    assert 'href="#clear_answer"' in text
    assert 'value="agree" checked' in text and "Ffoniwch fi" in text
    assert closed_message(app_parts, sent.reference).language == "cy"


def test_english_easy_read_and_young_peoples_words(client, app_parts):
    sent = submit(client)
    close(app_parts, sent.reference)
    path = survey_link(app_parts, sent.reference)
    token = path.rsplit("/", 1)[1]
    easy = client.get(f"/easy-read/survey/{token}").get_data(as_text=True)
    young = client.get(f"/young-people/survey/{token}").get_data(as_text=True)
    assert "We were kind and polite to you" in easy and "I do not want to say" in easy
    assert "We kept you in the loop" in young


def test_bad_links_get_a_page_that_says_so_never_an_error(client, app_parts):
    for path in (
        "/survey/" + "A" * 32,
        "/survey/short",
        "/cy/survey/" + "%00" * 3,
        "/survey/" + "x" * 5000,
        "/survey/%F0%9F%8C%9F",
    ):
        page = client.get(path)
        assert page.status_code == 404, path
        assert 'data-survey-said="bad"' in page.get_data(as_text=True), path
    assert "Nid yw'r ddolen hon yn gweithio" in client.get("/cy/survey/" + "A" * 32).get_data(
        as_text=True
    ).replace("&#39;", "'")
    # Asking never made the store's file.
    assert not (app_parts.settings.data_dir / "questionnaires").exists()


def test_too_long_and_control_characters_are_refused_in_words(client, app_parts):
    sent = submit(client)
    close(app_parts, sent.reference)
    path = survey_link(app_parts, sent.reference)
    long = answer(client, path, {**_all("agree"), "do_better": "a" * 1001})
    assert long.status_code == 400
    assert "1000 characters or fewer. It has 1001" in long.get_data(as_text=True)
    bell = answer(client, path, {**_all("agree"), "do_better": "ring\x07 the bell"})
    assert bell.status_code == 400
    assert "a character we cannot accept" in bell.get_data(as_text=True)
    assert "ring the bell" in bell.get_data(as_text=True)
    # A NUL is explained the same way, keeping the words and the choices around it.
    nul = answer(client, path, {**_all("disagree"), "do_better": "Ffoniwch\x00 fi yn ôl"})
    text = nul.get_data(as_text=True)
    assert nul.status_code == 400 and "a character we cannot accept" in text
    assert "Ffoniwch fi yn ôl" in text and 'value="disagree" checked' in text


def test_the_code_page_still_works_for_a_closed_case(client, app_parts, notify):
    # The offer sits on the tracking page only: asking for a code is unchanged.
    sent = submit(client)
    close(app_parts, sent.reference)
    ask(client, sent.reference)
    page = enter(client, code_from_standin(app_parts, notify, sent.reference))
    assert page.status_code == 200 and "data-survey-offer" in page.get_data(as_text=True)
