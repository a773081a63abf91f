"""F5: bidi controls and invisible characters (U+202E, U+2066–2069, U+200B–200D, U+00AD,
U+2060) inside names and free text, stored as an import or a phone call could store them, then
shown on every staff page about the case: each one must be isolated (inside ``<bdi>`` or an
element with ``dir="auto"``) or shown as a visible escape."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.support.security_world import fresh_world
from tests.support.staff import submit

INVISIBLE = "\u202e\u2066\u2067\u2068\u2069\u200b\u200c\u200d\u00ad\u2060"
NAME = "Ffion\u202e ŴynnhoJ\u202c ap\u200b Rhys\u2066x\u2069\u00ad"
DETAILS = "Talodd\u2067 £40\u2069 i'r\u2060 gofalwr\u200d\u200c, \u2068nid\u2069 \u202eyliad"


class _Where(HTMLParser):
    """Count each invisible character in text, and whether it sits inside an isolate."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []
        self.isolated = self.exposed = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("br", "img", "input", "meta", "link", "hr"):
            return
        isolating = tag == "bdi" or ("dir", "auto") in attrs
        self.stack.append(isolating or (bool(self.stack) and self.stack[-1]))

    def handle_endtag(self, tag):
        if self.stack and tag not in ("br", "img", "input", "meta", "link", "hr"):
            self.stack.pop()

    def handle_data(self, data):
        count = sum(data.count(ch) for ch in INVISIBLE)
        if self.stack and self.stack[-1]:
            self.isolated += count
        else:
            self.exposed += count


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with fresh_world(tmp_path_factory, "bidi") as built:
        built.bidi_ref = submit(built.parts, service="home-care", name=NAME, details=DETAILS)
        yield built


def test_every_invisible_character_is_isolated_or_escaped(world):
    client = world.signed_in("mair")
    ref = world.bidi_ref
    pages = ["/staff/", "/staff/inbox", "/staff/cases", f"/staff/cases/{ref}"]
    isolated = exposed = 0
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        where = _Where()
        where.feed(response.text)
        isolated += where.isolated
        exposed += where.exposed
        # Escapes written as text (e.g. "[U+202E]") count as shown.
        isolated += len(re.findall(r"U\+20(2E|6[6-9]|0[BCD]|60)|U\+00AD", response.text))
    print(f"F5: {isolated} isolated or escaped, {exposed} bare")
    assert isolated + exposed > 0, "the characters never reached a page: the test proves nothing"
    assert exposed == 0


def test_codes_are_plain_text_and_only_on_staff_pages(app):
    from markupsafe import Markup

    from forms_app.language.invisible import finalize, shown

    assert shown("a\u202eb\u200dc") == "a[U+202E]b[U+200D]c"
    with app.test_request_context("/staff/cases"):
        from flask import request

        # The blueprint comes from the matched rule, which a bare request context lacks.
        request.url_rule = app.url_map.bind("localhost").match("/staff/cases", return_rule=True)[0]
        assert finalize("x\u2066y") == "x[U+2066]y"
        assert isinstance(finalize(Markup("<b>\u202e</b>")), Markup)
    with app.test_request_context("/complaint/"):
        assert finalize("x\u2066y") == "x\u2066y"
