"""What the file pages share: which routes take files (only they may receive a large request),
the limits, the virus scanner the settings name, reading one uploaded file (checked, then
scanned: ``receive``), and the page shown instead of a bare 413.

The scanner is named by ``EVIDENCE_SCANNER`` in the app's configuration or the
``FORMS_APP_CLAMD`` environment variable: ``unix:/run/clamav/clamd.ctl`` (Debian's socket), a
socket path, ``tcp:host:port``, or ``none`` (outside production only: files are kept marked
"not scanned"). With no scanner, no page offers to take files.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Flask, current_app, request
from werkzeug.datastructures import FileStorage

from forms_app.evidence import (
    PENDING,
    Clamd,
    Limits,
    NoScanner,
    Refusal,
    ScannerUnavailable,
    check_file,
    scanner_from,
)
from forms_app.storage.evidence import new_file_id, sha256_of

from .config import is_production

log = logging.getLogger(__name__)

#: The endpoints that take files; every other route keeps the small request limit.
UPLOAD_ENDPOINTS = frozenset(
    {
        "public.add_files",
        "public.track_add_files",
        "public.respond",
        "staff.case_add_files",
        "staff.request_answer",
    }
)
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


def drain_refused_upload() -> None:
    """Read and drop the rest of a refused request's body on an upload route, up to the
    largest an upload route takes. The proxy in front lets these routes send that much and
    passes it all on; an app that answered without reading it would close the connection
    while the proxy was still writing, and the person would get the proxy's "502 Bad
    Gateway" instead of our page. Other routes are held to a small size by the proxy itself."""
    if request.endpoint not in UPLOAD_ENDPOINTS:
        return
    length = request.content_length or 0
    if length > current_app.config.get("UPLOAD_MAX_CONTENT_LENGTH", UPLOAD_MAX_CONTENT_LENGTH):
        return
    stream = request.environ.get("wsgi.input")
    left = length
    try:
        while stream is not None and left > 0:
            chunk = stream.read(min(left, 64 * 1024))
            if not chunk:
                break
            left -= len(chunk)
    except OSError:
        pass  # the client went away: nothing left to drain


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


@dataclass(frozen=True)
class Received:
    """One uploaded file that passed the checks: its evidence row (without the case, who added
    it or when) and its bytes. ``row["scan"]`` may say it has a virus: the caller keeps it
    in quarantine and tells the person."""

    row: dict[str, str]
    data: bytes

    @property
    def name(self) -> str:
        return self.row["name"]


def chosen_files(uploads: Iterable[FileStorage]) -> list[FileStorage]:
    """The parts that hold a file (a browser sends an empty part when none was chosen)."""
    return [upload for upload in uploads if upload.filename or upload.content_length]


def receive(upload: FileStorage, name: str, *, room: int | None = None) -> Received:
    """Read one uploaded file (never more than one byte over the limit), check it (its kind
    from its bytes, the size limits: ``room`` is what the bytes together may still grow by)
    and scan it. Raises ``Refusal`` with the reason it is not taken. A scanner that cannot be
    reached leaves the file "being checked": it is scanned again before staff open it."""
    chosen = limits()
    data = upload.stream.read(chosen.file_bytes + 1)
    kind = check_file(data, chosen)
    if room is not None and len(data) > room:
        raise Refusal("total_too_large")
    try:
        verdict = scanner().scan(data)
        scan, finding = verdict.state, verdict.signature
    except ScannerUnavailable as exc:
        log.warning("evidence: scanner unavailable, file held as pending: %s", exc)
        scan, finding = PENDING, ""
    row = {
        "id": new_file_id(),
        "name": name,
        "kind": kind,
        "size": str(len(data)),
        "sha256": sha256_of(data),
        "scan": scan,
        "finding": finding,
    }
    return Received(row, data)


def now() -> str:
    """A file row's time. To the microsecond: a file's rows are told apart by their time (the
    key is id and at), and a scan again can follow its upload within the same second."""
    return datetime.now(UTC).isoformat(timespec="microseconds")
