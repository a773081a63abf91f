"""The same-origin check on every form, in process: which Origin and Referer values count as
this service's own, over plain HTTP and over HTTPS (the served topology is in test_https.py)."""

from __future__ import annotations

import html as html_lib

import pytest

from tests.support.security_world import first_question_page
from tests.support.walker import COMPLAINT, csrf_token

FIRST = f"/complaint/{first_question_page('complaint')}"


def _post(app, base_url: str, headers: dict):
    client = app.test_client()
    page = client.get(FIRST, base_url=base_url)
    data = {**COMPLAINT, "csrf_token": csrf_token(page.get_data(as_text=True))}
    return client.post(FIRST, data=data, base_url=base_url, headers=headers)


@pytest.mark.parametrize(
    ("base_url", "headers"),
    [
        ("http://localhost", {}),
        ("http://localhost", {"Origin": "http://localhost"}),
        ("http://localhost", {"Referer": "http://localhost/complaint/"}),
        ("https://localhost", {}),
        ("https://localhost", {"Origin": "https://localhost"}),
        ("https://localhost", {"Origin": "https://LOCALHOST:443"}),
        ("https://localhost:8443", {"Origin": "https://localhost:8443"}),
        # The app sees plain HTTP from a TLS proxy it was not told to trust: the HTTPS page of
        # the same host is still ours.
        ("http://localhost:5000", {"Origin": "https://localhost"}),
    ],
)
def test_a_form_from_our_own_pages_is_accepted(app, base_url, headers):
    response = _post(app, base_url, headers)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


@pytest.mark.parametrize(
    ("base_url", "headers"),
    [
        ("http://localhost", {"Origin": "https://evil.example"}),
        ("http://localhost", {"Referer": "http://evil.example/complaint/"}),
        ("https://localhost", {"Origin": "https://evil.example"}),
        ("https://localhost", {"Origin": "null"}),
        ("https://localhost", {"Origin": "http://localhost"}),
        ("https://localhost", {"Referer": "http://localhost/complaint/"}),
        ("https://localhost", {"Origin": "https://localhost:8443"}),
        ("https://localhost", {"Origin": "https://localhost.evil.example"}),
        ("https://localhost", {"Origin": "not a web address"}),
        # An Origin is what the browser says; a matching Referer beside it does not outvote it.
        ("https://localhost", {"Origin": "https://evil.example", "Referer": "https://localhost/"}),
    ],
)
def test_a_form_from_anywhere_else_is_refused_and_what_was_typed_is_kept(app, base_url, headers):
    response = _post(app, base_url, headers)
    assert response.status_code == 400
    page = html_lib.unescape(response.get_data(as_text=True))
    assert "session had ended" in page
    assert 'value="no" checked' in page  # the answer typed on the page is shown again
