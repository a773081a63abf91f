"""Drawing a public page: the most specific template for the person's wording, and what every
public page carries (the language switch, the wording, the easy-read picture)."""

from __future__ import annotations

from flask import g, render_template, request, url_for

from ..journeys.pictures import PICTURES
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
