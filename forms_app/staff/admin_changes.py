"""The changes an admin makes to one account: roles and services, disable (after a confirmation
page) and enable, a new second factor or password (after a confirmation page, then shown once),
and unlock. Each is a POST with its CSRF token; the rules and the audit line are in
``forms_app.accounts.administration``."""

from __future__ import annotations

from flask import abort, redirect, request, url_for

from forms_app.accounts.administration import AccountRefused
from forms_app.web.security import explains_nul

from . import blueprint
from .admin_accounts import (
    ANCHORS,
    access_fields,
    account_or_404,
    administration,
    secret_page,
)
from .auth import need
from .context import render, user

# The confirmation pages: what the button does, and what the person should know first.
CONFIRM = {
    "disable": (
        "Disable the account of {name}?",
        "Disable account",
        "They will be signed out at once and cannot sign in until an admin enables the "
        "account again. Their cases, notes and letters stay as they are.",
    ),
    "second-factor": (
        "Reset the second factor of {name}?",
        "Reset second factor",
        "Their authenticator app stops working for this service at once and they are signed "
        "out. You will see a new secret to give them, once.",
    ),
    "password": (
        "Set a new password for {name}?",
        "Set a new password",
        "Their current password stops working at once and they are signed out. You will see "
        "the new password to give them, once.",
    ),
}


def _or_404(change):
    """Make a change that has no rule to break; an account removed meanwhile is a 404."""
    try:
        return change()
    except AccountRefused:
        abort(404)


def _account_page(username: str, done: str):
    return redirect(url_for("staff.admin_account", username=username, done=done))


@blueprint.route("/admin/accounts/<username>/roles", methods=["GET", "POST"])
@need("admin")
@explains_nul
def admin_account_roles(username: str):
    account = account_or_404(username)
    roles, services = account.roles, account.services
    errors: dict[str, str] = {}
    if request.method == "POST":
        roles, services = request.form.getlist("roles"), request.form.getlist("services")
        try:
            administration().set_access(account.username, roles, services)
        except AccountRefused as refusal:
            errors = refusal.errors
        else:
            return _account_page(account.username, "roles")
    return render(
        "staff/admin/access.html",
        title=("Error: " if errors else "") + "Change roles and services",
        back_url=url_for("staff.admin_account", username=account.username),
        account=account,
        itself=account.username == user().username,
        errors=errors,
        anchors=ANCHORS,
        **access_fields(roles, services, errors),
    ), (400 if errors else 200)


@blueprint.route("/admin/accounts/<username>/disable", methods=["GET", "POST"])
@need("admin")
def admin_account_disable(username: str):
    account = account_or_404(username)
    if request.method == "POST":
        try:
            administration().disable(account.username)
        except AccountRefused as refusal:
            return _confirm_page(account, "disable", refusal.errors), 400
        return _account_page(account.username, "disabled")
    return _confirm_page(account, "disable", {})


@blueprint.route("/admin/accounts/<username>/enable", methods=["POST"])
@need("admin")
def admin_account_enable(username: str):
    account = account_or_404(username)
    _or_404(lambda: administration().enable(account.username))
    return _account_page(account.username, "enabled")


@blueprint.route("/admin/accounts/<username>/unlock", methods=["POST"])
@need("admin")
def admin_account_unlock(username: str):
    account = account_or_404(username)
    _or_404(lambda: administration().unlock(account.username))
    return _account_page(account.username, "unlocked")


@blueprint.route("/admin/accounts/<username>/second-factor", methods=["GET", "POST"])
@need("admin")
def admin_account_second_factor(username: str):
    account = account_or_404(username)
    if request.method == "POST":
        account = _or_404(lambda: administration().reset_second_factor(account.username))
        return secret_page(
            account,
            "",
            heading=f"New second factor for {account.name}",
            title="Second factor reset",
        )
    return _confirm_page(account, "second-factor", {})


@blueprint.route("/admin/accounts/<username>/password", methods=["GET", "POST"])
@need("admin")
def admin_account_password(username: str):
    account = account_or_404(username)
    if request.method == "POST":
        account, password = _or_404(lambda: administration().set_password(account.username))
        return secret_page(
            account,
            password,
            heading=f"New password for {account.name}",
            title="New password",
            secret=False,
        )
    return _confirm_page(account, "password", {})


def _confirm_page(account, what: str, errors: dict[str, str]):
    heading, button, warning = CONFIRM[what]
    return render(
        "staff/admin/confirm.html",
        title=("Error: " if errors else "") + heading.format(name=account.name),
        heading=heading.format(name=account.name),
        button=button,
        warning=warning,
        account=account,
        back_url=url_for("staff.admin_account", username=account.username),
        errors=errors,
        anchors={"account": "confirm-button"},
    )
