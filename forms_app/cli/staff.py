"""``feedback users …``, ``feedback deadlines`` and ``feedback due``: staff accounts, the
deadline arithmetic anyone can check, and the morning list of what is due."""

from __future__ import annotations

import sys
from datetime import date

import click
from flask.cli import with_appcontext

from forms_app.accounts import ROLES, UserBook, UserError
from forms_app.accounts.administration import Administration, Change
from forms_app.accounts.totp import provisioning_uri


def _book() -> UserBook:
    from forms_app.web.parts import parts

    return UserBook(parts().settings.data_dir)


def _end_sessions(username: str) -> None:
    from forms_app.staff.sessions import open_sessions
    from forms_app.web.parts import parts

    open_sessions(parts().settings.data_dir, parts().shared_url).end_all(username)


def _audit(change: Change) -> None:
    from forms_app.records import audit
    from forms_app.web.parts import parts

    audit.record(
        parts().settings.data_dir,
        actor="cli",
        action=change.action,
        fields=("account",),
        detail=f"{change.username} {change.detail}".strip(),
    )


def _administration() -> Administration:
    """The same rules as the admin pages, with "cli" as the actor in the audit log."""
    from forms_app.web.parts import parts

    return Administration(
        _book(),
        actor=None,
        services=parts().service_codes,
        record=_audit,
        end_sessions=_end_sessions,
    )


def _refused(error: UserError) -> click.ClickException:
    return click.ClickException(str(error))


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt(
        "Password (12 characters or more)", hide_input=True, confirmation_prompt=True
    )


def _show_secret(user) -> None:
    from forms_app.web.parts import parts

    issuer = parts().settings.organisation.get("short_name") or "Feedback"
    click.echo(f"TOTP secret for {user.username}: {user.totp_secret}")
    click.echo(f"Authenticator link: {provisioning_uri(user.totp_secret, user.username, issuer)}")
    click.echo("Give these to the person privately; they are not shown again.")


@click.group("users")
def users_command():
    """Staff accounts: add, list, disable, enable, reset-totp, set-password, set-roles, unlock.

    The same rules hold as on the admin pages (/staff/admin/accounts): the last active admin
    cannot be disabled or lose the admin role, and every change is in the audit log."""


@users_command.command("add")
@click.argument("username")
@click.option("--name", required=True, help="The person's full name (shown on letters).")
@click.option("--email", default="", help="For alerts (the safeguarding lead's, for example).")
@click.option("--role", "roles", multiple=True, type=click.Choice(ROLES), required=True)
@click.option("--service", "services", multiple=True, help="A service code an officer covers.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def users_add(username, name, email, roles, services, password_stdin):
    """Add an account; prints its second-factor (TOTP) secret once."""
    from forms_app.web.parts import parts

    unknown = [s for s in services if s not in parts().service_codes]
    if unknown:
        raise click.BadParameter(f"unknown service(s) {', '.join(unknown)}", param_hint="--service")
    try:
        user, _ = _administration().add(
            username=username,
            name=name,
            email=email,
            roles=list(roles),
            services=list(services),
            password=_read_password(password_stdin),
        )
    except UserError as error:
        raise _refused(error) from error
    click.echo(f"added {user.username} ({', '.join(user.roles)})")
    _show_secret(user)


@users_command.command("list")
@with_appcontext
def users_list():
    """List the accounts (never their secrets)."""
    for user in _book().all():
        state = "disabled" if user.disabled else ("locked" if user.locked_until else "active")
        click.echo(
            f"{user.username:20} {state:8} {','.join(user.roles):30} "
            f"{','.join(user.services) or '-':30} {user.name}"
        )


@users_command.command("disable")
@click.argument("username")
@with_appcontext
def users_disable(username):
    """Stop an account signing in, and end its sessions now."""
    _do(lambda admin: admin.disable(username))
    click.echo(f"disabled {username}")


@users_command.command("enable")
@click.argument("username")
@with_appcontext
def users_enable(username):
    """Let a disabled account sign in again."""
    _do(lambda admin: admin.enable(username))
    click.echo(f"enabled {username}")


@users_command.command("unlock")
@click.argument("username")
@with_appcontext
def users_unlock(username):
    """Clear a lockout after repeated failed sign-ins."""
    _do(lambda admin: admin.unlock(username))
    click.echo(f"unlocked {username}")


@users_command.command("reset-totp")
@click.argument("username")
@with_appcontext
def users_reset_totp(username):
    """Give an account a new second-factor secret (a lost phone); ends its sessions."""
    _show_secret(_do(lambda admin: admin.reset_second_factor(username)))


@users_command.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True)
@with_appcontext
def users_set_password(username, password_stdin):
    """Set a new password; ends the account's sessions."""
    password = _read_password(password_stdin)
    user, _ = _do(lambda admin: admin.set_password(username, password))
    click.echo(f"password changed for {user.username}")


