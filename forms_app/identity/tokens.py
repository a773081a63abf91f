"""Checking the tokens the provider sends: the ID token at sign-in (OpenID Connect Core 1.0,
section 3.1.3.7) and the logout token of back-channel logout (OpenID Connect Back-Channel
Logout 1.0, section 2.6).

Both must carry a valid signature by one of the provider's published keys (an asymmetric
algorithm the provider offers), this provider as ``iss`` and this service's client id in
``aud``; ``exp`` not passed and ``iat`` neither in the future nor older than ``MAX_AGE``
(both tokens are used the moment they are issued). The ID token must carry the ``nonce``
this sign-in sent (Authlib's ``CodeIDToken`` also checks ``azp`` and ``at_hash``); the logout
token must name the back-channel logout event and a ``sid`` or ``sub``, and never a nonce.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

# Clocks on two servers differ a little.
LEEWAY_SECONDS = 60
MAX_AGE_SECONDS = 10 * 60
LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"


class TokenRefused(ValueError):
    """A token that must not be trusted; the message says why (for the audit log)."""


KeySource = Callable[..., KeySet]  # key_set(refresh=False)


def _decode(value: str, keys: KeySource, algorithms: list[str]):
    """Signature check with the provider's keys, fetching them again once for a new key id."""
    if not isinstance(value, str) or value.count(".") != 2:
        raise TokenRefused("not a signed JWT")
    try:
        try:
            return jwt.decode(value, keys(), algorithms=algorithms)
        except InvalidKeyIdError:
            return jwt.decode(value, keys(refresh=True), algorithms=algorithms)
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise TokenRefused(f"signature: {error}") from error


def _why(error: JoseError) -> str:
    """The claim a check refused, then joserfc's words (which do not always name it)."""
    claim = getattr(error, "claim", "")
    return f"{claim}: {error}" if claim else str(error)


def _check_age(claims: dict, now: float) -> None:
    issued = claims.get("iat")
    if not isinstance(issued, int | float) or isinstance(issued, bool):
        raise TokenRefused("iat: missing or not a number")
    if issued > now + LEEWAY_SECONDS:
        raise TokenRefused("iat: issued in the future")
    if issued < now - MAX_AGE_SECONDS - LEEWAY_SECONDS:
        raise TokenRefused("iat: issued too long ago")


def verify_id_token(
    id_token: str,
    *,
    keys: KeySource,
    algorithms: list[str],
    issuer: str,
    client_id: str,
    nonce: str,
    access_token: str | None = None,
    now: float | None = None,
) -> dict:
    """The ID token's claims once every check has passed; ``TokenRefused`` otherwise."""
    now = time.time() if now is None else now
    if not nonce:
        raise TokenRefused("nonce: this sign-in sent none")
    token = _decode(id_token, keys, algorithms)
    options = {
        "iss": {"essential": True, "value": issuer},
        "aud": {"essential": True, "value": client_id},
        "sub": {"essential": True},
        "exp": {"essential": True},
        "iat": {"essential": True},
        "nonce": {"essential": True, "value": nonce},
    }
    params = {"nonce": nonce, "client_id": client_id}
    if access_token:
        params["access_token"] = access_token
    claims = CodeIDToken(token.claims, token.header, options, params)
    try:
        claims.validate(now=int(now), leeway=LEEWAY_SECONDS)
    except JoseError as error:
        raise TokenRefused(_why(error)) from error
    _check_age(claims, now)
    return dict(claims)


def verify_logout_token(
    logout_token: str,
    *,
    keys: KeySource,
    algorithms: list[str],
    issuer: str,
    client_id: str,
    now: float | None = None,
) -> dict:
    """The logout token's claims once every check has passed; ``TokenRefused`` otherwise."""
    now = time.time() if now is None else now
    token = _decode(logout_token, keys, algorithms)
    kind = str(token.header.get("typ", "logout+jwt")).lower()
    if kind not in ("logout+jwt", "application/logout+jwt", "jwt"):
        raise TokenRefused(f"typ: {kind} is not a logout token")
    registry = JWTClaimsRegistry(
        now=int(now),
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": client_id},
        iat={"essential": True},
    )
    claims = dict(token.claims)
    try:
        registry.validate(claims)
    except JoseError as error:
        raise TokenRefused(_why(error)) from error
    _check_age(claims, now)
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(LOGOUT_EVENT), dict):
        raise TokenRefused("events: no back-channel logout event")
    if "nonce" in claims:
        raise TokenRefused("nonce: a logout token must not carry one")
    sid, sub = claims.get("sid"), claims.get("sub")
    if not (isinstance(sid, str) and sid) and not (isinstance(sub, str) and sub):
        raise TokenRefused("sid and sub: neither is there")
    return claims
