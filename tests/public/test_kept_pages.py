"""The confirmation page is drawn once and kept (public/rendering.render_kept): what each person
is served must be exactly the page drawn in full for them, and never carry anyone else's."""

from __future__ import annotations

import re

import pytest

from forms_app.public import rendering, views
from tests.public.test_journeys import _client_fetchers
from tests.support.walker import ANSWERS, walk

NONCE = re.compile(r"'nonce-([^']+)'")


def _full_render(name, *, key, volatile, context):
    return rendering.render(name, **context(), **volatile)


def _confirmation(client, url):
    response = client.get(url)
    assert response.status_code == 200
    nonce = NONCE.search(response.headers["Content-Security-Policy"]).group(1)
    return response.get_data(as_text=True), nonce


@pytest.mark.parametrize(
    "start", ["/complaint/", "/cy/comment/", "/easy-read/compliment/", "/cy/young-people/pals/"]
)
def test_kept_page_is_the_full_page_for_each_person(app, monkeypatch, start):
    slug = start.rstrip("/").rsplit("/", 1)[-1]
    served = []
    for _person in range(3):
        client = app.test_client()
        get, post = _client_fetchers(client)
        result = walk(get, post, start, ANSWERS[slug])
        url = f"{start}confirmation"
        kept, kept_nonce = _confirmation(client, url)
        with monkeypatch.context() as patched:
            patched.setattr(views, "render_kept", _full_render)
            full, full_nonce = _confirmation(client, url)
        assert kept_nonce != full_nonce  # a fresh nonce each time, put where the page uses it
        assert kept.count(kept_nonce) == full.count(full_nonce) >= 1
        assert kept.replace(kept_nonce, "N") == full.replace(full_nonce, "N")
        served.append((result.reference, kept))
    assert app.extensions["kept_pages"], "the page was not kept"
    for reference, page in served:
        others = [ref for ref, _page in served if ref != reference]
        assert reference in page and not any(other in page for other in others)


def test_a_query_string_is_never_kept_for_others(app):
    client = app.test_client()
    get, post = _client_fetchers(client)
    walk(get, post, "/comment/", ANSWERS["comment"])
    marked = client.get("/comment/confirmation?q=zzmarkzz").get_data(as_text=True)
    assert "zzmarkzz" in marked  # the language switch keeps the query string
    plain = client.get("/comment/confirmation").get_data(as_text=True)
    assert "zzmarkzz" not in plain
