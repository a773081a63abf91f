"""The feedback service: public forms, staff pages and the ``feedback`` command."""

from __future__ import annotations

from flask import Flask

from .language.catalogues import setup_languages
from .observing import observe
from .organisation.settings import load_settings
from .public.session_ended import typed_page_again
from .public.views import blueprint as public_pages
from .staff import staff_pages
from .staff.session_ended import staff_typed_text
from .web.compression import setup_compression
from .web.config import configure, is_production
from .web.errors import register_error_pages
from .web.hosts import setup_staff_host
from .web.parts import EXTENSION, Parts
from .web.security import protect
from .web.templating import setup_templates


def create_app(settings_path: str | None = None, **overrides) -> Flask:
    """Build the app: settings, storage (recovered), health, logs and metrics, languages,
    templates, protection, pages."""
    app = Flask(__name__)
    settings = load_settings(settings_path)
    app.extensions[EXTENSION] = parts = Parts.build(
        settings, check_filesystem=overrides.pop("CHECK_FILESYSTEM", True)
    )
    configure(app, settings, overrides)
    observe(app, settings, parts.store, parts.drafts.directory, production=is_production())
    parts.store.recover()
    parts.drafts.purge()
    setup_languages(app)
    setup_templates(app)
    setup_staff_host(app, settings)
    protect(app)
    app.register_blueprint(public_pages)
    app.register_blueprint(staff_pages)
    register_error_pages(app, typed_again={"public": typed_page_again, "staff": staff_typed_text})
    setup_compression(app)
    return app
