"""What the file pages share: which routes take files (only they may receive a large request),
the limits, the virus scanner the settings name, and the page shown instead of a bare 413.

The scanner is named by ``EVIDENCE_SCANNER`` in the app's configuration or the
``FORMS_APP_CLAMD`` environment variable: ``unix:/run/clamav/clamd.ctl`` (Debian's socket), a
socket path, ``tcp:host:port``, or ``none`` (outside production only: files are kept marked
"not scanned"). With no scanner, no page offers to take files.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from flask import Flask, current_app, request

from forms_app.evidence import Clamd, Limits, NoScanner, scanner_from

from .config import is_production

#: The endpoints that take files; every other route keeps the small request limit.
UPLOAD_ENDPOINTS = frozenset({"public.add_files", "staff.case_add_files"})
#: The largest request an upload route reads: more than the total of one upload's files, so a
#: request over it is refused before it is read (a friendly page, see ``too_large_page``).
UPLOAD_MAX_CONTENT_LENGTH = 48 * 1024 * 1024
LIMITS = Limits()
_SCANNER = "evidence_scanner"
_TOO_LARGE = "evidence_too_large_pages"


def allow_uploads(app: Flask) -> None:
    """Raise the request size limit on the upload routes only, and only when files are taken
    (a scanner is configured); registered before anything reads a request's body."""
    app.config.setdefault("UPLOAD_MAX_CONTENT_LENGTH", UPLOAD_MAX_CONTENT_LENGTH)

    @app.before_request
    def larger_requests_for_uploads():
        if request.endpoint in UPLOAD_ENDPOINTS and scanner() is not None:
            request.max_content_length = current_app.config["UPLOAD_MAX_CONTENT_LENGTH"]


def scanner() -> Clamd | NoScanner | None:
    """The scanner the settings name, or None: then files are not offered."""
    app = current_app
    if _SCANNER not in app.extensions:
        setting = app.config.get("EVIDENCE_SCANNER") or os.environ.get("FORMS_APP_CLAMD", "")
        app.extensions[_SCANNER] = scanner_from(setting, production=is_production())
    return app.extensions[_SCANNER]


def limits() -> Limits:
    return current_app.config.get("EVIDENCE_LIMITS") or LIMITS


def size_in_words(size: int) -> str:
    """A limit as people say it: "10 MB"."""
    return f"{size // (1024 * 1024)} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"


def register_too_large_page(app: Flask, endpoint: str, page: Callable) -> None:
    """``page()`` is shown, instead of the plain "too long" page, when a request to
    ``endpoint`` is over its size limit."""
    app.extensions.setdefault(_TOO_LARGE, {})[endpoint] = page


def too_large_page() -> Callable | None:
    return current_app.extensions.get(_TOO_LARGE, {}).get(request.endpoint)
