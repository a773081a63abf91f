"""Plain HTTP as a browser without JavaScript does it: cookies, redirects, form posts."""

from __future__ import annotations

import http.cookiejar
import urllib.error
import urllib.parse
import urllib.request


class Fetcher:
    """``handlers``: more urllib handlers, e.g. one that records the redirects followed."""

    def __init__(self, base_url: str, timeout: float = 10, handlers=()):
        self.base_url = base_url
        self.timeout = timeout
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), *handlers
        )

    def _open(self, request):
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return response.url, response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.url, error.code, error.read().decode("utf-8", "replace")

    def get(self, url):
        return self._open(urllib.parse.urljoin(self.base_url, url))

    def post(self, url, data):
        body = urllib.parse.urlencode(data, doseq=True).encode()
        request = urllib.request.Request(urllib.parse.urljoin(self.base_url, url), data=body)
        return self._open(request)
