"""The ``feedback`` command: a Flask CLI group, installed as a console script.

``feedback --help`` lists the subcommands; ``feedback run`` serves the app for development.
"""

from __future__ import annotations

import sys

import click
from flask.cli import FlaskGroup, with_appcontext

from .parts import parts
from .settings import PROJECT_DIR, load_settings


def _create_app():
    from . import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main():
    """Feedback service: forms, data package, reports and site."""


@main.command("validate", with_appcontext=False)
def validate_command():
    """Validate the whole data package with frictionless and list every error."""
    from .contract import Contract
    from .validation import validate_package

    # No app here: start-up recovery refuses damaged files, and this command must report them.
    data_dir = load_settings().data_dir
    if data_dir.exists() and not (data_dir / "datapackage.json").exists():
        Contract().write_descriptor(data_dir)
    report = validate_package(data_dir)
    for line in report.lines:
        click.echo(line)
    sys.exit(0 if report.valid else 1)


@main.command("demo-data")
@click.option("--count", default=600, show_default=True, help="How many submissions to make.")
@click.option("--seed", default=2025, show_default=True, help="Random seed (same seed, same data).")
@click.option("--if-empty", is_flag=True, help="Do nothing if the data directory has submissions.")
@with_appcontext
def demo_data_command(count: int, seed: int, if_empty: bool):
    """Fill the data directory with synthetic people and cases over the last three years."""
    from .demo import make_demo_data
    from .demo_staff import DEMO_PASSWORD, make_demo_staff

    store = parts().store
    if if_empty and next(store.rows("submissions"), None) is not None:
        click.echo(f"{parts().settings.data_dir} already has submissions: left as it is")
        return
    made = make_demo_data(parts(), count=count, seed=seed)
    click.echo(f"made {made.submissions} submissions and {made.events} events in {made.data_dir}")
    staff = make_demo_staff(parts().settings.data_dir, parts().service_codes)
    if staff:
        click.echo(f"demo staff accounts: {', '.join(staff)}; password: {DEMO_PASSWORD}")
        click.echo("second-factor code: run  .venv/bin/feedback demo-code demo.officer")


@main.command("demo-code")
@click.argument("username", default="demo.officer")
@with_appcontext
def demo_code_command(username: str):
    """Print the current second-factor code of a demo staff account (demo data only)."""
    from .demo_staff import demo_code

    try:
        click.echo(demo_code(parts().settings.data_dir, username))
    except PermissionError as error:
        raise click.ClickException(str(error)) from error


@main.command("build-assets", with_appcontext=False)
def build_assets_command():
    """Compile GOV.UK Frontend with the organisation's colour into forms_app/static/."""
    from .assets import build_assets

    written = build_assets(load_settings(), PROJECT_DIR)
    click.echo(f"built {len(written)} asset files")


@main.command("procedures", with_appcontext=False)
def procedures_command():
    """List the procedure profiles that ship with the service."""
    from .procedure import available_procedures, load_procedure

    for code in available_procedures():
        procedure = load_procedure(code)
        click.echo(f"{code:32} {procedure.nation}  {procedure.name}")


@main.command("purge-drafts")
@click.option("--days", default=7, show_default=True)
@with_appcontext
def purge_drafts_command(days: int):
    """Delete answers in progress that have been left for a number of days."""
    removed = parts().drafts.purge(days)
    click.echo(f"removed {removed} drafts")


from .data_commands import export_command, import_command  # noqa: E402

main.add_command(import_command)
main.add_command(export_command)

from .staff_commands import deadlines_command, due_command, users_command  # noqa: E402

main.add_command(users_command)
main.add_command(deadlines_command)
main.add_command(due_command)

from .sheets_commands import sheets_group  # noqa: E402

main.add_command(sheets_group)

from .report_commands import publish_command, report_command  # noqa: E402

main.add_command(report_command)
main.add_command(publish_command)

from .retention_commands import records_group  # noqa: E402

main.add_command(records_group)

from .backup_commands import backup_command  # noqa: E402

main.add_command(backup_command)
