"""The OpenID provider as this service talks to it: its discovery document and signing keys
(kept for an hour, the keys fetched again at once when a token names a key not yet seen, as
providers rotate them), the authorization request and the code exchange (Authlib's OAuth 2
client, with PKCE S256), and the address that ends the person's session at the provider
(RP-initiated logout).

Discovery: OpenID Connect Discovery 1.0; the document's ``issuer`` must be exactly the
configured issuer (section 4.3), so a document from elsewhere is never trusted.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc6749.errors import OAuth2Error
from joserfc.jwk import KeySet

from .config import SingleSignOn

CACHE_SECONDS = 60 * 60
TIMEOUT_SECONDS = 10
# Asymmetric signatures only: never "none", never a shared-secret (HS) algorithm.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")


class ProviderError(RuntimeError):
    """The provider could not be reached, or answered with an error or nonsense."""


@dataclass(frozen=True)
class AuthorizationRequest:
    url: str
    state: str
    nonce: str
    code_verifier: str


class Provider:
    """One provider, as configured; safe to share between the threads of a process."""

    def __init__(self, config: SingleSignOn, http: requests.Session | None = None):
        self.config = config
        self.http = http or requests.Session()
        self._lock = threading.Lock()
        self._metadata: tuple[float, dict] | None = None
        self._keys: tuple[float, KeySet] | None = None

    # -- discovery and keys ---------------------------------------------------------------

    def metadata(self) -> dict:
        with self._lock:
            if self._metadata and time.monotonic() - self._metadata[0] < CACHE_SECONDS:
                return self._metadata[1]
        document = self._get_json(self.config.metadata_url)
        for key in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(document.get(key), str):
                raise ProviderError(f"the discovery document has no {key}")
        if self.config.issuer and document["issuer"].rstrip("/") != self.config.issuer:
            raise ProviderError(
                f"the discovery document is for issuer {document['issuer']!r}, "
                f"not {self.config.issuer!r}"
            )
        with self._lock:
            self._metadata = (time.monotonic(), document)
        return document

    @property
    def issuer(self) -> str:
        return self.metadata()["issuer"]

    def algorithms(self) -> list[str]:
        offered = self.metadata().get("id_token_signing_alg_values_supported") or ["RS256"]
        return [alg for alg in ALGORITHMS if alg in offered]

    def key_set(self, *, refresh: bool = False) -> KeySet:
        with self._lock:
            fresh = self._keys and time.monotonic() - self._keys[0] < CACHE_SECONDS
            if fresh and not refresh:
                return self._keys[1]
        try:
            keys = KeySet.import_key_set(self._get_json(self.metadata()["jwks_uri"]))
        except (ValueError, TypeError, KeyError) as error:
            raise ProviderError(f"the provider's keys cannot be read: {error}") from error
        with self._lock:
            self._keys = (time.monotonic(), keys)
        return keys

    def _get_json(self, url: str) -> dict:
        try:
            response = self.http.get(url, timeout=TIMEOUT_SECONDS)
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as error:
            raise ProviderError(f"cannot read {url}: {error}") from error
        if not isinstance(document, dict):
            raise ProviderError(f"{url} is not a JSON object")
        return document

    # -- signing in -----------------------------------------------------------------------

    def _client(self, redirect_uri: str) -> OAuth2Session:
        client = OAuth2Session(
            self.config.client_id,
            self.config.client_secret(),
            scope=" ".join(self.config.scopes),
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
        )
        return client

    def authorization_request(self, redirect_uri: str) -> AuthorizationRequest:
        """The address to send the person to, with a new ``state``, ``nonce`` and PKCE
        verifier (each 256 random bits; the verifier never leaves this service until the
        code exchange)."""
        state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        verifier = secrets.token_urlsafe(48)
        url, _state = self._client(redirect_uri).create_authorization_url(
            self.metadata()["authorization_endpoint"],
            state=state,
            nonce=nonce,
            code_verifier=verifier,
        )
        return AuthorizationRequest(url, state, nonce, verifier)

    def exchange(self, code: str, redirect_uri: str, code_verifier: str) -> dict:
        """Trade the authorization code for tokens at the token endpoint (the client secret
        in HTTP Basic, the PKCE verifier in the body)."""
        try:
            with self._client(redirect_uri) as client:
                token = client.fetch_token(
                    self.metadata()["token_endpoint"],
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=code_verifier,
                    timeout=TIMEOUT_SECONDS,
                )
        except (OAuthError, OAuth2Error, requests.RequestException, ValueError) as error:
            raise ProviderError(f"the code exchange failed: {error}") from error
        if not isinstance(token, dict) or not isinstance(token.get("id_token"), str):
            raise ProviderError("the token response has no ID token")
        return dict(token)

    # -- signing out ----------------------------------------------------------------------

    def logout_url(self, id_token: str, post_logout_redirect_uri: str) -> str | None:
        """The provider's end-session address for this sign-in (OpenID Connect RP-Initiated
        Logout 1.0), or None when the provider has none."""
        try:
            endpoint = self.metadata().get("end_session_endpoint")
        except ProviderError:
            return None
        if not isinstance(endpoint, str) or not endpoint:
            return None
        query = urlencode(
            {
                "id_token_hint": id_token,
                "post_logout_redirect_uri": post_logout_redirect_uri,
                "client_id": self.config.client_id,
            }
        )
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
