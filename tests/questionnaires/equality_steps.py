"""Steps a person takes on the equality questions: send feedback, follow the offer on the
confirmation page, answer or skip."""

from __future__ import annotations

import html as html_lib
import re

from tests.support.walker import ANSWERS, csrf_token
from tests.tracking.conftest import submit

OFFER = re.compile(r'data-equality-offer>.*?<a class="govuk-link" href="([^"]+)"', re.S)
#: One answer to every question.
CHOSEN = {
    "age_band": "age_35_44",
    "sex": "female",
    "disability": "prefer_not_to_say",
    "ethnicity": "white_british",
    "religion": "no_religion",
    "sexual_orientation": "bisexual",
    "welsh_speaker": "welsh_yes",
}


def offer_link(html: str) -> str:
    """The address the confirmation page offers the questions at."""
    match = OFFER.search(html)
    assert match, "the confirmation page has no equality offer"
    return html_lib.unescape(match.group(1))


def questions_page(client, start: str = "/complaint/", slug: str = "complaint"):
    """Send feedback from ``start`` and follow the offer: (the questions' path, its page)."""
    sent = submit(client, start, {**ANSWERS[slug]})
    followed = client.get(offer_link(sent.html))
    assert followed.status_code == 303, followed.status_code
    path = followed.headers["Location"]
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return path, page.get_data(as_text=True)


def post(client, path: str, page: str, data: dict):
    return client.post(path, data={"csrf_token": csrf_token(page), **data})
