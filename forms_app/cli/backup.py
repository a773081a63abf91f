"""``feedback backup``: copy the data directory's state, and the restore drill that proves
a backup can be restored.

The work is in ``forms_app.storage.backup``; this is the command line around it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--verify",
    is_flag=True,
    help="PATH is a backup: restore it into a temporary directory and check it (restore drill).",
)
def backup_command(path: Path, verify: bool):
    """Back up the case tables and the data directory into a new timestamped folder under
    PATH, or check a backup.

    The tables are copied under the store lock, every copy is fsynced, and a manifest records
    the size, SHA-256 and row count of each file. Unsent drafts, sessions and the secret key
    are left out. With the case tables in PostgreSQL (store_url), the tables and the audit log
    are read from the database (the tables written as a data package), with everything the
    data directory holds; the database's other tables (accounts, sessions, drafts, rate limits,
    the outboxes) are NOT in it: back the database up with its own tools (pg_dump) as well.
    With --verify, PATH is one backup folder: it is restored into a temporary directory,
    recovered and validated as `feedback validate` does, and compared with its manifest; the
    exit status is 1 if anything differs.
    """
    from forms_app.organisation.settings import load_settings
    from forms_app.storage.backup import DATABASE_LEFT_OUT, BackupError, restore_drill, take_backup
    from forms_app.storage.contract import Contract
    from forms_app.storage.database_package import in_database
    from forms_app.storage.engines import open_store

    contract = Contract()
    tables = {name: contract.columns(name) for name in contract.resource_names}
    if verify:
        report = restore_drill(path, tables, validate=_validation_problems)
        if report.ok:
            counts = ", ".join(f"{name}: {count} rows" for name, count in report.rows.items())
            click.echo(f"restore check passed: {counts}")
            return
        for problem in report.problems:
            click.echo(problem)
        click.echo(f"restore check FAILED: {len(report.problems)} problems in {path}")
        sys.exit(1)
    settings = load_settings()
    store = open_store(settings.data_dir, tables, settings.raw.get("store_url"))
    more = _database_audit(store.url) if in_database(store) else None
    try:
        made = take_backup(store, path, more=more)
    except (BackupError, OSError) as error:
        raise click.ClickException(f"backup not taken: {error}") from error
    except Exception as error:  # psycopg's errors: no connection, no such database, no right
        if type(error).__module__.startswith("psycopg"):
            raise click.ClickException(f"backup not taken: {type(error).__name__}") from error
        raise
    click.echo(f"backup written to {made}")
    if in_database(store):
        click.echo(
            "the case tables are from the database; not in this backup (back the database "
            f"up with its own tools as well): {', '.join(DATABASE_LEFT_OUT)}"
        )


def _database_audit(url: str):
    """The audit log in the database, as the two files a data directory keeps it in (so a
    backup restored into a data directory has its audit log, and it verifies there)."""
    from forms_app.records.audit import _HEAD_FORMAT, HEAD_NAME, LOG_NAME
    from forms_app.storage.postgres.audit import AuditTable

    def files() -> dict[str, bytes]:
        lines, head = AuditTable(url).snapshot()
        out = {LOG_NAME: "".join(line + "\n" for line in lines).encode("utf-8")}
        if head is not None:
            out[HEAD_NAME] = _HEAD_FORMAT.format(entries=head[0], hash=head[1]).encode("ascii")
        return out

    return files


def _validation_problems(data_dir: Path) -> list[str]:
    from forms_app.storage.package_check import validate_package

    report = validate_package(data_dir)
    return [] if report.valid else report.errors


def register(group: click.Group) -> None:
    """Add this module's commands to ``group``."""
    group.add_command(backup_command)
