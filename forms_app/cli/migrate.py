"""``feedback migrate``: upgrade the data directory to this release's schema version.

The work is in ``forms_app.migrations``; this is the command line around it. It builds no app:
the app refuses to start on a data directory of another schema version, which is why this
command exists.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command("migrate")
@click.option(
    "--dry-run", is_flag=True, help="Say what would change and check the result; change nothing."
)
@click.option(
    "--backup-to",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the backup taken first goes (default: a folder beside the data directory, "
    "named after it with -backups).",
)
def migrate_command(dry_run: bool, backup_to: Path | None):
    """Upgrade the data directory's tables to this release's schema version.

    Stop the service first. Under the store lock, a backup is taken (as `feedback backup`
    does), each table is rewritten through the upgrade steps beside the old file, the result
    is validated with frictionless, and only then put in place and the new version recorded.
    Running it again changes nothing; a data directory from a later release is refused.
    """
    from forms_app.migrations import MigrationRefused, migrate
    from forms_app.organisation.settings import load_settings
    from forms_app.storage import StorageError

    data_dir = load_settings().data_dir
    backup_to = backup_to or data_dir.with_name(f"{data_dir.name}-backups")
    try:
        report = migrate(data_dir, backup_to=backup_to, dry_run=dry_run)
    except MigrationRefused as error:
        for problem in error.problems:
            click.echo(problem, err=True)
        click.echo(f"not migrated: {error}", err=True)
        sys.exit(1)
    except (StorageError, OSError) as error:
        click.echo(f"not migrated: {error}", err=True)
        sys.exit(1)
    for line in report.lines:
        click.echo(line)


def register(group: click.Group) -> None:
    """Add this module's commands to ``group``."""
    group.add_command(migrate_command)
