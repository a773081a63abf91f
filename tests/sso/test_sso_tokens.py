"""ID tokens and logout tokens that must be refused.

How the bad ID tokens are made: the sign-in runs through the real provider, and the test
intercepts the token response where Authlib hands it to the service (``Provider.exchange`` is
wrapped): the real ID token is changed (one claim, or its signature) and, except for the
signature cases, signed again with the provider's own private key, which the test generated
and gave the provider. So each token differs from a good one in exactly the way named, and
the audit log must name the check that refused it.

Bad logout tokens are posted straight to the back-channel logout address, signed the same way.
"""

from __future__ import annotations

import base64
import json
import time
import uuid

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import RSAKey

from forms_app.identity import Provider
from forms_app.identity.tokens import LOGOUT_EVENT
from tests.sso.conftest import claims_of

pytestmark = pytest.mark.slow


def _intercept(monkeypatch, change):
    original = Provider.exchange

    def exchange(self, *args, **kwargs):
        token = original(self, *args, **kwargs)
        token["id_token"] = change(token["id_token"])
        return token

    monkeypatch.setattr(Provider, "exchange", exchange)


def _refused(world, why: str):
    response = world.sign_in("0001-olwen")
    assert response.status_code == 400, response.text[:500]
    assert "Sign-in did not work" in response.text
    assert not world.signed_in()
    failures = [e["detail"] for e in world.audit() if e["action"] == "sign_in.failed"]
    assert failures and why in failures[-1], failures


def _flip_signature(token: str) -> str:
    head, body, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[10] ^= 0x01
    return f"{head}.{body}.{base64.urlsafe_b64encode(bytes(raw)).rstrip(b'=').decode()}"


def test_sso_id_token_with_a_tampered_signature_is_refused(sso_world, monkeypatch):
    _intercept(monkeypatch, _flip_signature)
    _refused(sso_world, "signature")


def test_sso_id_token_with_tampered_claims_but_the_old_signature_is_refused(sso_world, monkeypatch):
    def promote(token: str) -> str:
        head, _body, signature = token.split(".")
        claims = claims_of(token)
        claims["roles"] = ["Casework.Admin"]
        body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        return f"{head}.{body}.{signature}"

    _intercept(monkeypatch, promote)
    _refused(sso_world, "signature")


def test_sso_id_token_signed_by_another_key_with_the_same_key_id_is_refused(sso_world, monkeypatch):
    stranger = RSAKey.generate_key(2048, parameters={"kid": sso_world.provider.signing_key.kid})

    def forge(token: str) -> str:
        header = {"alg": "RS256", "kid": stranger.kid}
        return jwt.encode(header, claims_of(token), stranger)

    _intercept(monkeypatch, forge)
    _refused(sso_world, "signature")


def test_sso_expired_id_token_is_refused(sso_world, monkeypatch):
    now = int(time.time())
    _intercept(monkeypatch, lambda t: sso_world.resign(t, exp=now - 300, iat=now - 400))
    _refused(sso_world, "exp")


def test_sso_id_token_issued_long_ago_is_refused(sso_world, monkeypatch):
    now = int(time.time())
    _intercept(monkeypatch, lambda t: sso_world.resign(t, iat=now - 3600, exp=now + 3600))
    _refused(sso_world, "iat")


def test_sso_id_token_issued_in_the_future_is_refused(sso_world, monkeypatch):
    now = int(time.time())
    _intercept(monkeypatch, lambda t: sso_world.resign(t, iat=now + 3600, exp=now + 7200))
    _refused(sso_world, "iat")


def test_sso_id_token_for_another_audience_is_refused(sso_world, monkeypatch):
    # For the provider's other application: what a token stolen from it would look like. The
    # azp claim is kept as ours, so only the audience check can refuse it.
    _intercept(monkeypatch, lambda t: sso_world.resign(t, aud="another-app", azp="casework"))
    _refused(sso_world, "aud")


def test_sso_id_token_from_another_issuer_is_refused(sso_world, monkeypatch):
    _intercept(monkeypatch, lambda t: sso_world.resign(t, iss="https://login.example.net/evil"))
    _refused(sso_world, "iss")


def test_sso_id_token_without_a_nonce_is_refused(sso_world, monkeypatch):
    _intercept(monkeypatch, lambda t: sso_world.resign(t, nonce=None))
    _refused(sso_world, "nonce")


def test_sso_id_token_with_another_sign_ins_nonce_is_refused(sso_world, monkeypatch):
    _intercept(monkeypatch, lambda t: sso_world.resign(t, nonce="a-nonce-from-another-sign-in"))
    _refused(sso_world, "nonce")


def test_sso_unsigned_id_token_is_refused(sso_world, monkeypatch):
    def unsigned(token: str) -> str:
        head = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
        return f"{head}.{token.split('.')[1]}."

    _intercept(monkeypatch, unsigned)
    _refused(sso_world, "signature")


# -- logout tokens ------------------------------------------------------------------------


def _logout_token(world, **changes) -> str:
    now = int(time.time())
    claims = {
        "iss": world.provider.issuer,
        "aud": "casework",
        "iat": now,
        "exp": now + 120,
        "jti": str(uuid.uuid4()),
        "sub": "0001-olwen",
        "events": {LOGOUT_EVENT: {}},
    }
    for key, value in changes.items():
        if value is None:
            claims.pop(key, None)
        else:
            claims[key] = value
    header = {"alg": "RS256", "kid": world.provider.signing_key.kid, "typ": "logout+jwt"}
    return jwt.encode(header, claims, world.provider.signing_key)


def _post_logout(world, token: str) -> requests.Response:
    return requests.post(
        f"{world.base}/staff/sign-in/back-channel-logout",
        data={"logout_token": token},
        timeout=10,
    )


def test_sso_back_channel_logout_token_made_here_ends_the_persons_sessions(sso_world):
    # The control for the refusals below: the same kind of token, right in every way, works.
    sso_world.sign_in("0001-olwen")
    assert _post_logout(sso_world, _logout_token(sso_world)).status_code == 200
    assert not sso_world.signed_in()


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"aud": "another-app"}, "aud"),
        ({"iss": "https://login.example.net/evil"}, "iss"),
        ({"nonce": "n-0S6_WzA2Mj"}, "nonce"),
        ({"events": {}}, "events"),
        ({"events": None}, "events"),
        ({"sub": None}, "sid and sub"),
        ({"iat": None}, "iat"),
        ({"exp": 1_000_000_000, "iat": 999_999_000}, "exp"),
    ],
    ids=["audience", "issuer", "nonce", "no-event", "no-events", "no-sid-or-sub", "no-iat", "old"],
)
def test_sso_back_channel_logout_refuses_a_bad_logout_token(sso_world, changes, why):
    sso_world.sign_in("0001-olwen")
    response = _post_logout(sso_world, _logout_token(sso_world, **changes))
    assert response.status_code == 400
    assert sso_world.signed_in()
    refusals = [e["detail"] for e in sso_world.audit() if e["action"] == "sign_out.refused"]
    assert refusals and why in refusals[-1], refusals


def test_sso_back_channel_logout_refuses_a_tampered_signature(sso_world):
    sso_world.sign_in("0001-olwen")
    response = _post_logout(sso_world, _flip_signature(_logout_token(sso_world)))
    assert response.status_code == 400
    assert sso_world.signed_in()
