"""``feedback build-assets`` and ``feedback procedures``: what an installation is set up with."""

from __future__ import annotations

from pathlib import Path

import click

from forms_app.organisation.settings import PROJECT_DIR, load_settings


@click.command("build-assets")
@click.option(
    "--stylesheet",
    type=click.Path(dir_okay=False),
    help="Compile only the stylesheet, to this file: one organisation's, when several share "
    "a deployment (its hosting file names the file).",
)
def build_assets_command(stylesheet):
    """Compile GOV.UK Frontend with the organisation's colour into forms_app/static/."""
    from forms_app.organisation.branding import build_assets, build_stylesheet

    if stylesheet:
        written = build_stylesheet(load_settings(), PROJECT_DIR, Path(stylesheet).resolve())
        click.echo(f"built {written}")
        return
    written = build_assets(load_settings(), PROJECT_DIR)
    click.echo(f"built {len(written)} asset files")


@click.command("procedures")
def procedures_command():
    """List the procedure profiles that ship with the service."""
    from forms_app.procedures.profiles import available_procedures, load_procedure

    for code in available_procedures():
        procedure = load_procedure(code)
        click.echo(f"{code:32} {procedure.nation}  {procedure.name}")


def register(group: click.Group) -> None:
    """Add this module's commands to ``group``."""
    group.add_command(build_assets_command)
    group.add_command(procedures_command)
