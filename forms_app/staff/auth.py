"""Signing in (password, then a one-time code), signing out, and the check every other staff
page gets: a live server-side session for an active account, or back to the sign-in page.

Every sign-in attempt first passes the throttle (forms_app/accounts/throttle.py: per address,
overall, and the account's back-off); one refused by the address or overall limit gets a 429
page that says how long to wait, with ``Retry-After``. Between the two steps the cookie holds
only the id of a pending sign-in kept on the server (sessions.py).

With single sign-on in the settings (``sign_in.single_sign_on``) the page also offers "Sign in
with <directory>" (single_sign_on.py); with ``sign_in.local_accounts: false`` the password
form is not shown and a password or code sent anyway is refused (403).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from functools import wraps

from flask import abort, current_app, g, redirect, request, session, url_for

from forms_app.accounts.throttle import SignInThrottle, limits_from
from forms_app.identity import SignInSettings, sign_in_settings
from forms_app.web.parts import EXTENSION, parts

from . import blueprint
from .context import audit_log, render, users
from .sessions import MAX_CODE_TRIES, PendingStore, SessionStore, open_pending, open_sessions

TOKEN = "staff_token"
PENDING = "staff_pending"
OPEN_ENDPOINTS = {
    "staff.sign_in",
    "staff.sign_in_code",
    "staff.signed_out",
    "staff.letter_css",
    # Single sign-on (single_sign_on.py): the way in, the way back, the provider's logout call.
    "staff.sign_in_directory",
    "staff.sign_in_callback",
    "staff.back_channel_logout",
}
SIGN_IN_SETTINGS = "staff_sign_in_settings"


@blueprint.record_once
def _read_sign_in_settings(state) -> None:
    # Checked when the app is built, so settings that cannot work stop it starting.
    settings = state.app.extensions[EXTENSION].settings
    codes = [service.code for service in settings.services]
    state.app.extensions[SIGN_IN_SETTINGS] = sign_in_settings(settings.raw, codes)


def sign_in_options() -> SignInSettings:
    """How staff may sign in: local accounts, single sign-on, or both."""
    return current_app.extensions[SIGN_IN_SETTINGS]


def sessions() -> SessionStore:
    return open_sessions(parts().settings.data_dir, parts().shared_url)


def pending_sign_ins() -> PendingStore:
    return open_pending(parts().settings.data_dir, parts().shared_url)


def throttle() -> SignInThrottle:
    cached = current_app.extensions.get("staff_sign_in_throttle")
    if cached is None:
        settings = parts().settings
        document = None
        if parts().shared_url:
            from forms_app.storage.postgres.accounts import DocumentTable

            # Counted in the shared database, so the limits hold across every app server.
            document = DocumentTable(parts().shared_url, "sign_in_throttle")
        cached = SignInThrottle(settings.data_dir, limits_from(settings.raw), document=document)
        current_app.extensions["staff_sign_in_throttle"] = cached
    return cached


def _address() -> str:
    # The person's address: behind a proxy, FORMS_APP_PROXY_COUNT makes remote_addr theirs.
    return request.remote_addr or "unknown"


def _too_many(wait: int):
    """The 429 page: how long to wait, in minutes, and Retry-After in seconds."""
    audit_log("sign_in.throttled")
    minutes = max(1, math.ceil(wait / 60))
    response = current_app.make_response(
        (render("staff/sign_in_limited.html", title="Too many attempts", minutes=minutes), 429)
    )
    response.headers["Retry-After"] = str(wait)
    return response


@blueprint.before_request
def require_sign_in():
    g.language = "en"
    g.variant = "standard"
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    live, reason = sessions().load(session.get(TOKEN))
    account = users().get(live.username) if live else None
    if live is None or account is None or not account.active:
        if live is not None:
            sessions().end(live.token)
        session.pop(TOKEN, None)
        target = request.full_path if request.method == "GET" else None
        return redirect(url_for("staff.sign_in", reason=reason or None, next=target))
    g.staff_user = account
    return None


def need(*roles: str):
    """Only for users with one of these roles (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not g.staff_user.has(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def _safe_next(target: str | None) -> str:
    # Only back into the staff pages: never an open redirect. No backslashes (browsers read
    # them as slashes), no control characters, no dot segments (/staff/..//evil resolves to
    # //evil on our own host, harmless but not a staff page), no scheme or host.
    if (
        target
        and target.startswith("/staff/")
        and "\\" not in target
        and "/." not in target
        and "//" not in target
        and target.isprintable()
        and " " not in target
    ):
        return target
    return url_for("staff.home")


@blueprint.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    reason = request.args.get("reason", "")
    errors = {}
    username = ""
    options = sign_in_options()
    if request.method == "POST" and not options.local_accounts:
        return _local_accounts_off()
    if request.method == "POST":
        # A new password attempt ends any sign-in still waiting for its code.
        pending_sign_ins().end(session.pop(PENDING, None))
        g.staff_user = None
        username = request.form.get("username", "").strip().lower()[:100]
        password = request.form.get("password", "")
        now = datetime.now(UTC)
        address = _address()
        trusted = throttle().trusted(username, address, now.timestamp())
        wait = throttle().admit(address, trusted=trusted, now=now.timestamp())
        if wait:
            return _too_many(wait)
        account, refusal = users().attempt_password(username, password, now, trusted=trusted)
        if account is not None:
            throttle().forgive(address, now.timestamp())
            # Rotation: nothing from before sign-in survives into the signed-in session.
            session.clear()
            session[PENDING] = pending_sign_ins().start(account.username).token
            return redirect(url_for("staff.sign_in_code", next=request.args.get("next")))
        audit_log("sign_in.failed", detail="unknown account" if refusal == "unknown" else refusal)
        errors["username"] = (
            "Enter a correct username and password. After 5 wrong attempts the account is "
            "locked for 15 minutes."
        )
    return render(
        "staff/sign_in.html",
        title="Sign in",
        errors=errors,
        username=username,
        reason=reason,
        options=options,
        next_page=request.args.get("next"),
    )


def _local_accounts_off():
    """A password or code sent while local accounts are switched off: refused, unchecked."""
    g.staff_user = None
    audit_log("sign_in.failed", detail="local accounts are switched off")
    page = render(
        "staff/sign_in.html",
        title="Sign in",
        errors={},
        username="",
        reason="local_off",
        options=sign_in_options(),
        next_page=None,
    )
    return page, 403


@blueprint.route("/sign-in/code", methods=["GET", "POST"])
def sign_in_code():
    if not sign_in_options().local_accounts:
        return _local_accounts_off()
    store = pending_sign_ins()
    token = session.get(PENDING)
    if request.method == "GET":
        if store.peek(token) is None:
            session.pop(PENDING, None)
            return redirect(url_for("staff.sign_in", reason="code"))
        return render("staff/sign_in_code.html", title="Enter your security code", errors={})
    g.staff_user = None
    pending = store.take(token)
    if pending is None:
        session.pop(PENDING, None)
        return redirect(url_for("staff.sign_in", reason="code"))
    now = datetime.now(UTC)
    address = _address()
    trusted = throttle().trusted(pending.username, address, now.timestamp())
    wait = throttle().admit(address, trusted=trusted, now=now.timestamp())
    if wait:
        store.put_back(pending)  # not a try: the code was never checked
        return _too_many(wait)
    code = request.form.get("code", "")
    account = users().check_code(pending.username, code, now, trusted=trusted)
    if account is not None:
        throttle().forgive(address, now.timestamp())
        throttle().trust(account.username, address, now.timestamp())
        session.clear()
        live = sessions().start(account.username)
        session[TOKEN] = live.token
        session.permanent = False
        g.staff_user = account
        audit_log("sign_in")
        return redirect(_safe_next(request.args.get("next")))
    audit_log("sign_in.failed", detail="code")
    pending.tries += 1
    if pending.tries >= MAX_CODE_TRIES:
        session.pop(PENDING, None)
        return redirect(url_for("staff.sign_in", reason="tries"))
    store.put_back(pending)
    errors = {"code": "Enter the 6-digit code shown in your authenticator app now"}
    return render("staff/sign_in_code.html", title="Enter your security code", errors=errors)


@blueprint.route("/signed-out")
def signed_out():
    return render("staff/signed_out.html", title="You have signed out")
