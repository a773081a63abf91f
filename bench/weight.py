"""Page weight: bytes a person downloads for a page and everything it loads, compressed as
the server sends it (gzip), for the heaviest public form page and the heaviest site page."""

from __future__ import annotations

import gzip
import os
import re
import tempfile
from pathlib import Path
from urllib.parse import urljoin, urlsplit

PROJECT = Path(__file__).resolve().parent.parent
ASSET = re.compile(r'(?:href|src)="([^"#?]+\.(?:css|js|svg|png|ico|woff2?|jpg))"')
HEADERS = {"Accept-Encoding": "gzip, deflate, br"}


def _weigh(client, path: str, cache: dict) -> int:
    """Bytes of a page and its assets (each asset counted once per page, as a fresh visitor)."""
    response = client.get(path, headers=HEADERS)
    total = len(response.data) + 300  # a typical response header
    html = response.data
    if response.headers.get("Content-Encoding") == "gzip":
        html = gzip.decompress(html)
    for asset in sorted(set(ASSET.findall(html.decode("utf-8", "replace")))):
        url = urljoin(path, asset)
        if urlsplit(url).netloc:
            continue  # nothing is loaded from elsewhere; an external link is not a download
        if url not in cache:
            asset_response = client.get(url, headers=HEADERS)
            cache[url] = len(asset_response.data) + 300
        total += cache[url]
    return total


def form_pages() -> dict:
    """Walk every journey in every wording and language and weigh each page on the way."""
    from forms_app import create_app
    from tests.support.walker import ANSWERS, walk

    weights = {}
    with tempfile.TemporaryDirectory(dir=PROJECT / "build") as scratch:
        from bench.submit import _settings

        # 25 walks from one client address: lift the per-address limit, as the other benches do.
        saved = os.environ.get("FORMS_APP_DATA_DIR")
        os.environ["FORMS_APP_DATA_DIR"] = str(Path(scratch) / "data")
        try:
            app = create_app(str(_settings(scratch)))
        finally:
            if saved is None:
                os.environ.pop("FORMS_APP_DATA_DIR")
            else:
                os.environ["FORMS_APP_DATA_DIR"] = saved
        for prefix in ("", "/easy-read", "/young-people", "/cy", "/cy/easy-read"):
            for slug, answers in ANSWERS.items():
                client = app.test_client()

                def get(url, client=client):
                    weights[url] = _weigh(client, url, {})
                    response = client.get(url, follow_redirects=True)
                    return (
                        response.request.path,
                        response.status_code,
                        response.get_data(as_text=True),
                    )

                def post(url, data, client=client):
                    response = client.post(url, data=data, follow_redirects=True)
                    path = response.request.path
                    weights[path] = max(weights.get(path, 0), _weigh(client, path, {}))
                    return path, response.status_code, response.get_data(as_text=True)

                walk(get, post, f"{prefix}/{slug}/", answers)
    heaviest = max(weights, key=weights.get)
    return {"form_page_kb": round(weights[heaviest] / 1024, 1), "heaviest_form_page": heaviest}


def site_pages() -> dict:
    from forms_app.sitebuild.server import SITE_DIR, create_site_app

    client = create_site_app().test_client()
    weights = {}
    for page in SITE_DIR.rglob("*.html"):
        path = "/" + str(page.relative_to(SITE_DIR)).replace("index.html", "")
        weights[path] = _weigh(client, path, {})
    heaviest = max(weights, key=weights.get)
    return {
        "site_page_kb": round(weights[heaviest] / 1024, 1),
        "heaviest_site_page": heaviest,
        "site_pages_weighed": len(weights),
    }
