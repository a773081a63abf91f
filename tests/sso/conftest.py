"""A world for the single sign-on tests: the app (in this process, served over real HTTP on a
free port) with ``sign_in.single_sign_on`` pointing at a real OpenID provider (oidc-provider,
started with node on another free port, tests/support/oidc.py), and a ``requests`` session
that plays the browser for the tests that do not need a real one."""

from __future__ import annotations

import base64
import json
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import yaml
from joserfc import jwt

from forms_app import create_app
from forms_app.organisation.settings import EXAMPLE_SETTINGS
from tests.support.browser import live_server
from tests.support.oidc import (
    CLIENT_SECRET,
    SECRET_ENV,
    OpenIdProvider,
    sign_in_with_requests,
    single_sign_on_settings,
)


@dataclass
class SsoWorld:
    app: object
    base: str
    provider: OpenIdProvider
    data_dir: Path
    http: requests.Session

    def sign_in(self, login: str, **kwargs) -> requests.Response:
        return sign_in_with_requests(self.http, self.base, login, **kwargs)

    def signed_in(self, http: requests.Session | None = None) -> bool:
        """Whether this browser has a live staff session (the home page, not the sign-in)."""
        response = (http or self.http).get(f"{self.base}/staff/", timeout=10)
        return response.status_code == 200 and "/staff/sign-in" not in response.url

    def audit(self) -> list[dict]:
        path = self.data_dir / "audit.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]

    def resign(self, id_token: str, **changes) -> str:
        """The token's claims with ``changes`` (None removes a claim), signed again with the
        provider's own key: a token the provider could have sent."""
        claims = claims_of(id_token)
        for key, value in changes.items():
            if value is None:
                claims.pop(key, None)
            else:
                claims[key] = value
        header = {"alg": "RS256", "kid": self.provider.signing_key.kid}
        return jwt.encode(header, claims, self.provider.signing_key)


def claims_of(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


@pytest.fixture
def make_sso_world(tmp_path, monkeypatch):
    """``make_sso_world(local_accounts=False, role_map=...)``: the world, with these changes
    to the ``sign_in`` settings."""
    stack = ExitStack()
    data_dir = tmp_path / "data"
    monkeypatch.setenv("FORMS_APP_DATA_DIR", str(data_dir))
    monkeypatch.delenv("FORMS_APP_SETTINGS", raising=False)
    monkeypatch.setenv(SECRET_ENV, CLIENT_SECRET)

    def make(**changes) -> SsoWorld:
        provider = OpenIdProvider(tmp_path / "oidc", redirect_base="")
        raw = yaml.safe_load(EXAMPLE_SETTINGS.read_text("utf-8"))
        raw["sign_in"] = single_sign_on_settings(provider.issuer, **changes)
        settings = tmp_path / "settings.yaml"
        settings.write_text(yaml.safe_dump(raw), "utf-8")
        app = create_app(str(settings))
        app.config.update(TESTING=True)
        base = stack.enter_context(live_server(app))
        provider.redirect_base = base
        stack.callback(provider.stop)
        provider.start()
        http = requests.Session()
        stack.callback(http.close)
        return SsoWorld(app, base, provider, data_dir, http)

    with stack:
        yield make


@pytest.fixture
def sso_world(make_sso_world) -> SsoWorld:
    return make_sso_world()
