"""``feedback sheets setup|sync|status``: the shared Google Sheet (README.md, "The shared
Google Sheet")."""

from __future__ import annotations

import logging
import signal
import sys
import time

import click
from flask.cli import with_appcontext

from forms_app.organisation.settings import SettingsError


def _config():
    from forms_app.sheets.config import sheets_config
    from forms_app.web.parts import parts

    try:
        config = sheets_config(parts().settings)
    except SettingsError as error:
        raise click.ClickException(str(error)) from error
    if config is None:
        raise click.ClickException(
            "no sheet is configured: add a 'sheets:' section to the settings (README.md)"
        )
    return config


@click.group("sheets")
def sheets_group():
    """The shared Google Sheet: setup, sync (the background worker) and status."""


@sheets_group.command("setup")
@with_appcontext
def setup_command():
    """Create or update the Intake, Triage and Problems tabs (safe to run again)."""
    from forms_app.sheets.client import build_client, service_account_email
    from forms_app.sheets.layout import LayoutError, setup
    from forms_app.sheets.outbox import Outbox, outbox_path
    from forms_app.sheets.worker import SyncWorker
    from forms_app.web.parts import parts

    config = _config()
    client = build_client(config)
    try:
        shared = client.list_permissions(config.spreadsheet_key)
    except Exception as error:  # noqa: BLE001 - reported to the person, whatever it is
        raise click.ClickException(
            f"cannot open the sheet ({error}). Is it shared with the service account "
            f"{service_account_email(config) or '(see the key file)'}?"
        ) from error
    public = [p for p in shared if p.get("type") in ("anyone", "domain")]
    if public:
        raise click.ClickException(
            "the sheet is shared with anyone who has the link (or a whole domain): a complaints "
            "sheet must be shared with named people only. Change its sharing, then run again."
        )
    editor = service_account_email(config)
    worker = SyncWorker(parts(), config, client=client)
    try:
        layout = worker.layout()
        spreadsheet = client.open_by_key(config.spreadsheet_key)
        try:
            done = setup(spreadsheet, layout, [editor])
        except LayoutError as error:
            raise click.ClickException(str(error)) from error
        Outbox(outbox_path(parts().settings.data_dir)).set(dropdowns=layout.dropdown_hash())
    finally:
        worker.close()
    for line in done:
        click.echo(line)
    people = [p.get("emailAddress", p.get("type")) for p in shared]
    click.echo(f"shared with: {', '.join(people)}")
    if not config.include_personal:
        click.echo("personal details: not in the sheet (sheets.include_personal is off)")
    else:
        click.echo("personal details: IN the sheet (sheets.include_personal is on)")


@sheets_group.command("sync")
@click.option("--once", is_flag=True, help="One sync step, then stop.")
@with_appcontext
def sync_command(once: bool):
    """Keep the sheet in step with the data package (runs until stopped).

    One worker syncs at a time. With a shared database (store_url), start one on every app
    server: one syncs and the others stand by, taking over within seconds if it stops."""
    from forms_app.records import audit
    from forms_app.sheets.worker import SyncWorker, WorkerBusy
    from forms_app.web.parts import parts

    config = _config()
    if not config.usable:
        raise click.ClickException("the sheet is turned off or has no credentials_file")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    if parts().shared_url:
        _sync_shared(parts().shared_url, config, once)
        return
    worker = SyncWorker(parts(), config, audit=audit.record)
    try:
        worker.lock()
    except WorkerBusy as error:
        worker.close()
        raise click.ClickException(str(error)) from error
    try:
        if once:
            _one_step(worker)

        _stop_on_signals(worker.clock)
        click.echo(f"syncing every {config.interval_seconds:g} s; Ctrl-C stops")
        worker.run()
    finally:
        worker.close()


def _sync_shared(url: str, config, once: bool) -> None:
    """The sync worker when app servers share a database: one worker across every server (the
    database's lock); the others stand by and take over within seconds if it stops. The worker
    is made only once it holds the lock, so it starts from what its predecessor left."""
    from forms_app.records import audit
    from forms_app.sheets.worker import RealClock, SyncWorker
    from forms_app.storage.postgres.worker_lock import WorkerLock, lead
    from forms_app.web.parts import parts

    lock = WorkerLock(url, "sheets")
    if once:
        if not lock.take():
            raise click.ClickException(
                "another sheets sync worker is running on a server sharing this database"
            )
        try:
            worker = SyncWorker(parts(), config, audit=audit.record)
            try:
                _one_step(worker)
            finally:
                worker.close()
        finally:
            lock.release()
    clock = RealClock()
    _stop_on_signals(clock)

    def work(lost) -> None:
        worker = SyncWorker(parts(), config, clock=clock, audit=audit.record)
        try:
            worker.run(until=lost)
        finally:
            worker.close()

    click.echo(f"syncing every {config.interval_seconds:g} s (or standing by); Ctrl-C stops")
    lead(lock, clock.stopping, work)


def _one_step(worker) -> None:
    """One sync step, its figures printed; exits 0 if it went well, else 1."""
    report = worker.step()
    cleared = report.intake_cleared
    click.echo(
        f"intake +{report.intake_appended}, triage +{report.triage_appended}, "
        f"rows updated {report.rows_updated}, events {report.events}, "
        f"problems {report.problems}"
        + (f", Intake rows of restricted cases cleared {cleared}" if cleared else "")
        + ("" if report.ok else f"; FAILED: {report.error}")
    )
    sys.exit(0 if report.ok else 1)


def _stop_on_signals(clock) -> None:
    def stop(_signum, _frame):
        clock.stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


@sheets_group.command("status")
@with_appcontext
def status_command():
    """How far behind the sheet is; exit status 2 when more than an hour behind or parked."""
    from forms_app.sheets.status import status_lines
    from forms_app.web.parts import parts

    config = _config()
    lines, loud = status_lines(parts().settings, config, parts().store, time.time())
    for line in lines:
        click.echo(line, err=False)
    if loud:
        sys.exit(2)


def register(group: click.Group) -> None:
    """Add this module's commands to ``group``."""
    group.add_command(sheets_group)
