"""Templates: ours first, then the GOV.UK Frontend macros, and what every page can use.

Compiled templates are kept on disk (``<data_dir>/run/templates-<key>/``), so a process
started later (a restart, a new gunicorn worker) loads each page's compiled code instead of
compiling its templates again on its first request. Jinja checks each kept file against its
template's source and its own version; the folder's ``key`` covers what else shapes the
compiled code (this module, where the environment is set up), so a change to either starts a
new folder. A disk that cannot be written only means compiling again next time.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
from pathlib import Path

import jinja2
from flask import Flask, current_app, g, render_template
from flask_babel import gettext as _
from markupsafe import Markup

from forms_app.language import invisible as invisible_characters
from forms_app.organisation.settings import in_language

from .parts import EXTENSION, parts


class _KeptTemplates(jinja2.FileSystemBytecodeCache):
    """Jinja's cache of compiled templates in a folder, where a failure to read or write a
    kept file (a full disk, say) costs a compile rather than the page."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError:
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)  # to a temporary file, renamed into place


def _kept_templates(data_dir: Path) -> _KeptTemplates | None:
    """The compiled-template cache under ``data_dir``, or None when its folder cannot be made."""
    key = hashlib.sha256(Path(__file__).read_bytes() + jinja2.__version__.encode()).hexdigest()
    run = Path(data_dir) / "run"
    folder = run / f"templates-{key[:16]}"
    try:
        # One level at a time, each 0700: the data directory is never readable by others.
        for level in (run, folder):
            level.mkdir(mode=0o700, exist_ok=True)
        for other in run.glob("templates-*"):
            if other != folder:
                shutil.rmtree(other, ignore_errors=True)  # made by code no longer running
    except OSError:
        return None
    return _KeptTemplates(str(folder))


def setup_templates(app: Flask) -> None:
    app.jinja_loader = jinja2.ChoiceLoader(
        [
            jinja2.PackageLoader("forms_app", "templates"),
            jinja2.PrefixLoader(
                {"govuk_frontend_jinja": jinja2.PackageLoader("govuk_frontend_jinja")}
            ),
        ]
    )
    app.jinja_env.bytecode_cache = _kept_templates(app.extensions[EXTENSION].settings.data_dir)
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
