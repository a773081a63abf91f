"""``feedback records``: retention purge, subject access, erasure, refusal, restriction, holds.

The work is in ``forms_app.records.retention``; this is the command line around it. Every command
writes an entry in the audit log (``--actor``, or $FEEDBACK_ACTOR, or your login name).
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from forms_app.casework.flags import ERASE_REASONS, REFUSAL_REASONS, RESTRICT_REASONS
from forms_app.web.parts import parts

from .data import actor_option


@click.group("records")
def records_group():
    """Data protection: retention purge, subject access, erasure, restriction, legal holds."""


def _fail(error: Exception):
    raise click.ClickException(str(error)) from error


@records_group.command("purge")
@click.option("--dry-run", is_flag=True, help="List what would be purged; change nothing.")
@click.option("--years", type=int, default=None, help="Override retention.years (default 10).")
@actor_option
@with_appcontext
def purge_command(dry_run: bool, years: int | None, actor: str):
    """Remove cases closed more than N years ago (never those under legal hold)."""
    from forms_app.records.retention.purge import purge

    try:
        result = purge(parts(), actor=actor, years=years, dry_run=dry_run)
    except ValueError as error:
        _fail(error)
    verb = "would purge" if dry_run else "purged"
    click.echo(
        f"{verb} {len(result.expired)} cases closed before {result.cutoff} "
        f"({result.years} years); {len(result.held)} kept under legal hold"
    )
    for ref in result.expired if dry_run else ():
        click.echo(f"  {ref}")
    for key, value in result.removed.items():
        if key == "sheet_rows_to_delete":
            if value:
                click.echo(
                    "the sheet sync clears these references' rows from the Google Sheet at "
                    "its next step (if it is not running, delete them by hand):"
                )
                click.echo("  " + " ".join(value))
        else:
            click.echo(f"  {key}: {value} removed")


@records_group.command("access")
@click.option("--ref", default=None, help="A case reference.")
@click.option("--email", default=None, help="The person's email address.")
@click.option("--phone", default=None, help="The person's phone number.")
@click.option("--name", default=None, help="The person's name.")
@click.option(
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    help="A folder, or a file ending .zip.",
)
@actor_option
@with_appcontext
def access_command(ref, email, phone, name, output: Path, actor: str):
    """Subject access: write everything held about a person, with a cover note."""
    from forms_app.records.retention.subject_access import subject_access

    if not (ref or email or phone or name):
        raise click.UsageError("give --ref, --email, --phone or --name")
    result = subject_access(
        parts(), output, actor=actor, ref=ref, email=email, phone=phone, name=name
    )
    click.echo(f"{len(result.refs)} cases written to {result.output}; due by {result.due}")
    for key, value in result.records.items():
        click.echo(f"  {key}: {value}")


def _reason_option(reasons: dict):
    return click.option(
        "--reason", required=True, type=click.Choice(sorted(reasons)), help="The reason code."
    )


@records_group.command("erase")
@click.option("--ref", required=True)
@_reason_option(ERASE_REASONS)
@actor_option
@with_appcontext
def erase_command(ref: str, reason: str, actor: str):
    """Erase a case from every table, its letters, drafts and the sheet outbox."""
    from forms_app.records.retention.erasure import RecordsError, erase

    try:
        result = erase(parts(), ref, reason, actor=actor)
    except RecordsError as error:
        _fail(error)
    click.echo(f"erased {result.ref} ({reason})")
    for key, value in result.removed.items():
        if key == "sheet_rows_to_delete":
            if value:
                click.echo(
                    "the sheet sync clears this case's rows from the Google Sheet at its next "
                    "step (if it is not running, delete them by hand): " + " ".join(value)
                )
        else:
            click.echo(f"  {key}: {value} removed")
    if result.residual:
        click.echo("the person's details are still in (check these by hand):")
        for place in result.residual:
            click.echo(f"  {place}")


@records_group.command("refuse")
@click.option("--ref", required=True)
@_reason_option(REFUSAL_REASONS)
@actor_option
@with_appcontext
def refuse_command(ref: str, reason: str, actor: str):
    """Record that a request to erase a case was refused, with the reason code."""
    from forms_app.records.retention.erasure import RecordsError, refuse

    try:
        refuse(parts(), ref, reason, actor=actor)
    except RecordsError as error:
        _fail(error)
    click.echo(f"erasure of {ref} refused: {reason}")


@records_group.command("restrict")
@click.option("--ref", required=True)
@_reason_option(RESTRICT_REASONS)
@actor_option
@with_appcontext
def restrict_command(ref: str, reason: str, actor: str):
    """Restrict a case: kept, but left out of exports and published text."""
    from forms_app.records.retention.erasure import RecordsError, restrict

    try:
        changed = restrict(parts(), ref, reason, actor=actor)
    except RecordsError as error:
        _fail(error)
    click.echo(f"{ref} {'restricted' if changed else 'was already restricted'} ({reason})")


@records_group.command("unrestrict")
@click.option("--ref", required=True)
@actor_option
@with_appcontext
def unrestrict_command(ref: str, actor: str):
    """Lift a restriction."""
    from forms_app.records.retention.erasure import RecordsError, unrestrict

    try:
        changed = unrestrict(parts(), ref, actor=actor)
    except RecordsError as error:
        _fail(error)
    click.echo(f"{ref} {'no longer restricted' if changed else 'was not restricted'}")


@records_group.command("hold")
@click.option("--ref", required=True)
@click.option("--reason", required=True, help="Why: the claim, inquiry or ombudsman case.")
@actor_option
@with_appcontext
def hold_command(ref: str, reason: str, actor: str):
    """Put a case under legal hold: never purged or erased until released."""
    from forms_app.records.retention.erasure import RecordsError, hold

    try:
        changed = hold(parts(), ref, reason, actor=actor)
    except RecordsError as error:
        _fail(error)
    click.echo(f"{ref} {'put under legal hold' if changed else 'was already under legal hold'}")


@records_group.command("release")
@click.option("--ref", required=True)
@actor_option
@with_appcontext
def release_command(ref: str, actor: str):
    """Release a legal hold."""
    from forms_app.records.retention.erasure import RecordsError, release

    try:
        changed = release(parts(), ref, actor=actor)
    except RecordsError as error:
        _fail(error)
    click.echo(f"{ref} {'released from legal hold' if changed else 'was not under legal hold'}")


def register(group: click.Group) -> None:
    """Add this module's commands to ``group``."""
    group.add_command(records_group)
