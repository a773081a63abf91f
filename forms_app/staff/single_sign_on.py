"""Signing staff in and out through the organisation's OpenID provider (the ``sign_in``
settings; forms_app/identity holds the protocol).

- ``/staff/sign-in/directory`` starts a sign-in: a new ``state``, ``nonce`` and PKCE verifier
  kept on the server (identity/states.py), the ``state`` also in the person's cookie, and off
  to the provider.
- ``/staff/sign-in/callback`` is where the provider sends them back: the ``state`` must be the
  one this browser was given and is used once; the code is exchanged for tokens and the ID
  token checked (identity/tokens.py). Their account is made or refreshed from the claims
  (roles and services as the directory says now); with no mapped role they get the "You do not
  have access" page (403) and any session they still had ends. Single sign-on does not pass
  through the password throttle: the provider protects its own sign-in.
- ``/staff/sign-out`` ends our session and, after a single sign-on, sends the person on to
  end the provider's too (RP-initiated logout, with the ID token as the hint).
- ``/staff/sign-in/back-channel-logout`` takes the provider's logout token when the person
  signs out elsewhere or is signed out by their IT, and ends our sessions for that provider
  session (``sid``) or person (``sub``).
"""

from __future__ import annotations

import hmac

from flask import abort, current_app, g, jsonify, redirect, request, session, url_for

from forms_app.accounts import UserError
from forms_app.identity import (
    AuthorizationStates,
    Provider,
    ProviderError,
    TokenRefused,
    person_from_claims,
    verify_id_token,
    verify_logout_token,
)
from forms_app.web.parts import parts
from forms_app.web.security import csrf

from . import blueprint
from .auth import TOKEN, _safe_next, sessions, sign_in_options
from .context import audit_log, render, users

STATE = "staff_sso_state"
PROVIDER = "staff_sso_provider"


def _config():
    config = sign_in_options().single_sign_on
    if config is None:
        abort(404)
    return config


def provider() -> Provider:
    """This process's provider (its discovery document and keys are kept for an hour)."""
    cached = current_app.extensions.get(PROVIDER)
    if cached is None:
        cached = current_app.extensions[PROVIDER] = Provider(_config())
    return cached


def _states() -> AuthorizationStates:
    return AuthorizationStates(parts().settings.data_dir)


def _callback_address() -> str:
    return url_for("staff.sign_in_callback", _external=True)


def _failed(reason: str, detail: object = "", status: int = 400):
    audit_log("sign_in.failed", detail=f"single sign-on {reason}: {detail}"[:300])
    page = render(
        "staff/sign_in_failed.html",
        title="Sign-in did not work",
        reason=reason,
        directory_name=_config().directory_name,
    )
    return page, status


def _no_access(detail: str):
    audit_log("sign_in.refused", detail=f"single sign-on: {detail}"[:300])
    page = render(
        "staff/no_access.html",
        title="You do not have access to this service",
        directory_name=_config().directory_name,
    )
    return page, 403


@blueprint.route("/sign-in/directory")
def sign_in_directory():
    _config()
    try:
        started = provider().authorization_request(_callback_address())
    except ProviderError as error:
        return _failed("unreachable", error, 502)
    _states().put(
        started.state,
        nonce=started.nonce,
        code_verifier=started.code_verifier,
        next_page=_safe_next(request.args.get("next")),
    )
    session[STATE] = started.state
    return redirect(started.url)


@blueprint.route("/sign-in/callback")
def sign_in_callback():
    config = _config()
    g.staff_user = None
    state = request.args.get("state", "")
    expected = session.pop(STATE, None)
    # Taken whatever happens next: a state is good for one callback only.
    pending = _states().take(state)
    if (
        pending is None
        or not isinstance(expected, str)
        or not hmac.compare_digest(expected.encode(), state.encode())
    ):
        return _failed("state", "unknown, used, expired or not this browser's")
    if request.args.get("error") or not request.args.get("code"):
        return _failed("refused", request.args.get("error", "no code")[:100])
    try:
        token = provider().exchange(
            request.args["code"], _callback_address(), pending["code_verifier"]
        )
        claims = verify_id_token(
            token["id_token"],
            keys=provider().key_set,
            algorithms=provider().algorithms(),
            issuer=provider().issuer,
            client_id=config.client_id,
            nonce=pending["nonce"],
            access_token=token.get("access_token"),
        )
        person = person_from_claims(claims, config)
    except ProviderError as error:
        return _failed("unreachable", error, 502)
    except TokenRefused as error:
        return _failed("token", error)
    try:
        account = users().from_directory(
            subject=person.subject,
            username=person.username,
            name=person.name,
            email=person.email,
            roles=list(person.roles),
            services=list(person.services),
        )
    except UserError as error:
        return _no_access(f"{person.username}: {error}")
    if account is None or not account.roles or not account.active:
        if account is not None:
            # Access removed in the directory: any session still open ends now too.
            sessions().end_all(account.username)
        why = "disabled" if account is not None and not account.active else "no mapped role"
        return _no_access(f"{person.username}: {why}")
    # Rotation: nothing from before sign-in survives into the signed-in session.
    session.clear()
    live = sessions().start(
        account.username,
        details={
            "iss": claims["iss"],
            "sub": claims["sub"],
            "sid": str(claims.get("sid") or ""),
            "id_token": token["id_token"],
            "id_token_expires": claims["exp"],
        },
    )
    session[TOKEN] = live.token
    session.permanent = False
    g.staff_user = account
    audit_log("sign_in", detail="single sign-on")
    return redirect(pending["next"])


@blueprint.route("/sign-out", methods=["POST"])
def sign_out():
    audit_log("sign_out")
    live, _reason = sessions().load(session.get(TOKEN))
    sessions().end(session.get(TOKEN))
    session.clear()
    id_token = (live.details.get("id_token") if live else None) or ""
    if id_token and sign_in_options().single_sign_on is not None:
        away = provider().logout_url(id_token, url_for("staff.signed_out", _external=True))
        if away:
            # A page that goes on to the provider, not a redirect: the content security
            # policy's form-action keeps this form's redirects on our own site.
            g.staff_user = None
            return render(
                "staff/signing_out.html",
                title="You have signed out of casework",
                provider_url=away,
                directory_name=_config().directory_name,
            )
    return redirect(url_for("staff.signed_out"))


@blueprint.route("/sign-in/back-channel-logout", methods=["POST"])
@csrf.exempt
def back_channel_logout():
    """The provider's server calls this (no cookie, no CSRF token: the signed logout token is
    the proof). Answers 200 when sessions were ended (or there were none), 400 otherwise,
    as the standard asks; also 400 when single sign-on is off (no token can be checked)."""
    g.staff_user = None
    logout_token = request.form.get("logout_token", "")  # an oversized body stops here: 413
    config = sign_in_options().single_sign_on
    if config is None:
        return jsonify(error="invalid_request", error_description="single sign-on is off"), 400
    try:
        claims = verify_logout_token(
            logout_token,
            keys=provider().key_set,
            algorithms=provider().algorithms(),
            issuer=provider().issuer,
            client_id=config.client_id,
        )
    except (TokenRefused, ProviderError) as error:
        audit_log("sign_out.refused", detail=f"back-channel logout: {error}"[:300])
        response = jsonify(error="invalid_request", error_description="logout token refused")
        return response, 400
    if claims.get("sid"):
        ended = sessions().end_where(iss=claims["iss"], sid=claims["sid"])
    else:
        ended = sessions().end_where(iss=claims["iss"], sub=claims["sub"])
    audit_log("sign_out", detail=f"back-channel logout ended {ended} session(s)")
    return "", 200
