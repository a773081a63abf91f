"""Account management for admins, under ``/staff/admin/accounts``: the list of accounts, adding
one, and one account's page. The changes to an account are in admin_changes.py.

The rules (the last active admin stays, nobody raises their own access, disabling ends the
sessions, every change is audited) are in ``forms_app.accounts.administration``, which the
``feedback users`` command uses too: these pages only read the forms and show the outcome.

A new account gets a random initial password and a second-factor secret, shown once on the
page that answers the form (never stored anywhere but as the password's hash and the secret in
the accounts file), for the admin to give to the person privately.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import abort, request, url_for

from forms_app.accounts import ROLES, User
from forms_app.accounts.administration import AccountRefused, Administration, Change
from forms_app.accounts.totp import provisioning_uri
from forms_app.web.parts import parts
from forms_app.web.security import explains_nul

from . import blueprint
from .auth import need, sessions
from .context import audit_log, render, user, users

LONDON = ZoneInfo("Europe/London")
ROLE_LABELS = {
    "officer": ("Officer", "Works on the cases of the services they cover, and cases they own"),
    "manager": ("Manager", "Sees every case, the weekly view, and signs off responses"),
    "safeguarding_lead": ("Safeguarding lead", "Sees cases flagged for safeguarding"),
    "publisher": ("Publisher", "Approves closed cases for publication, without personal details"),
    "admin": ("Admin", "Manages accounts and reads the audit log; sees no cases"),
}
# Messages for ``?done=``: fixed words, so nothing from the address is shown on the page.
DONE = {
    "roles": "Roles and services changed",
    "disabled": "Account disabled. Its sessions have ended.",
    "enabled": "Account enabled",
    "unlocked": "Account unlocked: the sign-in back-off has ended",
}
ANCHORS = {"name": "name", "username": "username", "email": "email", "roles": "roles"}


def administration() -> Administration:
    """The shared rules, acting as the signed-in admin, writing to the audit log."""

    def record(change: Change) -> None:
        audit_log(
            change.action,
            fields=("account",),
            detail=f"{change.username} {change.detail}".strip(),
        )

    return Administration(
        users(),
        actor=user().username,
        services=parts().service_codes,
        record=record,
        end_sessions=sessions().end_all,
    )


def account_or_404(username: str) -> User:
    account = users().get(username)
    if account is None:
        abort(404)
    return account


def status(account: User, now: datetime | None = None) -> tuple[str, str]:
    """The account's state in words, with the colour of its tag."""
    now = now or datetime.now(UTC)
    if account.disabled:
        return "Disabled", "govuk-tag--grey"
    if account.locked(now):
        until = datetime.fromisoformat(account.locked_until).astimezone(LONDON)
        return f"Locked: backing off until {until:%H:%M}", "govuk-tag--orange"
    return "Active", "govuk-tag--green"


def when(iso: str) -> str:
    """An ISO time as staff read it, in UK time: "6 December 2026 at 21:58"."""
    if not iso:
        return "Never"
    moment = datetime.fromisoformat(iso)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(LONDON)
    return f"{moment.day} {moment:%B %Y} at {moment:%H:%M}"


def role_names(roles) -> str:
    return ", ".join(ROLE_LABELS.get(role, (role, ""))[0] for role in roles) or "None"


def service_names(codes) -> str:
    names = {service.code: service.name for service in parts().settings.services}
    return ", ".join(names.get(code, code) for code in codes) or "None"


def shown_value(value: str) -> str:
    """What was typed, to put back in the form: a NUL cannot be shown, so it is left out."""
    return value.replace("\x00", "")


