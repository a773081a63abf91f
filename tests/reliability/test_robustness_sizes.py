"""S10 and F4: size limits. Every free-text question of every journey, in English and Welsh, at
its schema limit (accepted), one over (refused with the question's own message in the person's
language, the text kept), 50,001 characters (refused the same way) and 1 MiB (the friendly 413
page); 1,001 form fields; a 1 MiB body; 0 server errors. And no value longer than Google's
50,000-character cell can be handed to the Sheets sync."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from markupsafe import escape

from forms_app.journeys import JOURNEYS
from forms_app.journeys.answers import message
from forms_app.public import ratelimit
from forms_app.sheets.rows import CELL_LIMIT, cell, intake_row
from tests.support.walker import ANSWERS, csrf_token, walk_to_check

FREE_TEXT = ("text", "textarea")
MIB = 1_048_576


@pytest.fixture
def sized_app(app, app_parts):
    # Hundreds of posts from 127.0.0.1: lift the per-address limits (not under test here).
    app.extensions["forms_ratelimit"] = ratelimit.RateLimiter(
        app_parts.settings.data_dir, "k", {n: ratelimit.Rule(n, 0, 60) for n in ("send", "post")}
    )
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def _fill(client, prefix: str, slug: str) -> None:
    """Answer every page of the journey (a complete draft), stopping before sending."""
    walk_to_check(client, f"{prefix}/{slug}/", ANSWERS[slug])


def _text(length: int) -> str:
    """``length`` characters, Welsh letters included, no leading or trailing space."""
    base = "Ŵyn ap Rhys ŷ "
    return ((base * (length // len(base) + 1))[: length - 1] + "x") if length else ""


def _free_text_questions(app_parts):
    for slug, journey in JOURNEYS.items():
        for step in journey.pages:
            for question in step.questions:
                answers = ANSWERS[slug]
                # Only questions the walk's answers show (the address box is hidden when
                # the person chose email): a hidden answer is never read, at any length.
                shown = step.is_shown(answers) and question.is_shown(answers)
                if question.widget in FREE_TEXT and shown:
                    spec = app_parts.contract.field(question.resource, question.name)
                    limit = spec.get("constraints", {}).get("maxLength")
                    if limit:
                        yield slug, step, question, limit


@pytest.mark.parametrize("prefix, language", [("", "en"), ("/cy", "cy")])
def test_each_free_text_field_at_and_over_its_limit(sized_app, app_parts, prefix, language):
    counts = {"accepted": 0, "refused with message": 0, "413": 0}
    for slug, step, question, limit in _free_text_questions(app_parts):
        client = sized_app.test_client()
        _fill(client, prefix, slug)
        url = f"{prefix}/{slug}/{step.slug}"
        with sized_app.test_request_context(url), force_locale(language):
            expected = str(escape(message(question, "maxLength", "standard")))
        for length, outcome in ((limit, 302), (limit + 1, 400), (50_001, 400), (MIB, 413)):
            page = client.get(url)
            assert page.status_code == 200, (url, page.status_code)
            value = _text(length)
            # The page's other answers as the walk gave them, this one at the length tried.
            data = {**ANSWERS[slug], question.name: value}
            response = client.post(url, data={**data, "csrf_token": csrf_token(page.text)})
            assert response.status_code == outcome, (url, question.name, length)
            if outcome == 400:
                # The question's own words, in the person's language, and their text kept.
                assert expected in response.text, (url, question.name, language)
                assert str(escape(value)) in response.text
                counts["refused with message"] += 1
            elif outcome == 413:
                assert "<h1" in response.text and "Traceback" not in response.text
                counts["413"] += 1
            else:
                counts["accepted"] += 1
    assert counts["accepted"] >= 9
    print(f"S10/F4 ({language}): {counts}")


def test_welsh_message_is_welsh(sized_app):
    """The Welsh page's message is not the English one (the catalogue is in use)."""
    question = JOURNEYS["complaint"].page("outcome").questions[0]
    words = {}
    for language in ("en", "cy"):
        with sized_app.test_request_context("/"), force_locale(language):
            words[language] = str(message(question, "maxLength", "standard"))
    assert words["en"] != words["cy"] and words["cy"]


def test_thousand_and_one_fields_and_a_mebibyte_body(sized_app):
    client = sized_app.test_client()
    _fill(client, "", "complaint")
    url = "/complaint/outcome"
    token = csrf_token(client.get(url).text)
    many = {f"field{n}": "x" for n in range(1_001)}
    # URL-encoded: the extra fields are ignored, the real answer is read as usual.
    plain = client.post(url, data={**many, "csrf_token": token, "outcome_wanted": "Sorry"})
    assert plain.status_code == 302
    # Multipart: more parts than MAX_FORM_PARTS is refused with the friendly 413 page.
    multi = client.post(
        url,
        data={**many, "csrf_token": token, "outcome_wanted": "Sorry"},
        content_type="multipart/form-data",
    )
    assert multi.status_code == 413 and "What you sent is too long" in multi.text
    body = b"outcome_wanted=" + b"a" * MIB + b"&csrf_token=" + token.encode()
    big = client.post(url, data=body, content_type="application/x-www-form-urlencoded")
    assert big.status_code == 413 and "What you sent is too long" in big.text
    cy = client.post("/cy" + url, data=body, content_type="application/x-www-form-urlencoded")
    assert cy.status_code == 413 and 'lang="cy"' in cy.text
    assert "What you sent is too long" not in cy.text


def test_no_value_over_the_sheets_cell_limit(app_parts):
    for length in (CELL_LIMIT - 1, CELL_LIMIT, CELL_LIMIT + 1, 50_001, MIB):
        assert len(cell("ŵ" * length)) <= CELL_LIMIT
    from forms_app.sheets.layout import Layout

    layout = Layout.build(
        app_parts.contract, include_personal=True, stages=[], owners=[], themes=[]
    )
    row = intake_row(layout, {"details": "x" * MIB}, {"name": "y" * MIB})
    assert max(len(value) for value in row) <= CELL_LIMIT
