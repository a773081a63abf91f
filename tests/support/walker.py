"""Walk a journey the way a person without JavaScript would: follow the start button, answer
each page by posting the form, continue past content pages, send, and read the reference."""

from __future__ import annotations

import contextlib
import html as html_lib
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

FORM_ACTION = re.compile(r'<form method="post" novalidate(?: action="([^"]*)")?[^>]*>')
BUTTON_LINK = re.compile(r'<a href="([^"]+)" role="button"[^>]*class="govuk-button')
REFERENCE = re.compile(r"data-reference>([A-Z0-9-]+)<")

# Answers by field name; a date is given as its three parts.
COMPLAINT = {
    "happening_now": "no",
    "tried_already": "spoke_to_staff",
    "service": "home-care",
    "service_detail": "Evening calls, Heol y Felin",
    "details": "The carer did not come on Tuesday evening.\nMam missed her tea and medication.",
    "happened_on-day": "3",
    "happened_on-month": "3",
    "happened_on-year": "2025",
    "outcome_wanted": "An explanation, and calls that arrive on time.",
    "on_behalf": "someone_else",
    "subject_name": "Gwenllian Parry",
    "relationship": "relative",
    "consent": "agreed",
    "anonymous": "false",
    "name": "Dafydd Parry",
    "preferred_contact": "email",
    "email": "dafydd.parry@example.com",
    "phone": "07700 900123",
    "communication_needs": ["large_print"],
    "advocate": "no",
}
COMPLIMENT = {
    "service": "community-nursing",
    "thank_who": "The district nurses in Trefenghraifft",
    "details": "Diolch! They were kind, patient and always on time.",
    "anonymous": "true",
}
ENQUIRY = {
    "happening_now": "yes",
    "tried_already": "no",
    "service": "not_sure",
    "details": "How do I ask for a copy of my care plan?",
    "on_behalf": "self",
    "name": "Priya Ashdown",
    "preferred_contact": "phone",
    "phone": "07700 900456",
}
CONCERN = {**COMPLAINT, "on_behalf": "self", "anonymous": "true"}
COMMENT = {
    "service": "carers-support",
    "details": "Larger print on the leaflets, please.",
    "anonymous": "true",
}
ANSWERS = {
    "complaint": COMPLAINT,
    "concern": CONCERN,
    "comment": COMMENT,
    "compliment": COMPLIMENT,
    "pals": ENQUIRY,
}


@dataclass
class Walk:
    reference: str | None = None
    pages: list[str] = field(default_factory=list)
    final_html: str = ""


def walk(get, post, start_url: str, answers: dict, max_steps: int = 30) -> Walk:
    """``get(url)`` and ``post(url, data)`` return (final_url, status, html) after redirects."""
    result = Walk()
    url, status, page = get(start_url)
    assert status == 200, (start_url, status)
    match = BUTTON_LINK.search(page)
    assert match, "start page has no start button"
    url, status, page = get(urljoin(url, html_lib.unescape(match.group(1))))
    for _ in range(max_steps):
        result.pages.append(url)
        assert status in (200,), (url, status, _problems(page))
        if "data-reference" in page:
            result.reference = REFERENCE.search(page).group(1)
            result.final_html = page
            return result
        form = FORM_ACTION.search(page)
        if form:
            token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            data = {"csrf_token": token, **answers}
            action = html_lib.unescape(form.group(1)) if form.group(1) else url
            url, status, page = post(urljoin(url, action), data)
        else:
            link = BUTTON_LINK.search(page)
            assert link, f"{url} has neither a form nor a continue button"
            url, status, page = get(urljoin(url, html_lib.unescape(link.group(1))))
    raise AssertionError(f"journey did not finish in {max_steps} steps: {result.pages}")


def _problems(page: str) -> list[str]:
    return re.findall(r'<a href="#[^"]+">([^<]+)</a>', page)


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def walk_to_check(client, start_url: str, answers: dict):
    """With a Flask test client, answer every page of a journey from ``start_url`` and stop at
    check-your-answers without sending (a complete draft); returns that page's response."""

    def get(url):
        response = client.get(url, follow_redirects=True)
        return response.request.path, response.status_code, response.get_data(as_text=True)

    def post(url, data):
        if url.endswith("check-your-answers"):
            raise _AtCheck
        response = client.post(url, data=data, follow_redirects=True)
        return response.request.path, response.status_code, response.get_data(as_text=True)

    with contextlib.suppress(_AtCheck):
        walk(get, post, start_url, answers)
    return client.get(urljoin(start_url, "check-your-answers"))


class _AtCheck(Exception):
    """The walk reached the page that would send: stop there."""
