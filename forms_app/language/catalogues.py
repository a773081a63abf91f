"""Languages: gettext catalogues through Flask-Babel, chosen by the URL's prefix."""

from __future__ import annotations

from flask import Flask, g
from flask_babel import Babel

babel = Babel()


def current_language() -> str:
    return g.get("language", "en")


def setup_languages(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en_GB")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Europe/London")
    babel.init_app(app, locale_selector=lambda: "cy" if current_language() == "cy" else "en_GB")
