"""Several organisations under one gunicorn (``forms_app.web.hosting:app``), and a client that
reaches each by the ``Host`` it sends, as a browser does behind the proxy.

``organisation_settings`` writes one organisation's settings file (the example settings with
its own name, data directory, host names and, if given, database); ``HostedGunicorn`` serves a
hosting file on a free port; ``HostClient`` keeps its own cookies and sends one ``Host``.
"""

from __future__ import annotations

import http.client
import http.cookies
import os
import subprocess
import time
import urllib.parse
from pathlib import Path

import yaml

from forms_app.web.hosting import SHARED_OVERRIDES
from tests.support.served import GUNICORN, PROJECT, free_port, stop_group


def organisation_settings(
    folder: Path,
    name: str,
    public_host: str,
    staff_host: str,
    *,
    store_url: str = "",
    brand_colour: str = "#1a5f7a",
) -> Path:
    """A settings file for one organisation in ``folder`` (its data in ``folder/data``)."""
    from forms_app.organisation.settings import EXAMPLE_SETTINGS

    raw = yaml.safe_load(EXAMPLE_SETTINGS.read_text("utf-8"))
    raw["organisation"] = {
        **raw["organisation"],
        "name": name,
        "short_name": name.split()[0],
        "brand_colour": brand_colour,
    }
    raw["data_dir"] = str(folder / "data")
    raw["form_url"] = f"http://{public_host}"
    raw["staff_host"] = staff_host
    if store_url:
        raw["store_url"] = store_url
    # Every test client comes from 127.0.0.1: the per-address limits would get in the way.
    raw["rate_limits"] = {
        "send": {"limit": 1_000_000, "seconds": 60},
        "post": {"limit": 1_000_000, "seconds": 60},
    }
    raw["drafts"] = {"per_address": 1_000_000}
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "settings.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    return path


def hosting_file(
    folder: Path, organisations: dict[str, Path], stylesheets: dict[str, Path] | None = None
) -> Path:
    """A hosting file listing ``{code: settings file}``, with ``{code: stylesheet}`` if any."""
    path = folder / "organisations.yaml"
    listed = [{"code": code, "settings": str(settings)} for code, settings in organisations.items()]
    for entry in listed:
        if entry["code"] in (stylesheets or {}):
            entry["stylesheet"] = str(stylesheets[entry["code"]])
    path.write_text(yaml.safe_dump({"organisations": listed}), "utf-8")
    return path


class HostedGunicorn:
    """Gunicorn serving the hosting app of ``hosting`` on a free port of 127.0.0.1."""

    def __init__(self, hosting: Path, workers: int = 2, env: dict[str, str] | None = None):
        self.hosting = hosting
        self.workers = workers
        self.env = dict(env or {})
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log_path = hosting.parent / f"gunicorn-{self.port}.log"

    def start(self, ready_host: str, timeout: float = 60) -> None:
        env = {k: v for k, v in os.environ.items() if k not in SHARED_OVERRIDES}
        env.setdefault("FORMS_APP_ENV", "testing")
        env.update(self.env)
        env["FORMS_APP_ORGANISATIONS"] = str(self.hosting)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    str(GUNICORN),
                    "-w",
                    str(self.workers),
                    "--threads",
                    "4",
                    "-b",
                    f"127.0.0.1:{self.port}",
                    "--graceful-timeout",
                    "2",
                    "--no-control-socket",
                    "forms_app.web.hosting:app",
                ],
                cwd=PROJECT,
                env=env,
                stdout=log,  # the JSON log lines, errors included
                stderr=log,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log()[-3000:]}")
            try:
                if HostClient(self.port, ready_host).get("/")[1] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not start in time: {self.log()[-3000:]}")

    def log(self) -> str:
        try:
            return self.log_path.read_bytes()[-6000:].decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def stop(self) -> None:
        stop_group(self.process)


class HostClient:
    """Plain HTTP to 127.0.0.1:``port`` naming ``host``: cookies kept, redirects followed.
    ``get`` and ``post`` return (url, status, html) as ``tests.support.walker.walk`` wants."""

    scheme = "http"

    def __init__(self, port: int, host: str, timeout: float = 20):
        self.port = port
        self.host = host
        self.timeout = timeout
        self.cookies: dict[str, str] = {}

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)

    def get(self, url: str, follow: bool = True):
        return self.request("GET", url, None, follow)

    def post(self, url: str, data: dict, follow: bool = True):
        body = urllib.parse.urlencode(data, doseq=True)
        return self.request("POST", url, body, follow)

    def request(self, method: str, url: str, body: str | None, follow: bool = True):
        path = _path(url)
        for _ in range(10):
            status, headers, text = self._once(method, path, body)
            location = headers.get("location")
            if not follow or status not in (301, 302, 303, 307, 308) or not location:
                return f"{self.scheme}://{self.host}{path}", status, text
            path = urllib.parse.urljoin(path, _path(location))
            if status in (301, 302, 303):
                method, body = "GET", None
        raise AssertionError(f"too many redirects from {url}")

    def _once(self, method: str, path: str, body: str | None):
        connection = self.connection()
        try:
            headers = {"Host": self.host}
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            if body is not None:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
                # A browser posting a form names the page's origin (the service checks it).
                headers["Origin"] = f"{self.scheme}://{self.host}"
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            for value in response.headers.get_all("Set-Cookie") or []:
                jar = http.cookies.SimpleCookie()
                jar.load(value)
                for key, morsel in jar.items():
                    if morsel["max-age"] == "0" or not morsel.value:
                        self.cookies.pop(key, None)
                    else:
                        self.cookies[key] = morsel.value
            found = {k.lower(): v for k, v in response.getheaders()}
            return response.status, found, text
        finally:
            connection.close()


def _path(url: str) -> str:
    """The path and query of a URL (whatever host it names: the client keeps its own)."""
    parts = urllib.parse.urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
