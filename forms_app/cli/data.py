"""``feedback import``, ``export``, ``validate`` and ``purge-drafts``: records in from an earlier
system, cases out for staff, the whole data package checked, and old drafts removed. The work is
in ``forms_app.records`` and ``forms_app.storage``; this is the command line around it.
"""

from __future__ import annotations

import getpass
import os
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import click
from flask.cli import with_appcontext

from forms_app.organisation.settings import load_settings
from forms_app.storage.drafts import DRAFT_IDLE_HOURS
from forms_app.storage.vocabulary import KINDS
from forms_app.web.parts import parts


def _default_actor() -> str:
    # Who ran the command, for the audit log: set FEEDBACK_ACTOR to a staff account name.
    try:
        return os.environ.get("FEEDBACK_ACTOR") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


actor_option = click.option(
    "--actor",
    default=_default_actor,
    show_default="$FEEDBACK_ACTOR or your login name",
    help="Who is running this, for the audit log.",
)


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--mapping",
    "mapping_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML file saying which column fills which field (see README, Importing).",
)
@click.option("--dry-run", is_flag=True, help="Check everything and show what would be imported.")
@actor_option
@with_appcontext
def import_command(file: Path, mapping_path: Path, dry_run: bool, actor: str):
    """Import cases from a CSV or XLSX export of an earlier system.

    Every row is checked before anything is written; if any row has a problem, every problem
    is listed and nothing is imported. Running the same import again adds nothing.
    """
    from forms_app.records.importing import MappingError, SourceError, run_import

    try:
        report = run_import(parts(), file, mapping_path, actor=actor, dry_run=dry_run)
    except MappingError as error:
        for line in error.problems:
            click.echo(f"{mapping_path.name}: {line}", err=True)
        click.echo("nothing was imported: the mapping needs fixing first", err=True)
        sys.exit(2)
    except SourceError as error:
        click.echo(str(error), err=True)
        click.echo("nothing was imported", err=True)
        sys.exit(2)
    if report.problems:
        for problem in report.problems:
            click.echo(str(problem), err=True)
        rows = len({problem.row for problem in report.problems})
        click.echo(
            f"nothing was imported: {len(report.problems)} problem(s) in {rows} row(s) of "
            f"{report.plan.rows}",
            err=True,
        )
        sys.exit(1)
    changes = report.changes
    verb = "would import" if dry_run else "imported"
    click.echo(
        f"{verb} {len(changes.new_cases)} case(s) and {len(changes.new_events)} event(s) "
        f"from {report.plan.rows} row(s) of {file.name}"
    )
    if changes.already_imported:
        click.echo(f"{changes.already_imported} case(s) were imported before: left as they are")
    if report.plan.skipped:
        click.echo(f"{report.plan.skipped} row(s) left out by skip_when")
    if dry_run:
        _print_table(changes.by_year_and_kind())
        for type_, count in sorted(changes.events_by_type().items()):
            click.echo(f"  {type_:<22}{count:>7}")
        click.echo(f"  with personal details: {len(changes.personal_rows)}")
        click.echo("dry run: nothing was written")


def _print_table(counts: Counter) -> None:
    years = sorted({year for year, _kind in counts})
    kinds = [kind for kind in KINDS if any(k == kind for _y, k in counts)]
    heading = "".join(kind.rjust(12) for kind in kinds)
    click.echo("  " + "year".ljust(6) + heading + "total".rjust(9))
    for year in years:
        row = [counts[(year, kind)] for kind in kinds]
        click.echo(f"  {year:<6}" + "".join(f"{n:>12}" for n in row) + f"{sum(row):>9}")