def access_fields(roles, services, errors) -> dict:
    """The roles and services checkboxes, as the GOV.UK macros take them."""
    role_items = [
        {
            "value": code,
            "text": label,
            "hint": {"text": hint},
            "checked": code in roles,
        }
        for code, (label, hint) in ROLE_LABELS.items()
        if code in ROLES
    ]
    service_items = [
        {"value": service.code, "text": service.name, "checked": service.code in services}
        for service in parts().settings.services
    ]
    return {
        "roles": {
            "name": "roles",
            "idPrefix": "roles",
            "fieldset": {"legend": {"text": "Roles", "classes": "govuk-fieldset__legend--m"}},
            "hint": {"text": "Choose at least one."},
            "items": role_items,
            **({"errorMessage": {"text": errors["roles"]}} if "roles" in errors else {}),
        },
        "services": {
            "name": "services",
            "idPrefix": "services",
            "fieldset": {"legend": {"text": "Services", "classes": "govuk-fieldset__legend--m"}},
            "hint": {"text": "The services whose cases an officer works on."},
            "items": service_items,
            **({"errorMessage": {"text": errors["services"]}} if "services" in errors else {}),
        },
    }


def secret_page(account: User, password: str, *, heading: str, title: str, secret: bool = True):
    """The page that shows a new password and (``secret``) second-factor secret, the only time
    they are shown."""
    issuer = parts().settings.organisation.get("short_name") or "Feedback"
    shown = account.totp_secret if secret else ""
    return render(
        "staff/admin/secret.html",
        title=title,
        heading=heading,
        account=account,
        password=password,
        secret=shown,
        secret_groups=" ".join(shown[i : i + 4] for i in range(0, len(shown), 4)),
        uri=provisioning_uri(shown, account.username, issuer) if shown else "",
    )


@blueprint.route("/admin/accounts")
@need("admin")
def admin_accounts():
    now = datetime.now(UTC)
    accounts = users().all()
    audit_log("accounts.view", detail=f"{len(accounts)} accounts")
    rows = [
        {
            "account": account,
            "status": status(account, now),
            "roles": role_names(account.roles),
            "services": service_names(account.services),
            "last_sign_in": when(account.last_sign_in),
        }
        for account in accounts
    ]
    return render("staff/admin/accounts.html", title="Accounts", rows=rows)


# The address from before accounts could be managed in the browser shows the same list.
blueprint.add_url_rule("/accounts", "accounts", admin_accounts)


@blueprint.route("/admin/accounts/new", methods=["GET", "POST"])
@need("admin")
@explains_nul
def admin_account_new():
    form = {"name": "", "username": "", "email": "", "roles": [], "services": []}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = {
            "name": request.form.get("name", ""),
            "username": request.form.get("username", ""),
            "email": request.form.get("email", ""),
            "roles": request.form.getlist("roles"),
            "services": request.form.getlist("services"),
        }
        try:
            account, password = administration().add(
                username=form["username"],
                name=form["name"],
                email=form["email"],
                roles=form["roles"],
                services=form["services"],
            )
        except AccountRefused as refusal:
            errors = refusal.errors
        else:
            return secret_page(
                account, password, heading=f"Account added for {account.name}", title="Added"
            )
    shown = {key: shown_value(value) for key, value in form.items() if isinstance(value, str)}
    return render(
        "staff/admin/new.html",
        title=("Error: " if errors else "") + "Add an account",
        back_url=url_for("staff.admin_accounts"),
        form=shown,
        errors=errors,
        anchors=ANCHORS,
        **access_fields(form["roles"], form["services"], errors),
    ), (400 if errors else 200)


@blueprint.route("/admin/accounts/<username>")
@need("admin")
def admin_account(username: str):
    account = account_or_404(username)
    audit_log("account.view", detail=account.username)
    return render(
        "staff/admin/account.html",
        title=account.name,
        back_url=url_for("staff.admin_accounts"),
        account=account,
        status=status(account),
        roles=role_names(account.roles),
        services=service_names(account.services),
        last_sign_in=when(account.last_sign_in),
        created=when(account.created),
        backing_off=bool(account.failures or account.locked_until),
        done=DONE.get(request.args.get("done", "")),
        itself=account.username == user().username,
        errors={},
    )
