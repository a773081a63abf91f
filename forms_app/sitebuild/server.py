"""Serve the built site (``build/site``) on localhost, with gzip, for ``make run``.

In production the site is static files behind the organisation's web server; this is for the
demo and the benchmarks, so that what is measured is what a person would download.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, abort, send_from_directory

from forms_app.web.compression import setup_compression

SITE_DIR = Path(__file__).resolve().parents[2] / "build" / "site"


def create_site_app(site_dir: Path = SITE_DIR) -> Flask:
    app = Flask(__name__, static_folder=None)

    @app.get("/", defaults={"path": ""})
    @app.get("/<path:path>")
    def page(path: str):
        target = site_dir / path
        if path == "" or path.endswith("/") or target.is_dir():
            path = path.rstrip("/") + "/index.html" if path else "index.html"
        if not (site_dir / path).is_file():
            abort(404)
        return send_from_directory(site_dir, path)

    @app.errorhandler(404)
    def not_found(_error):
        missing = site_dir / "404.html"
        if missing.exists():
            return send_from_directory(site_dir, "404.html"), 404
        return "Not found", 404

    setup_compression(app)
    return app
