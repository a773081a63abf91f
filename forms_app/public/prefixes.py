"""Language and wording prefixes on public URLs: ``/complaint/``, ``/easy-read/complaint/``,
``/cy/complaint/``, ``/cy/young-people/complaint/``.

Every public rule is registered once per prefix with the language and variant as defaults, so
``url_for`` keeps the person in their language and wording without any view knowing about it.
A printed leaflet or a QR code can carry any of these links.
"""

from __future__ import annotations

from flask import Blueprint, g

from forms_app.storage.vocabulary import LANGUAGES, VARIANTS


def prefixes() -> list[tuple[str, str, str]]:
    """(prefix, language, variant) for every way in."""
    out = []
    for language in LANGUAGES:
        for variant in VARIANTS:
            parts = [] if language == "en" else [language]
            if variant != "standard":
                parts.append(variant)
            out.append(("/" + "/".join(parts) if parts else "", language, variant))
    return out


def add_prefixed_rule(blueprint: Blueprint, rule: str, endpoint: str, view, methods) -> None:
    for prefix, language, variant in prefixes():
        blueprint.add_url_rule(
            prefix + rule,
            endpoint,
            view,
            methods=list(methods),
            defaults={"lang": language, "variant": variant},
        )


def install(blueprint: Blueprint) -> None:
    """Move the language and variant out of the view arguments and into ``g``."""

    @blueprint.url_value_preprocessor
    def pull(_endpoint, values):
        if values is not None:
            g.language = values.pop("lang", "en")
            g.variant = values.pop("variant", "standard")

    @blueprint.url_defaults
    def push(_endpoint, values):
        values.setdefault("lang", g.get("language", "en"))
        values.setdefault("variant", g.get("variant", "standard"))
