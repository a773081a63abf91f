"""What a person typed (their name, their address, who they thank) goes into a letter as plain
words: Markdown in it never becomes a link, an image or formatting, in the letter's HTML or in
its PDF, and nothing it names is fetched."""

from __future__ import annotations

import re
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from forms_app.casework.deadlines import stage_due
from forms_app.casework.state import fold
from forms_app.letters import catalogue
from forms_app.letters.document import body_html, page
from forms_app.letters.fill import context, fill, markdown_literal
from forms_app.letters.pdf import print_letter
from forms_app.organisation.settings import EXAMPLE_SETTINGS, load_settings
from tests.support.pdf_objects import pdf_objects

SETTINGS = load_settings(EXAMPLE_SETTINGS)
CSS = (catalogue.DEFAULT_DIR / "letter.css").read_text("utf-8")
PROCEDURE = "charity-help-and-care"


@pytest.fixture
def listener():
    """A web server that records every address asked of it (nothing should ask)."""
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", asked
    finally:
        server.shutdown()
        thread.join(timeout=5)


def planted(url: str) -> list[str]:
    """Things a person might type that Markdown or HTML would act on."""
    return [
        f"[click here]({url}/link)",
        f"![x]({url}/x.png)",
        f"<img src={url}/tag.png>",
        "**bold** and _leaning_ and `code`",
        f"[ref link][1]\n\n[1]: {url}/ref",
        "# A heading\n\n- a list\n1. numbered\n> quoted\n\n---",
        f"<{url}/auto>",
        "Name\\",
    ]


def _filled(name: str, language: str, *, kind: str, person_name: str, thank_who: str) -> str:
    from forms_app.procedures.profiles import load_procedure

    procedure = load_procedure(PROCEDURE)
    submission = {
        "ref": "ABCD-2345",
        "received": "2025-03-03T10:00:00+00:00",
        "kind": kind,
        "service": "home-care",
        "language": language,
        "channel": "online",
        "procedure": PROCEDURE,
        "variant": "standard",
        "anonymous": "false",
        "thank_who": thank_who,
    }
    case = fold(submission, [], first_stage=procedure.first_stage.code)
    due = stage_due(procedure, procedure.calendar(), case, case.current, date(2025, 3, 4))
    values = context(
        case=case,
        personal={"name": person_name, "address": person_name, "postcode": "CF99 1ZZ"},
        submission=submission,
        settings=SETTINGS,
        procedure=procedure,
        due=due,
        officer="Olive Officer",
        signatory="Mina Manager",
        language=language,
        today=date(2025, 3, 4),
    )
    source = catalogue.find(catalogue.DEFAULT_DIR, PROCEDURE, language, name).source()
    return fill(source, values)


def _no_markup_from(html: str, url: str) -> None:
    body = html.split('<div class="letter__body">', 1)[-1]
    assert url not in re.findall(r'(?:href|src)="([^"]*)"', body)
    assert "<a " not in body and "<img" not in body and "<code>" not in body
    assert "<h1" not in body and "<li>" not in body and "<blockquote>" not in body
    assert "<em>" not in body and "<hr" not in body
    # The template's own bold heading stays; the person's asterisks do not become bold.
    assert "<strong>bold</strong>" not in body


@pytest.mark.parametrize("language", ["en", "cy"])
def test_a_name_full_of_markdown_stays_plain_words_in_the_letter(language, listener):
    url, _asked = listener
    for typed in planted(url):
        text = _filled(
            "acknowledgement", language, kind="complaint", person_name=typed, thank_who=""
        )
        html = page(text, {"language": language, "ref": "ABCD-2345"}, inline_css="")
        _no_markup_from(html, url)


def test_who_to_thank_full_of_markdown_stays_plain_words(listener):
    url, _asked = listener
    for typed in planted(url):
        text = _filled(
            "compliment_thanks", "en", kind="compliment", person_name="Siân", thank_who=typed
        )
        _no_markup_from(body_html(text), url)


def test_the_words_typed_are_all_still_there_to_read():
    typed = "**Ann-Marie** [O'Neil](x) #1 2. _Jones_ \\ `x` !"
    html = body_html(fill("Dear {{ name }},\n", {"name": typed}))
    shown = re.sub(r"<[^>]+>", "", html).replace("&#x27;", "'")
    assert "Dear **Ann-Marie** [O'Neil](x) #1 2. _Jones_ \\ `x` !," in shown


def test_the_template_own_markdown_still_works():
    html = body_html(fill("**Heading {{ name }}**\n\n- one\n", {"name": "*x*"}))
    assert "<strong>Heading *x*</strong>" in html and "<li>one</li>" in html


def test_values_that_are_not_words_are_left_alone():
    assert markdown_literal(3) == 3 and markdown_literal(None) is None
    assert markdown_literal(True) is True


def test_the_pdf_of_a_planted_letter_has_no_link_and_fetches_nothing(listener):
    url, asked = listener
    typed = f"[click]({url}/link) ![x]({url}/x.png) <img src={url}/tag.png>"
    text = _filled("compliment_thanks", "en", kind="compliment", person_name=typed, thank_who=typed)
    printed = print_letter(page(text, {"language": "en", "ref": "ABCD-2345"}, inline_css=CSS))
    objects = pdf_objects(printed.pdf)
    assert printed.pdf.startswith(b"%PDF-")
    assert b"/URI" not in objects and b"/Link" not in objects
    assert b"/Subtype /Image" not in objects
    assert asked == []


def test_an_emailed_letter_shows_the_typed_characters_without_backslashes():
    from forms_app.letters.document import plain_text

    typed = "**Ann-Marie** [O'Neil](x)\n# 1. \\ ==="
    text = fill("Dear {{ name }},\n", {"name": typed})
    assert "\\*" in text
    assert plain_text(text) == "Dear **Ann-Marie** [O'Neil](x)\n# 1. \\ ===,\n"