@click.command("export")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="First day received.")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="Last day received.")
@click.option("--service", help="Only this service (its code in the settings).")
@click.option("--stage", help="Only cases now at this stage (its code in the procedure).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx"]),
    help="csv (UTF-8 with BOM) or xlsx; by default from the output's extension.",
)
@click.option(
    "--include-personal",
    is_flag=True,
    help="Add names and contact details (written in the audit log).",
)
@click.option(
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="File to write.",
)
@actor_option
@with_appcontext
def export_command(start, end, service, stage, fmt, include_personal, output: Path, actor):
    """Export cases for staff as CSV or XLSX, safe to open in Excel."""
    from forms_app.records.exporting import ExportFilter, export_cases

    app_parts = parts()
    fmt = fmt or ("xlsx" if output.suffix.lower() == ".xlsx" else "csv")
    known_services = app_parts.service_codes
    if service and service not in known_services:
        raise click.BadParameter(f"not one of: {', '.join(known_services)}", param_hint="--service")
    stages = [*dict.fromkeys(s.code for p in app_parts.procedures for s in p.stages), "ombudsman"]
    if stage and stage not in stages:
        raise click.BadParameter(f"not one of: {', '.join(stages)}", param_hint="--stage")
    selection = ExportFilter(
        start=_day(start), end=_day(end), service=service or None, stage=stage or None
    )
    if selection.start and selection.end and selection.start > selection.end:
        raise click.BadParameter("--from is after --to", param_hint="--from")
    result = export_cases(
        app_parts,
        output,
        actor=actor,
        selection=selection,
        fmt=fmt,
        include_personal=include_personal,
    )
    personal = " with personal details (recorded in the audit log)" if include_personal else ""
    click.echo(f"wrote {result.cases} case(s){personal} to {result.path}")


def _day(value) -> date | None:
    return value.date() if value else None


@click.command("validate")
def validate_command():
    """Validate the case tables against the table schemas with frictionless; list every error.

    With the data directory (the default) its data package is validated as it is on disk. With
    the case tables in PostgreSQL (store_url), their rows are read from the database (all
    tables as of one moment) into a data package in a temporary folder, which is validated and
    then removed; the database's other tables (accounts, sessions, the audit log, the
    outboxes) are not checked by this command.
    """
    from forms_app.storage.contract import Contract
    from forms_app.storage.engines import store_url
    from forms_app.storage.package_check import validate_package

    settings = load_settings()
    url = store_url(settings.raw.get("store_url"))
    if url:
        report = _validate_database(url, settings.data_dir)
    else:
        # No app here: start-up recovery refuses damaged files, and this command must report
        # them.
        data_dir = settings.data_dir
        if data_dir.exists() and not (data_dir / "datapackage.json").exists():
            Contract().write_descriptor(data_dir)
        report = validate_package(data_dir)
    for line in report.lines:
        click.echo(line)
    sys.exit(0 if report.valid else 1)


def _validate_database(url: str, data_dir):
    """The report of the database's case tables, written out as a data package and validated."""
    import tempfile
    from pathlib import Path

    from forms_app.storage.contract import Contract
    from forms_app.storage.database_package import write_package
    from forms_app.storage.engines import open_store
    from forms_app.storage.package_check import validate_package

    contract = Contract()
    tables = {name: contract.columns(name) for name in contract.resource_names}
    store = open_store(data_dir, tables, url)
    with tempfile.TemporaryDirectory(prefix="feedback-validate-") as scratch:
        package = Path(scratch) / "package"
        try:
            write_package(store, package)
        except Exception as error:  # psycopg's errors: no connection, no such database, no right
            if type(error).__module__.startswith("psycopg"):
                raise click.ClickException(
                    f"cannot read the database: {type(error).__name__}"
                ) from error
            raise
        click.echo("the case tables in the database (store_url), as a data package:")
        return validate_package(package)


@click.command("purge-drafts")
@click.option(
    "--hours",
    type=float,
    default=None,
    help=f"Delete drafts left this long (default: their idle lifetime, {DRAFT_IDLE_HOURS}).",
)
@with_appcontext
def purge_drafts_command(hours: float | None):
    """Delete answers in progress left unchanged for their idle lifetime (run it hourly: one
    pass over the drafts folder, nothing read but each file's time)."""
    removed = parts().drafts.purge(None if hours is None else hours * 3600)
    click.echo(f"removed {removed} drafts")


def register(group: click.Group) -> None:
    """Add this module's commands to ``group``."""
    for command in (import_command, export_command, validate_command, purge_drafts_command):
        group.add_command(command)