@users_command.command("set-roles")
@click.argument("username")
@click.option("--role", "roles", multiple=True, type=click.Choice(ROLES), required=True)
@click.option("--service", "services", multiple=True, help="Replaces the services covered.")
@with_appcontext
def users_set_roles(username, roles, services):
    """Replace an account's roles (and, if given, the services it covers)."""
    _do(lambda admin: admin.set_access(username, list(roles), list(services) or None))
    click.echo(
        f"{username}: roles {', '.join(roles)}"
        + (f"; services {', '.join(services)}" if services else "")
    )


def _do(change):
    """Make one change through the shared rules; a refusal is a clean error, not a trace."""
    try:
        return change(_administration())
    except UserError as error:
        raise _refused(error) from error


@click.command("deadlines")
@click.option("--profile", help="A procedure profile code (see --list-profiles).")
@click.option("--received", help="The day the feedback was received, YYYY-MM-DD.")
@click.option("--list-profiles", is_flag=True, help="List the profiles and stop.")
@click.option(
    "--no-closures",
    is_flag=True,
    help="Ignore the organisation's own closure days (bank holidays only).",
)
@with_appcontext
def deadlines_command(profile, received, list_profiles, no_closures):
    """Print every due date, in ISO form, for a case received on a given day: the statutory
    date, then the date promised to the person (a calendar-day date that falls on a weekend,
    bank holiday or closure day is promised on the working day before it)."""
    from forms_app.casework.deadlines import deadline_lines
    from forms_app.procedures.profiles import (
        ProcedureError,
        available_procedures,
        closure_years,
        load_procedure,
    )
    from forms_app.web.parts import parts

    if list_profiles:
        for code in available_procedures():
            procedure = load_procedure(code)
            click.echo(f"{code}\t{procedure.nation}\t{procedure.name}")
        return
    if not profile or not received:
        raise click.UsageError("give --profile and --received (or --list-profiles)")
    try:
        procedure = load_procedure(profile)
    except ProcedureError as error:
        raise click.ClickException(str(error)) from error
    try:
        day = date.fromisoformat(received)
    except ValueError:
        raise click.BadParameter("must be YYYY-MM-DD", param_hint="--received") from None
    settings = parts().settings
    closures = [] if no_closures else settings.closure_dates(closure_years(day))
    calendar = procedure.calendar(closures)
    click.echo(f"# {procedure.code} ({procedure.nation}), received {day.isoformat()}")
    if closures:
        click.echo(f"# closure days counted: {', '.join(settings.closure_days)}")
    click.echo("# what\tstatutory\tpromised\trule")
    for line in deadline_lines(procedure, calendar, day):
        click.echo(line)


