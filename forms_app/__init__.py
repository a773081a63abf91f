"""The feedback service: public forms, staff pages and the ``feedback`` command."""

from __future__ import annotations

from flask import Flask

from .compression import setup_compression
from .config import configure
from .errors import register_error_pages
from .languages import setup_languages
from .parts import EXTENSION, Parts
from .public.views import blueprint as public_pages
from .security import protect
from .settings import load_settings
from .staff import staff_pages
from .templating import setup_templates


def create_app(settings_path: str | None = None, **overrides) -> Flask:
    """Build the app: settings, storage (recovered), languages, templates, protection, pages."""
    app = Flask(__name__)
    settings = load_settings(settings_path)
    app.extensions[EXTENSION] = parts = Parts.build(
        settings, check_filesystem=overrides.pop("CHECK_FILESYSTEM", True)
    )
    configure(app, settings, overrides)
    parts.store.recover()
    parts.drafts.purge()
    setup_languages(app)
    setup_templates(app)
    protect(app)
    app.register_blueprint(public_pages)
    app.register_blueprint(staff_pages)
    register_error_pages(app)
    setup_compression(app)
    return app
