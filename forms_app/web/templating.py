"""Templates: ours first, then the GOV.UK Frontend macros, and what every page can use."""

from __future__ import annotations

import jinja2
from flask import Flask, current_app, g, render_template
from flask_babel import gettext as _
from markupsafe import Markup

from forms_app.language import invisible as invisible_characters
from forms_app.organisation.settings import in_language

from .parts import parts


def setup_templates(app: Flask) -> None:
    app.jinja_loader = jinja2.ChoiceLoader(
        [
            jinja2.PackageLoader("forms_app", "templates"),
            jinja2.PrefixLoader(
                {"govuk_frontend_jinja": jinja2.PackageLoader("govuk_frontend_jinja")}
            ),
        ]
    )
    # govuk-frontend-jinja's page template calls macros without every argument.
    app.jinja_env.undefined = jinja2.ChainableUndefined
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.finalize = invisible_characters.finalize
    app.jinja_env.globals["fragment"] = fragment

    @app.context_processor
    def organisation():
        settings = parts().settings
        return {
            "org": {**localised(settings.organisation), "brand_colour": settings.brand_colour},
            **{
                name: localised(getattr(settings, name))
                for name in ("contact", "pals", "safeguarding", "advocacy")
            },
            "org_website": settings.organisation.get("website") or settings.site_url,
            "site_url": settings.site_url,
            "service_name": _("Give feedback"),
        }


def fragment(name: str) -> Markup:
    """A part of the page frame (``templates/fragments/<name>.html``), drawn once for each
    language and wording and kept: it depends on nothing else, and the settings are fixed for
    the life of the process."""
    kept = current_app.extensions.setdefault("page_fragments", {})
    key = (name, g.get("language", "en"), g.get("variant"))
    html = kept.get(key)
    if html is None:
        html = kept[key] = Markup(render_template(f"fragments/{name}.html"))
    return html


def localised(section: dict) -> dict:
    """A settings section in the page's language: on a Welsh page a ``<key>_cy`` value stands
    in for ``<key>`` (the same convention the published site's hook uses)."""
    return in_language(section, g.get("language", "en"))
