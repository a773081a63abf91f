"""A real OpenID provider for the single sign-on tests: the npm package ``oidc-provider``
(tests/support/oidc/provider.mjs, installed by ``make oidc``) started with node on a free port.

``OpenIdProvider`` writes the provider's configuration (clients, the signing key, the accounts
of the "directory") to a JSON file, starts node and waits for the discovery document. The test
keeps the private signing key (``signing_key``), so it can sign a token exactly as the provider
would, with one claim changed (a wrong audience, an expired token), and the accounts can be
changed between sign-ins (``set_account``): the provider reads them again at every sign-in.

``sign_in_with_requests`` walks a sign-in through the provider's own login form with
``requests`` (no browser): start at the service, fill the provider's form, follow the redirects
back to the service.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import requests
from joserfc.jwk import RSAKey

from tests.support.served import free_port, stop_group

FOLDER = Path(__file__).resolve().parent / "oidc"
SCRIPT = FOLDER / "provider.mjs"
CLIENT_ID = "casework"
CLIENT_SECRET = "a-test-only-client-secret-of-enough-length"
SECRET_ENV = "FEEDBACK_TEST_SSO_CLIENT_SECRET"

#: The people in the test directory: sub -> claims. Roles are Entra-style app role values,
#: groups are group object ids (invented).
DIRECTORY = {
    "0001-olwen": {
        "preferred_username": "olwen.officer@riverside.example.org",
        "name": "Olwen Officer",
        "email": "olwen.officer@riverside.example.org",
        "roles": ["Casework.Officer"],
        "groups": ["grp-home-care"],
    },
    "0002-macsen": {
        "preferred_username": "macsen.manager@riverside.example.org",
        "name": "Macsen Manager",
        "email": "macsen.manager@riverside.example.org",
        "roles": ["Casework.Manager", "Casework.Officer"],
        "groups": ["grp-home-care", "grp-mental-health"],
    },
    "0003-nobody": {
        "preferred_username": "nia.nomap@riverside.example.org",
        "name": "Nia Nomap",
        "email": "nia.nomap@riverside.example.org",
        "roles": ["Finance.Reader"],
        "groups": ["grp-finance"],
    },
}


def single_sign_on_settings(issuer: str, **changes) -> dict:
    """The ``sign_in`` settings section for this provider (changes override keys of
    ``single_sign_on``; ``local_accounts`` is a key of the section)."""
    local_accounts = changes.pop("local_accounts", True)
    section = {
        "issuer": issuer,
        "client_id": CLIENT_ID,
        "client_secret_env": SECRET_ENV,
        "directory_name": "Riverside staff directory",
        "scopes": ["openid", "profile", "email", "roles", "groups"],
        "role_claim": "roles",
        "role_map": {
            "Casework.Officer": ["officer"],
            "Casework.Manager": ["manager"],
            "Casework.Admin": ["admin"],
        },
        "service_claim": "groups",
        "service_map": {
            "grp-home-care": ["home-care"],
            "grp-mental-health": ["mental-health"],
        },
        "username_claim": "preferred_username",
        "name_claim": "name",
        "email_claim": "email",
    }
    section.update(changes)
    return {"single_sign_on": section, "local_accounts": local_accounts}


class OpenIdProvider:
    def __init__(self, folder: Path, redirect_base: str):
        """``redirect_base``: the service's address (http://127.0.0.1:PORT), for the client's
        redirect, post-logout and back-channel logout addresses."""
        self.folder = folder
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.config_path = folder / "provider.json"
        self.log_path = folder / "provider.log"
        self.signing_key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1"})
        self.accounts = json.loads(json.dumps(DIRECTORY))
        self.redirect_base = redirect_base
        self.process: subprocess.Popen | None = None

    def _write(self) -> None:
        base = self.redirect_base
        client = {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_uris": [f"{base}/staff/sign-in/callback"],
            "post_logout_redirect_uris": [f"{base}/staff/signed-out"],
            "backchannel_logout_uri": f"{base}/staff/sign-in/back-channel-logout",
            "backchannel_logout_session_required": True,
            "response_types": ["code"],
            "grant_types": ["authorization_code"],
            "token_endpoint_auth_method": "client_secret_basic",
        }
        other = {**client, "client_id": "another-app", "client_secret": CLIENT_SECRET + "-2"}
        other.pop("backchannel_logout_uri")
        other.pop("backchannel_logout_session_required")
        config = {
            "clients": [client, other],
            "jwks": {"keys": [self.signing_key.as_dict(private=True)]},
            "accounts": self.accounts,
        }
        temporary = self.config_path.with_suffix(".tmp")
        temporary.write_text(json.dumps(config), "utf-8")
        os.replace(temporary, self.config_path)

    def set_account(self, sub: str, **claims) -> None:
        """Change a person in the directory (e.g. ``roles=[]``); the next sign-in sees it."""
        self.accounts[sub].update(claims)
        self._write()

    def start(self, timeout: float = 30) -> None:
        node = shutil.which("node")
        if node is None or not (FOLDER / "node_modules" / "oidc-provider").is_dir():
            raise RuntimeError("node or oidc-provider is missing: run `make oidc`")
        self.folder.mkdir(parents=True, exist_ok=True)
        self._write()
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [node, str(SCRIPT), str(self.port), str(self.config_path)],
                cwd=FOLDER,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        discovery = f"{self.issuer}/.well-known/openid-configuration"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"oidc-provider exited: {self.log()}")
            try:
                if requests.get(discovery, timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError(f"oidc-provider did not start in time: {self.log()}")

    def log(self) -> str:
        try:
            return self.log_path.read_bytes()[-3000:].decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def stop(self) -> None:
        stop_group(self.process, timeout=5)


def _form(html: str, base: str) -> tuple[str, dict[str, str]]:
    """The first form on a page: its absolute action and its hidden and pre-filled fields."""
    match = re.search(r'<form[^>]*action="([^"]*)"', html)
    if not match:
        raise AssertionError(f"no form on the page: {html[:500]}")
    fields = {
        unescape(name): unescape(value)
        for name, value in re.findall(
            r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html
        )
    }
    return urljoin(base, unescape(match.group(1))), fields


def sign_in_with_requests(
    session: requests.Session, service: str, login: str, *, stop_at_callback: bool = False
) -> requests.Response:
    """Sign in at the service as the directory person ``login`` (their sub) through the
    provider's login form, following every redirect. ``stop_at_callback``: return the
    provider's redirect to the service's callback without following it (its Location is the
    callback address, code and state included)."""
    page = session.get(f"{service}/staff/sign-in/directory", timeout=10)
    assert "login" in page.text and page.url.startswith("http"), page.text[:500]
    action, fields = _form(page.text, page.url)
    fields.update(login=login, password="any password")
    response = session.post(action, data=fields, timeout=10, allow_redirects=False)
    # The provider's own redirects (login done, back to its authorization endpoint), until
    # it sends the browser back to the service.
    for _ in range(10):
        location = response.headers.get("Location")
        if location is None:
            return response
        target = urljoin(response.url, location)
        if target.startswith(service) and stop_at_callback:
            return response
        if target.startswith(service):
            return session.get(target, timeout=10)
        response = session.get(target, timeout=10, allow_redirects=False)
    raise AssertionError("too many redirects at the provider")
