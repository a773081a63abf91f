"""``feedback ko41a``: NHS England's KO41a return as the file the collection takes, with the
actual numbers, and what is still missing before it can be sent (forms_app/reports/figures/
ko41a.py). The file is for NHS England, never for the site: it is refused anywhere under the
site's folders, where a build would publish it."""

from __future__ import annotations

from pathlib import Path

import click

from forms_app.organisation.settings import PROJECT_DIR

from .reports import _choose, _fail, _period_options, _settings

RETURNS_DIR = PROJECT_DIR / "instance" / "returns"
#: Folders whose files end up on the public site.
PUBLISHED = (PROJECT_DIR / "site", PROJECT_DIR / "build")
SHOWN_REFS = 20  # references listed per gap; the rest are counted


@click.command("ko41a")
@_period_options
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the return (default: instance/returns/ko41a-<period>.csv).",
)
def ko41a_command(year, quarter_text, start, end, as_at, out):
    """Write the KO41a return for a period (default: the latest complete financial year) and
    list what must be put right before it can be sent to NHS England."""
    from forms_app.procedures.profiles import load_procedure
    from forms_app.reports.figures import compute
    from forms_app.reports.figures.ko41a import submission_csv
    from forms_app.reports.figures.returns import applicable, sector_of
    from forms_app.reports.loading import DataError, load

    settings = _settings()
    period = _choose(year, quarter_text, start, end)
    procedure = load_procedure(settings.procedure)
    if "ko41a" not in applicable(settings, procedure):
        _fail(
            ValueError(
                f"KO41a is NHS England's return for NHS bodies in England; this organisation's "
                f"procedure is {procedure.code} (nation {procedure.nation}, sector "
                f"{sector_of(settings, procedure) or 'not set'}). Set organisation: sector: nhs "
                f"or list ko41a under reports: returns: if it does make this return."
            )
        )
    target = (out or RETURNS_DIR / f"ko41a-{period.slug}.csv").resolve()
    if any(target.is_relative_to(folder.resolve()) for folder in PUBLISHED):
        _fail(ValueError(f"{target} is in a folder the site publishes: write the return elsewhere"))
    try:
        report = compute(
            load(settings.data_dir, settings),
            settings,
            period,
            as_at=as_at.date() if as_at else None,
        )
    except DataError as error:
        _fail(error)
    ret = report.ko41a
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(submission_csv(ret), "utf-8")
    code = ret.organisation_code or "no ODS code yet"
    click.echo(f"KO41a {period.label()} ({period.span()}) for {code}: written to {target}")
    summary = ret.summary()
    click.echo(
        f"  brought forward {summary['brought-forward']}, new {summary['new']}, resolved "
        f"{summary['resolved']}, carried forward {summary['carried-forward']}"
    )
    if ret.missing:
        click.echo("NOT READY to send. Before it can be sent:")
        for gap in ret.missing:
            click.echo(f"  - {gap.what['en']}{_which(gap.refs)}")
    else:
        click.echo(
            "Ready to send: every new complaint has a service area, subject and staff group."
        )
    for note in ret.notes:
        click.echo(f"  note: {note.what['en']}{_which(note.refs)}")


def _which(refs: list[str]) -> str:
    """The complaints a gap holds back, by reference (at most ``SHOWN_REFS``)."""
    if not refs:
        return ""
    shown = ", ".join(refs[:SHOWN_REFS])
    more = f" and {len(refs) - SHOWN_REFS} more" if len(refs) > SHOWN_REFS else ""
    return f" ({len(refs)} complaint{'s' if len(refs) != 1 else ''}: {shown}{more})"


def register(group: click.Group) -> None:
    """Add this module's commands to ``group``."""
    group.add_command(ko41a_command)
