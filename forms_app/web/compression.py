"""Gzip for pages and assets, so a form costs little to load on a slow phone connection.

Pages are compressed per response; static files once per file version and kept in memory.
Behind a reverse proxy that compresses already, this does no harm: the proxy sees the encoding.
"""

from __future__ import annotations

import gzip
from functools import lru_cache

from flask import Flask, Response, request

COMPRESSIBLE = (
    "text/html",
    "text/css",
    "text/plain",
    "text/javascript",
    "application/javascript",
    "application/json",
    "image/svg+xml",
)
MINIMUM_BYTES = 500


@lru_cache(maxsize=256)
def _compressed_file(path: str, etag: str, data: bytes) -> bytes:
    # Keyed by the file's ETag, so a rebuilt asset is compressed afresh.
    return gzip.compress(data, compresslevel=9, mtime=0)


def compress(response: Response) -> Response:
    if (
        "gzip" not in request.headers.get("Accept-Encoding", "")
        or response.status_code < 200
        or response.status_code >= 300
        or "Content-Encoding" in response.headers
        or response.mimetype not in COMPRESSIBLE
    ):
        return response
    response.vary.add("Accept-Encoding")
    static = response.direct_passthrough
    response.direct_passthrough = False
    data = response.get_data()
    if len(data) < MINIMUM_BYTES:
        return response
    if static:
        etag = response.get_etag()[0] or ""
        body = _compressed_file(request.path, etag, data)
    else:
        body = gzip.compress(data, compresslevel=6, mtime=0)
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    response.headers["Content-Length"] = str(len(body))
    return response


def setup_compression(app: Flask) -> None:
    app.after_request(compress)
