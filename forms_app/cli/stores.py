"""``feedback migrate-store`` and ``feedback export-package``: the case tables between engines.

The work is in ``forms_app.storage.postgres.moving`` (the case tables) and ``moving_state``
(the rest of the app's state); this is the command line around it. It builds no app, so it
runs with the service stopped (stop it first: rows written during a move would be left
behind). A move is checked whole before anything is written, then written all or nothing
(``all_or_nothing``): one database transaction into PostgreSQL, a staging directory moved
into place into the files. A move that fails part way says so and leaves the target as it
was, so the same command can be run again once the fault is put right.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click


def _tables() -> dict[str, list[str]]:
    from forms_app.storage.contract import Contract

    contract = Contract()
    return {name: contract.columns(name) for name in contract.resource_names}


def _data_package(data_dir: Path):
    from forms_app.storage import Store

    store = Store(data_dir, _tables())
    store.recover()
    return store


def _database(url: str, data_dir: Path):
    from forms_app.storage.postgres import PostgresStore

    store = PostgresStore(url, data_dir, _tables())
    store.recover()
    return store


def _into_database(url: str, data_dir: Path) -> Callable[[], dict[str, int]]:
    """Check that the data directory's state can move into the empty database at ``url``;
    returns the move itself, which writes all of it in one transaction (all or nothing)."""
    from forms_app.letters.database_letters import DatabaseLetters, copy_letters
    from forms_app.letters.document import LetterFiles
    from forms_app.storage.postgres.moving import TargetNotEmpty, check_empty, copy_rows

    from .all_or_nothing import one_transaction
    from .moving_state import held_in, read_state, write_state

    state = read_state(data_dir)
    source, target = _data_package(data_dir), _database(url, data_dir)
    check_empty(source, target)
    held = held_in(url)  # makes every table written below, before the transaction
    if held:
        raise TargetNotEmpty(f"the target already holds {', '.join(held)}")

    def move() -> dict[str, int]:
        with one_transaction(url, target):
            counts = copy_rows(source, target, files=True)
            counts["letters"] = copy_letters(LetterFiles(data_dir), DatabaseLetters(data_dir, url))
            counts.update(write_state(url, state))
        return counts

    return move


def _into_files(url: str, data_dir: Path) -> Callable[[], dict[str, int]]:
    """Check that the database's state can move into ``data_dir``, which holds none of it;
    returns the move itself, which writes all of it beside ``data_dir`` and moves it in only
    once it is all written and checked (all or nothing)."""
    from forms_app.letters.database_letters import DatabaseLetters, copy_letters
    from forms_app.letters.document import LetterFiles
    from forms_app.storage import Store
    from forms_app.storage.postgres.moving import TargetNotEmpty, check_empty, copy_rows

    from .all_or_nothing import staged_directory
    from .moving_state import held_in_files, read_database_state, write_files_state

    state = read_database_state(url)
    source = _database(url, data_dir)
    # Read only: the data directory is not touched until everything is ready to move in.
    check_empty(source, Store(data_dir, _tables()))
    held = held_in_files(data_dir)
    if held:
        raise TargetNotEmpty(f"{data_dir} already holds {', '.join(held)}")

    def move() -> dict[str, int]:
        with staged_directory(data_dir) as staging:
            counts = copy_rows(source, _data_package(staging), files=True)
            counts["letters"] = copy_letters(DatabaseLetters(data_dir, url), LetterFiles(staging))
            counts.update(write_files_state(staging, state))
        return counts

    return move


def _said(error: Exception) -> str:
    """What went wrong, in a line: for the database's refusals its message alone, without
    the detail that may quote a row's cells (a person's details among them)."""
    primary = getattr(getattr(error, "diag", None), "message_primary", None)
    if primary:
        return primary
    lines = str(error).splitlines()
    return lines[0] if lines else type(error).__name__


@click.command("migrate-store")
@click.option(
    "--to",
    "to_url",
    metavar="URL",
    help="Move the data directory's case tables, files, letters, staff accounts, audit log, "
    "outboxes, tracking codes, questionnaires and request links into the PostgreSQL database "
    "at URL (postgresql://user@host/database), which must hold none of them.",
)
@click.option(
    "--from",
    "from_url",
    metavar="URL",
    help="Move all of that back from the database at URL into the data directory, which "
    "must hold none of it.",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The data directory (default: the one the settings name).",
)
def migrate_store_command(to_url: str | None, from_url: str | None, data_dir: Path | None):
    """Move the case tables and the rest of the app's state between the data directory and
    a PostgreSQL database.

    Stop the service first. Every row of every case table is copied into a target that holds
    no rows yet, in the order written, and read back to check it is the same; the bytes of
    the files added to cases go first, the produced letters after. The source is left as it
    was: keep it until the service runs well on the new engine, then remove it. Then set
    store_url in the settings (or FORMS_APP_STORE_URL) to the database URL, or remove it to
    go back to the data directory.

    It is all or nothing: into the database everything is written in one transaction; into
    the data directory everything is written into a new directory beside it and moved in
    only once it is all written and checked. If the move fails part way, everything it wrote
    is undone, it says what went wrong, and the same command can be run again.

    The rest of what the app keeps moves too, as it is, either way: staff accounts, the
    audit log (it must verify; its chain carries on), the message and sheet outboxes,
    tracking codes and secrets, questionnaire invitations, answers and offers, and request
    links. Nothing is moved if the target holds any of them already. The tracking codes,
    request links and questionnaire links keep working only while the app keeps the same
    secret key (FORMS_APP_SECRET_KEY, or .secret_key in the data directory): give every app
    server that key. Drafts, staff sessions and rate limits are not moved: people part way
    through a form start it again, and staff sign in again.
    """
    from forms_app.organisation.settings import load_settings
    from forms_app.storage import StorageError
    from forms_app.storage.postgres.moving import TargetNotEmpty

    from .moving_state import StateNotMovable

    if bool(to_url) == bool(from_url):
        raise click.UsageError("give exactly one of --to URL or --from URL")
    data_dir = data_dir or load_settings().data_dir
    where = "the database" if to_url else str(data_dir)
    try:
        # Everything is read and checked, and the target found empty, before anything is
        # written, so a refusal leaves the target as it was.
        move = _into_database(to_url, data_dir) if to_url else _into_files(from_url, data_dir)
    except (TargetNotEmpty, StateNotMovable, StorageError, OSError) as error:
        raise click.ClickException(f"nothing moved: {error}") from error
    except Exception as error:  # psycopg's errors: no connection, no such database, no right
        if type(error).__module__.startswith("psycopg"):
            raise click.ClickException(f"nothing moved: {_said(error)}") from error
        raise
    try:
        counts = move()
    except Exception as error:
        # Whatever went wrong while writing, all of it was undone (``all_or_nothing``).
        raise click.ClickException(
            f"nothing moved: the move failed part way ({_said(error)}). Everything it had "
            f"written was undone, so {where} is as it was before. Put right what went wrong "
            "and run the same command again."
        ) from error
    units = {
        "evidence_files": "files",
        "letters": "letters",
        "accounts": "accounts",
        "audit": "entries",
        "messages": "messages",
        "sheet_outbox": "rows",
        "tracking": "secrets and codes",
        "questionnaires": "invitations, answers and offers",
        "request_links": "links and reminders",
    }
    moved = ", ".join(
        f"{name}: {count} {units.get(name, 'rows')}" for name, count in counts.items()
    )
    click.echo(f"moved into {where} and read back the same: {moved}")
    if any(counts.get(kind) for kind in ("tracking", "questionnaires", "request_links")):
        click.echo(
            "tracking codes, request links and questionnaire links are keyed with the app's "
            "secret key: give every app server the same one (FORMS_APP_SECRET_KEY, or "
            f"{data_dir / '.secret_key'})"
        )


@click.command("export-package")
@click.argument("target", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--from",
    "from_url",
    metavar="URL",
    help="Export the database at URL (default: "
    "the store the settings name: store_url, or the data directory).",
)
def export_package_command(target: Path, from_url: str | None):
    """Write the case tables as a data package into TARGET (new or empty) and validate it.

    The package is the descriptor with its schemas and one checksummed CSV per table, as the
    data directory holds them, from either engine; it is validated with frictionless and the
    exit status is 1 if it is not valid.
    """
    from forms_app.organisation.settings import load_settings
    from forms_app.storage.engines import store_url
    from forms_app.storage.postgres.moving import TargetNotEmpty, export_package

    settings = load_settings()
    url = from_url or store_url(settings.raw.get("store_url"))
    source = _database(url, settings.data_dir) if url else _data_package(settings.data_dir)
    try:
        counts, report = export_package(source, target)
    except (TargetNotEmpty, OSError) as error:
        raise click.ClickException(f"not exported: {error}") from error
    for line in report.lines:
        click.echo(line)
    if not report.valid:
        sys.exit(1)
    written = ", ".join(f"{name}: {count} rows" for name, count in counts.items())
    click.echo(f"exported to {target}: {written}")


@click.command("store-roles")
@click.argument("url")
@click.option(
    "--app-role",
    default="feedback_app",
    show_default=True,
    help="The app servers' login: the case tables, and a member of the personal role.",
)
@click.option(
    "--personal-role",
    default="feedback_personal",
    show_default=True,
    help="The only role granted the personal details table (no login).",
)
@click.option(
    "--reader-role",
    default="",
    help="A login for reports and analysts: every case "
    "table except the personal details (none is made when not given).",
)
def store_roles_command(url: str, app_role: str, personal_role: str, reader_role: str):
    """Make the case tables in the database at URL and grant the roles what each needs.

    Run it as the database's owner (URL names that user). Roles that do not exist are made
    (give each login role a password afterwards, with ALTER ROLE ... PASSWORD); the app then
    connects as the app role (store_url), which needs no right to create tables.
    """
    from forms_app.organisation.settings import load_settings
    from forms_app.storage.postgres import grant_roles

    try:
        store = _database(url, load_settings().data_dir)
        grant_roles(
            store.connections.get(),
            store.shapes,
            app_role=app_role,
            personal_role=personal_role,
            reader_role=reader_role or None,
        )
    except Exception as error:  # psycopg's errors: no connection, no right to make roles
        if type(error).__module__.startswith("psycopg"):
            raise click.ClickException(f"roles not granted: {error}") from error
        raise
    readers = f"; {reader_role} reads all but personal" if reader_role else ""
    click.echo(
        f"granted: {app_role} the case tables, {personal_role} the personal details{readers}"
    )


def register(group: click.Group) -> None:
    """Add this module's commands to ``group``."""
    group.add_command(migrate_store_command)
    group.add_command(export_package_command)
    group.add_command(store_roles_command)
