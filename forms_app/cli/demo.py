"""``feedback demo-data`` and ``feedback demo-code``: synthetic data and staff accounts, so
someone can try the service."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from forms_app.web.parts import parts


@click.command("demo-data")
@click.option("--count", default=600, show_default=True, help="How many submissions to make.")
@click.option("--seed", default=2025, show_default=True, help="Random seed (same seed, same data).")
@click.option("--if-empty", is_flag=True, help="Do nothing if the data directory has submissions.")
@with_appcontext
def demo_data_command(count: int, seed: int, if_empty: bool):
    """Fill the data directory with synthetic people and cases over the last three years."""
    from forms_app.demo.data import make_demo_data
    from forms_app.demo.staff import DEMO_PASSWORD, make_demo_staff

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


@click.command("demo-code")
@click.argument("username", default="demo.officer")
@with_appcontext
def demo_code_command(username: str):
    """Print the current second-factor code of a demo staff account (demo data only)."""
    from forms_app.demo.staff import demo_code

    try:
        click.echo(demo_code(parts().settings.data_dir, username))
    except PermissionError as error:
        raise click.ClickException(str(error)) from error


def register(group: click.Group) -> None:
    """Add this module's commands to ``group``."""
    group.add_command(demo_data_command)
    group.add_command(demo_code_command)
