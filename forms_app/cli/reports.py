"""``feedback report`` and ``feedback publish``: the published outcomes (forms_app/reports/)."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from forms_app.organisation.settings import SettingsError, load_settings


def _period_options(function):
    options = [
        click.option(
            "--year",
            type=int,
            help="Financial year starting in April of this year: "
            "--year 2025 is 1 April 2025 to 31 March 2026.",
        ),
        click.option(
            "--quarter",
            "quarter_text",
            metavar="YYYYQn",
            help="A quarter of a financial year: 2025Q3 is October to December 2025 "
            "(Q1 is April to June).",
        ),
        click.option(
            "--from",
            "start",
            type=click.DateTime(["%Y-%m-%d"]),
            help="First day of any period (with --to), YYYY-MM-DD.",
        ),
        click.option(
            "--to",
            "end",
            type=click.DateTime(["%Y-%m-%d"]),
            help="Last day of the period (with --from), YYYY-MM-DD.",
        ),
        click.option(
            "--as-at",
            "as_at",
            type=click.DateTime(["%Y-%m-%d"]),
            help="The date the figures stand at (default today).",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _choose(year, quarter_text, start, end):
    from forms_app.reports.periods import PeriodError, choose

    try:
        return choose(
            year=year,
            quarter_text=quarter_text,
            start=start.date() if start else None,
            end=end.date() if end else None,
            today=date.today(),
        )
    except PeriodError as error:
        raise click.UsageError(str(error)) from error


def _settings():
    try:
        return load_settings()
    except SettingsError as error:
        raise click.ClickException(str(error)) from error


def _fail(error: Exception) -> None:
    click.echo(f"error: {error}", err=True)
    sys.exit(1)


def _folder_option(name: str, help_text: str):
    """A folder option both commands share (one definition, so they cannot drift apart)."""
    return click.option(
        name, type=click.Path(file_okay=False, path_type=Path), default=None, help=help_text
    )


_site_dir_option = _folder_option("--site-dir", "The site's source folder (default: site/).")
_data_out_option = _folder_option(
    "--data-out", "Where the data packages are kept (default: outcomes/data/ in the site folder)."
)


@click.command("report")
@_period_options
@_site_dir_option
@_data_out_option
def report_command(year, quarter_text, start, end, as_at, site_dir, data_out):
    """Write the report for a period (default: the latest complete financial year).

    Pages in English and Welsh and their charts go under site/outcomes/; the aggregate data
    package (CSV and datapackage.json) beside them under site/outcomes/data/<period>/, which any
    build of the site publishes with them. Nothing is written if the PII gate finds a personal
    detail.
    """
    from forms_app.reports.build import SITE_DIR, build_report
    from forms_app.reports.datapackage import DataPackageError
    from forms_app.reports.loading import DataError
    from forms_app.reports.pii_gate import GateFailed

    settings = _settings()
    period = _choose(year, quarter_text, start, end)
    try:
        built = build_report(
            settings,
            period,
            site_dir=site_dir or SITE_DIR,
            data_out=data_out,
            as_at=as_at.date() if as_at else None,
        )
    except (GateFailed, DataPackageError, DataError) as error:
        _fail(error)
    click.echo(f"report {period.label()} ({period.span()}): {len(built.written)} files written")
    for path in built.written:
        click.echo(f"  {path}")
    click.echo(f"  {built.items} approved free-text item(s) published")
    ko41a = built.report.ko41a
    if ko41a is not None and ko41a.missing:
        click.echo(
            f"  KO41a: {len(ko41a.missing)} thing(s) to put right before it can be sent "
            "(feedback ko41a lists them and writes the return)"
        )
    if built.untranslated:
        click.echo(
            "  no Welsh for: "
            + "; ".join(built.untranslated)
            + " (add name_cy beside each in the settings)"
        )


@click.command("publish")
@_period_options
@click.option(
    "--pdfs/--no-pdfs",
    default=None,
    help="Print the leaflet PDFs while building (default: as the site's build does).",
)
@_site_dir_option
@click.option(
    "--site-out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the built site goes (default: build/site/).",
)
@_data_out_option
def publish_command(year, quarter_text, start, end, as_at, pdfs, site_dir, site_out, data_out):
    """Write the report (the latest complete financial year, or the period given), build the
    site with `mkdocs build --strict` into build/site with the data package in it, and run the
    PII gate over every file built. All or nothing: if anything fails, site/ and build/site are
    left as they were and the exit status is 1."""
    from forms_app.reports.build import SITE_DIR
    from forms_app.reports.datapackage import DataPackageError
    from forms_app.reports.loading import DataError
    from forms_app.reports.pii_gate import GateFailed
    from forms_app.reports.publish import SITE_OUT, PublishError, publish

    settings = _settings()
    period = _choose(year, quarter_text, start, end)
    try:
        done = publish(
            settings,
            period,
            site_source=site_dir or SITE_DIR,
            site_out=site_out or SITE_OUT,
            data_out=data_out,
            as_at=as_at.date() if as_at else None,
            pdfs=pdfs,
        )
    except (GateFailed, DataPackageError, DataError, PublishError) as error:
        _fail(error)
    click.echo(
        f"published {period.label()} ({period.span()}): {done.files} files in "
        f"{done.site_dir}; the PII gate found nothing"
    )


def register(group: click.Group) -> None:
    """Add this module's commands to ``group``."""
    group.add_command(report_command)
    group.add_command(publish_command)
