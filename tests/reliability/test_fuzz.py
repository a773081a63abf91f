"""F1/F2: Hypothesis over the public POSTs. 200 examples per endpoint in `make test`; the slow
tier is `make test-nightly PYTEST_ARGS='-m fuzz'` (2,000; or FUZZ_EXAMPLES=N).
0 server errors; every accepted answer is stored exactly as NFC(input)
with CR/CRLF made LF (Welsh, emoji, RTL, apostrophes)."""

from __future__ import annotations

import os
import re
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forms_app.public import ratelimit
from forms_app.web.parts import EXTENSION
from tests.security.test_abuse import _to_check_page
from tests.support.tier import scaled
from tests.support.walker import COMPLAINT, csrf_token

pytestmark = pytest.mark.fuzz
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", scaled(200, 2000)))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=400) | st.sampled_from(
    [
        "Ŵ ŷ Ŵ Ŷ ẁ ẃ ẅ ỳ ý ÿ w\u0302",
        "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch",
        "O'Brien D'Arcy Smith-Jones",
        "مرحبا بالعالم اردو",
        "👩🏽‍⚕️ 🏴󠁧󠁢󠁷󠁬󠁳󠁿 ‮evil‬",
        "line one\r\nline two\rthree",
    ]
)
FIELDS = {
    "service_detail": "service",
    "details": "details",
    "outcome_wanted": "outcome",
    "name": "name",
}


@pytest.fixture
def fuzz_app(app, app_parts):
    app.extensions["forms_ratelimit"] = ratelimit.RateLimiter(
        app_parts.settings.data_dir, "k", {n: ratelimit.Rule(n, 0, 60) for n in ("send", "post")}
    )
    return app


def _pages(client):
    """Every question page URL of the complaint journey, in order, from a walk."""
    page = _to_check_page(client)
    return page


@pytest.mark.parametrize("field", sorted(FIELDS))
def test_each_text_field_never_errors_and_is_kept_exactly(fuzz_app, field):
    client = fuzz_app.test_client()
    _to_check_page(client)  # a complete draft, so every page can be posted
    parts = fuzz_app.extensions[EXTENSION]
    page_url = _page_of(client, field)

    @FUZZ
    @given(value=TEXT)
    def check(value):
        form = client.get(page_url)
        assert form.status_code == 200
        response = client.post(
            page_url,
            data={"csrf_token": csrf_token(form.get_data(as_text=True)), field: value},
        )
        assert response.status_code < 500, response.status_code
        if response.status_code in (302, 303):
            assert _draft_value(client, parts, field) == stored_form(field, value)
        else:
            assert response.status_code == 400

    check()


def _page_of(client, field) -> str:
    check = client.get("/complaint/check-your-answers").get_data(as_text=True)
    import html
    import re

    for href in re.findall(r'href="([^"]+)"', check):
        href = html.unescape(href)
        if href.endswith(f"#{field}"):
            return href.split("#")[0]
    raise AssertionError(f"no change link for {field}")


def _draft_value(client, parts, field):
    """What the server kept for the field, read from the person's draft."""
    with client.session_transaction() as session:
        draft_id = session["draft"]
    return parts.drafts.load(draft_id)["journeys"]["complaint"]["answers"][field]


SINGLE_LINE = {"service_detail", "name"}


def stored_form(field: str, value: str) -> str:
    """The documented normal form of an accepted answer: NFC; CR and CRLF become LF; a
    single-line answer has its runs of white space made one space (a text box cannot hold a
    line break); outer blank lines and spaces are trimmed."""
    text = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    if field in SINGLE_LINE:
        return re.sub(r"\s+", " ", text).strip()
    return text.strip("\n ").rstrip()


def test_accepted_answers_are_stored_exactly_end_to_end(fuzz_app):
    parts = fuzz_app.extensions[EXTENSION]
    seen = {"accepted": 0}

    @settings(
        max_examples=max(10, EXAMPLES // 20),
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(details=TEXT, name=TEXT)
    def check(details, name):
        client = fuzz_app.test_client()
        answers = {**COMPLAINT, "details": details, "name": name}
        try:
            page = _to_check_page(client, answers)
        except AssertionError:
            return  # a rejected answer (400 with the text re-shown) stops the walk
        if page.status_code != 200:
            return
        sent = client.post(
            "/complaint/check-your-answers",
            data={"csrf_token": csrf_token(page.get_data(as_text=True))},
        )
        assert sent.status_code in (303, 302), sent.status_code
        rows = list(parts.store.rows("submissions"))
        personal = {r["ref"]: r for r in parts.store.rows("personal")}
        row = rows[-1]

        assert row["details"] == stored_form("details", details)
        assert personal[row["ref"]]["name"] == stored_form("name", name)
        seen["accepted"] += 1

    check()
