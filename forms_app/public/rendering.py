"""Drawing a public page: the most specific template for the person's wording, and what every
public page carries (the language switch, the wording, the easy-read picture)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable, Mapping

from flask import current_app, g, render_template, request, url_for
from markupsafe import escape

from forms_app.journeys.pictures import PICTURES
from forms_app.web.security import csp_nonce

from .prefixes import LANGUAGES


def render(name: str, *, picture: str | None = None, **context):
    """Render ``<variant>/<name>`` if the wording has its own layout, else ``<name>``."""
    variant = g.get("variant", "standard")
    shown = picture if variant == "easy-read" and picture in PICTURES else None
    return render_template(
        [f"{variant}/{name}", name],
        variant=variant,
        switch=language_switch(),
        picture=shown,
        picture_alt=PICTURES[shown].get(variant) if shown else None,
        **context,
    )


KEPT_PAGES = 512


def render_kept(
    name: str, *, key: Hashable, volatile: Mapping[str, str], context: Callable[[], dict]
) -> str:
    """``render`` for a page that is the same for everyone with the same ``key`` apart from the
    ``volatile`` values (and the CSP nonce): drawn once with marks in their places, kept, and
    served by putting this request's values in. The confirmation page is drawn once per
    submission, so its GOV.UK frame would otherwise cost more than storing the submission.
    ``context`` gives the rest of what the page shows, and is called only when the page is
    drawn (its words and addresses cost more to work out than serving the kept page).

    Only for pages with no form (no CSRF token) and no query string; ``key`` must hold every
    other value the page shows. A mark that does not come through the template unchanged
    (a filter altered it) means the page is drawn in full every time, never served wrong."""
    if request.query_string:
        return render(name, **context(), **volatile)
    kept = current_app.extensions.setdefault("kept_pages", {})
    full_key = (name, g.get("variant", "standard"), g.get("language", "en"), key)
    entry = kept.get(full_key)
    if entry is None:
        entry = kept[full_key] = _draw_with_marks(name, volatile, context())
        if len(kept) > KEPT_PAGES:  # dates move on daily: old pages are dropped wholesale
            kept.clear()
            kept[full_key] = entry
    if entry is False:
        return render(name, **context(), **volatile)
    html, marks = entry
    values = {marks[field]: str(escape(volatile[field])) for field in volatile}
    values[marks[_NONCE]] = csp_nonce()
    for mark, value in values.items():
        html = html.replace(mark, value)
    return html


_NONCE = "\0nonce"


def _draw_with_marks(name: str, volatile: Mapping[str, str], context: dict):
    marks = {field: f"kept{secrets.token_hex(12)}" for field in [*volatile, _NONCE]}
    real_nonce = csp_nonce()
    g.csp_nonce = marks[_NONCE]
    try:
        html = render(name, **context, **{field: marks[field] for field in volatile})
    finally:
        g.csp_nonce = real_nonce
    if not all(mark in html for mark in marks.values()):
        return False
    return html, marks


def language_switch() -> dict | None:
    """The other language's name and the same page's address in it."""
    if request.endpoint is None or not request.endpoint.startswith("public."):
        return None
    language = g.get("language", "en")
    other = next(code for code in LANGUAGES if code != language)
    url = url_for(request.endpoint, **(request.view_args or {}), lang=other)
    if request.query_string:
        url += "?" + request.query_string.decode("ascii", "replace")
    return {
        "language": other,
        "name": {"cy": "Cymraeg", "en": "English"}[other],
        "url": url,
    }