@click.command("due")
@click.option("--today", "on", help="Pretend today is this day (YYYY-MM-DD).")
@click.option(
    "--email",
    is_flag=True,
    help="Also email each owner their list (queued: the message worker sends it).",
)
@with_appcontext
def due_command(on, email):
    """What is overdue or due within 2 working days, by owner: the morning look."""
    from forms_app.casework.listing import case_rows, needs_attention
    from forms_app.web.parts import case_index

    today = date.fromisoformat(on) if on else date.today()
    index = case_index()
    rows = needs_attention(case_rows(index, index.open_cases(), today))
    by_owner: dict[str, list] = {}
    for row in rows:
        by_owner.setdefault(row.case.owner or "(no owner)", []).append(row)
    click.echo(f"# {len(rows)} cases overdue or due by {today.isoformat()} + 2 working days")
    for owner in sorted(by_owner):
        click.echo(f"{owner}:")
        for row in by_owner[owner]:
            click.echo(
                f"  {row.case.ref}\t{row.status}\t{row.next_what}\t"
                f"{row.next_due.isoformat()}\t{row.case.kind}\t{row.case.stage or '-'}"
            )
    from forms_app.records import audit
    from forms_app.web.parts import parts

    audit.record(
        parts().settings.data_dir, actor="cli", action="due.list", detail=f"{len(rows)} cases"
    )
    if email:
        _email_owners(by_owner, today)
        _remind_requests(today)


def _remind_requests(today) -> None:
    """Reminders to the people asked for statements: before the due date and once overdue,
    each queued once however often this runs (the message worker sends them)."""
    from flask import current_app

    from forms_app.casework.request_links import Links
    from forms_app.casework.request_reminders import send_reminders
    from forms_app.messages import smtp as mail
    from forms_app.messages.staff_mail import queue_staff_mail
    from forms_app.web.hosts import staff_url
    from forms_app.web.parts import case_index, parts

    settings = parts().settings
    config = mail.email_settings(settings.raw)
    sender = settings.contact.get("email", "")

    def queue(to, subject, body, *, ref, cause) -> bool:
        # Into the message outbox: the message worker sends it, retrying while mail is down.
        return bool(
            queue_staff_mail(
                settings.data_dir,
                config,
                to,
                subject,
                body,
                ref=ref,
                cause=cause,
                kind="reminder",
                sender=sender,
            )
        )

    with Links(settings.data_dir, current_app.config["SECRET_KEY"]) as links:
        done = send_reminders(
            case_index(),
            parts().store,
            parts().contract,
            links,
            queue,
            emails={u.username: u.email for u in _book().all() if u.active},
            staff_link=f"{staff_url(settings)}/staff/requests",
            today=today,
        )
    click.echo(f"reminded {done.sent} people asked for statements (queued to send)")


def _email_owners(by_owner, today) -> None:
    """Queue each owner's list of their cases due or overdue in the message outbox (the message
    worker sends it, retrying while mail is down): one a day, however often this runs."""
    from forms_app.messages import smtp as mail
    from forms_app.messages.staff_mail import queue_staff_mail
    from forms_app.web.hosts import staff_url
    from forms_app.web.parts import parts

    settings = parts().settings
    config = mail.email_settings(settings.raw)
    if config is None:
        raise click.ClickException("email is not configured (the 'email:' settings section)")
    book = _book()
    queued = 0
    for owner, rows in by_owner.items():
        account = book.get(owner)
        if account is None or not account.email:
            continue
        lines = [
            f"{r.case.ref}: {r.status.replace('_', ' ')}, {r.next_what} by {r.next_due.isoformat()}"
            for r in rows
        ]
        body = (
            f"Cases of yours that are overdue or due soon, {today.isoformat()}:\n\n"
            + "\n".join(lines)
            + f"\n\n{staff_url(settings)}/staff/\n"
        )
        queued += bool(
            queue_staff_mail(
                settings.data_dir,
                config,
                [account.email],
                "Casework due today",
                body,
                cause=f"due:{owner}:{today.isoformat()}",
                kind="due_list",
                sender=settings.contact.get("email", ""),
            )
        )
    owners = "owner" if queued == 1 else "owners"
    click.echo(f"queued the list to {queued} {owners} (the message worker sends it)")


def register(group: click.Group) -> None:
    """Add this module's commands to ``group``."""
    group.add_command(users_command)
    group.add_command(deadlines_command)
    group.add_command(due_command)
