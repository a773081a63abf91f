"""The walks' check for English on Welsh pages finds English where there is some, or their
"no English" would prove nothing."""

from __future__ import annotations

import re

from .welsh import english_on, english_pieces

TAG = re.compile(r"<[^>]+>")


def _text(html: str) -> str:
    return TAG.sub(" ", html)


def test_the_check_finds_english_on_the_english_tracking_and_complaint_pages(client):
    for path in ("/easy-read/track", "/easy-read/complaint/what-happened"):
        page = client.get(path, follow_redirects=True).get_data(as_text=True)
        assert english_on(_text(page), page), path


def test_the_check_finds_nothing_on_the_same_pages_in_welsh(client):
    for path in ("/cy/easy-read/track", "/cy/easy-read/complaint/"):
        page = client.get(path, follow_redirects=True).get_data(as_text=True)
        assert english_on(_text(page), page) == [], path


def test_the_english_pieces_are_sentences_from_the_catalogue_and_the_tracking_words():
    pieces = english_pieces()
    assert "Check on your feedback" in pieces  # the tracking page's words
    assert "You can enter up to" in pieces  # the catalogue's, cut at its placeholder
    assert "Continue" not in pieces  # one word: too short to tell a language by
