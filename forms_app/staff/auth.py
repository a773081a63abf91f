"""Signing in (password, then a one-time code), signing out, and the check every other staff
page gets: a live server-side session for an active account, or back to the sign-in page."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from functools import wraps

from flask import abort, g, redirect, request, session, url_for

from forms_app.web.parts import parts

from . import blueprint
from .context import audit_log, render, users
from .sessions import SessionStore

TOKEN = "staff_token"
PENDING = "staff_pending"
PENDING_SECONDS = 5 * 60
OPEN_ENDPOINTS = {"staff.sign_in", "staff.sign_in_code", "staff.signed_out", "staff.letter_css"}


def sessions() -> SessionStore:
    return SessionStore(parts().settings.data_dir)


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
    if request.method == "POST":
        username = request.form.get("username", "").strip().lower()[:100]
        password = request.form.get("password", "")
        now = datetime.now(UTC)
        account = users().check_password(username, password, now) if username else None
        if account is not None:
            # Rotation: nothing from before sign-in survives into the signed-in session.
            session.clear()
            session[PENDING] = {"user": account.username, "at": time.time()}
            return redirect(url_for("staff.sign_in_code", next=request.args.get("next")))
        known = users().get(username)
        g.staff_user = None
        audit_log("sign_in.failed", detail="password" if known else "unknown account")
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
    )


@blueprint.route("/sign-in/code", methods=["GET", "POST"])
def sign_in_code():
    pending = session.get(PENDING)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        session.pop(PENDING, None)
        return redirect(url_for("staff.sign_in", reason="code"))
    errors = {}
    if request.method == "POST":
        code = request.form.get("code", "")
        account = users().check_code(pending["user"], code, datetime.now(UTC))
        if account is not None:
            session.clear()
            live = sessions().start(account.username)
            session[TOKEN] = live.token
            session.permanent = False
            g.staff_user = account
            audit_log("sign_in")
            return redirect(_safe_next(request.args.get("next")))
        errors["code"] = "Enter the 6-digit code shown in your authenticator app now"
    return render("staff/sign_in_code.html", title="Enter your security code", errors=errors)


@blueprint.route("/sign-out", methods=["POST"])
def sign_out():
    audit_log("sign_out")
    sessions().end(session.get(TOKEN))
    session.clear()
    return redirect(url_for("staff.signed_out"))


@blueprint.route("/signed-out")
def signed_out():
    return render("staff/signed_out.html", title="You have signed out")
