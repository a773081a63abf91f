"""A gspread client: from the service account's key file, or pointed at a local stand-in.

gspread's plain ``HTTPClient`` is used, never its ``BackOffHTTPClient`` (which in 6.2.1
retries without end, without jitter, in the calling thread): retries are ours (``retry``).
"""

from __future__ import annotations

import json

import gspread
import requests

from .config import SheetsConfig

GOOGLE_HOSTS = ("https://sheets.googleapis.com", "https://www.googleapis.com")


class BaseURLSession(requests.Session):
    """A requests session that sends what gspread addresses to Google's API hosts to
    ``base_url`` instead (a stand-in on loopback). No credentials are ever attached."""

    def __init__(self, base_url: str):
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self.trust_env = False  # no proxies from the environment for loopback

    def request(self, method, url, *args, **kwargs):
        for host in GOOGLE_HOSTS:
            if url.startswith(host):
                url = self.base_url + url[len(host) :]
                break
        return super().request(method, url, *args, **kwargs)


def build_client(config: SheetsConfig, session: requests.Session | None = None) -> gspread.Client:
    """A client with the request timeout set; ``session`` (tests) wins over the settings."""
    if session is None and config.api_base_url:
        session = BaseURLSession(config.api_base_url)
    if session is not None:
        client = gspread.Client(auth=None, session=session)
    else:
        if config.credentials_file is None:
            raise ValueError("sheets.credentials_file is not set")
        client = gspread.service_account(filename=str(config.credentials_file))
    client.set_timeout(config.request_timeout_seconds)
    return client


def service_account_email(config: SheetsConfig) -> str:
    """The account the worker writes as: from the settings, else the key file's
    ``client_email`` (nothing else is read from the key here)."""
    if config.service_account_email:
        return config.service_account_email
    if config.credentials_file is None:
        return ""
    try:
        data = json.loads(config.credentials_file.read_text("utf-8"))
    except (OSError, ValueError):
        return ""
    email = data.get("client_email") if isinstance(data, dict) else None
    return email if isinstance(email, str) else ""
