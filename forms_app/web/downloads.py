"""Sending one of a case's files to a browser: as an attachment, with a type browsers do not
run, and nothing in it allowed to run even if shown. The file must have passed the virus check
(or, outside production with no scanner, be marked "not scanned"): callers check that first."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response

from forms_app.evidence import KINDS, download_name


def attachment(name: str) -> str:
    """A Content-Disposition naming the file safely (RFC 6266: an ASCII fallback, and the real
    name percent-encoded as UTF-8)."""
    ascii_name = name.encode("ascii", "replace").decode("ascii").replace("?", "_")
    ascii_name = ascii_name.replace('"', "_").replace("\\", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def file_response(row: dict, data: bytes) -> Response:
    """The response that downloads one file (its evidence row and bytes)."""
    response = Response(data, mimetype=KINDS[row["kind"]].media_type)
    response.headers["Content-Disposition"] = attachment(download_name(row["name"], row["kind"]))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
