"""``feedback messages send|status|templates|retry``: messages to the public (README.md,
"Messages to the public") and the emails to staff that go through the same outbox."""

from __future__ import annotations

import logging
import signal
import sys
import time

import click
from flask.cli import with_appcontext


def _parts():
    from forms_app.web.parts import parts

    return parts()


@click.group("messages")
def messages_group():
    """Messages to the public and emails to staff: the worker that sends them, and the
    outbox's state."""


@messages_group.command("send")
@click.option("--once", is_flag=True, help="One step, then stop.")
@with_appcontext
def send_command(once: bool):
    """Send what the outbox holds, with retries (runs until stopped).

    One worker sends at a time. With a shared database (store_url), start one on every app
    server: one sends and the others stand by, taking over within seconds if it stops."""
    from forms_app.casework.messaging import Sweep
    from forms_app.messages.config import MessagesSettingsError
    from forms_app.messages.outbox import Outbox
    from forms_app.messages.providers import build_provider
    from forms_app.messages.sending import Sender, WorkerBusy

    messenger = _parts().messenger
    config = messenger.config
    if not config.worker_needed:
        raise click.ClickException(
            "messages.provider is none and email is not set up: there is nothing to send"
        )
    try:
        provider = build_provider(config)
    except MessagesSettingsError as error:
        raise click.ClickException(str(error)) from error
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    sender = Sender(
        Outbox(messenger.path),
        provider,
        config.retry,
        before_step=Sweep(messenger, _parts().store),
        after_sent=_record_sent(_parts().settings.data_dir),
    )
    url = _parts().shared_url
    once_lock = None
    try:
        if not url:
            sender.lock(messenger.path.with_suffix(".lock"))
        elif once:
            once_lock = _take_once(url)
    except WorkerBusy as error:
        sender.close()
        raise click.ClickException(str(error)) from error
    try:
        if once:
            report = sender.step()
            click.echo(
                f"sent {report.sent}, found already sent {report.found_sent}, "
                f"to try again {report.retrying}, failed {report.failed}"
                + (", rate limited" if report.rate_limited else "")
            )
            return

        def stop(_signum, _frame):
            sender.clock.stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        click.echo(f"sending messages through {config.provider}; Ctrl-C stops")
        if url:
            # Every app server may start a worker: one sends, the others stand by.
            sender.run_as_the_one(url)
        else:
            sender.run()
    finally:
        if once_lock is not None:
            once_lock.release()
        sender.close()


def _record_sent(data_dir):
    """What the worker does once a message is sent: an email to staff, or a letter emailed to
    the person, is recorded in the audit log as sent (by what it was for, never to whom or
    what it said), so its case's trail shows it queued and then sent."""
    from forms_app.messages.outbox import STAFF_MAIL
    from forms_app.records import audit

    def sent(message) -> None:
        if message.type == STAFF_MAIL:
            audit.record(
                data_dir,
                actor="messages",
                action="staff_mail.sent",
                ref=message.ref or None,
                detail=message.values.get("kind") or "email to staff",
            )
        elif message.type == "emailed_letter":
            audit.record(
                data_dir,
                actor="messages",
                action="letter.emailed",
                ref=message.ref,
                detail=message.values.get("title") or "a letter",
            )

    return sent


def _take_once(url: str):
    """The database's message worker lock for one step, or WorkerBusy when another holds it."""
    from forms_app.messages.sending import WorkerBusy
    from forms_app.storage.postgres.worker_lock import WorkerLock

    lock = WorkerLock(url, "messages")
    if not lock.take():
        raise WorkerBusy("another message worker is running on a server sharing this database")
    return lock


@messages_group.command("status")
@with_appcontext
def status_command():
    """Messages by state and the oldest waiting; exit status 2 when any failed or one has
    waited over an hour."""
    from forms_app.messages.outbox import Outbox

    messenger = _parts().messenger
    click.echo(f"provider: {messenger.config.provider}")
    with Outbox(messenger.path) as outbox:
        counts = outbox.counts()
        oldest = outbox.oldest_waiting()
        failed = outbox.failed(limit=20)
    click.echo(", ".join(f"{state} {n}" for state, n in counts.items()))
    waited = time.time() - oldest if oldest else 0.0
    if oldest:
        click.echo(f"oldest waiting: {waited / 60:.0f} minutes")
    for message in failed:
        click.echo(f"failed: {message.ref} {message.type} ({message.channel}): {message.reason}")
    if counts["failed"] or waited > 3600:
        sys.exit(2)


@messages_group.command("retry")
@click.argument("message_id")
@with_appcontext
def retry_command(message_id: str):
    """Queue a failed message again (after fixing its cause: a template, the key)."""
    from forms_app.messages.outbox import Outbox

    with Outbox(_parts().messenger.path) as outbox:
        if not outbox.send_again(message_id, time.time()):
            raise click.ClickException("no failed message has that id")
    click.echo("queued again")


@messages_group.command("templates")
def templates_command():
    """Print every message's words, named as messages.notify.templates names them, to paste
    into GOV.UK Notify templates."""
    from forms_app.messages import wording

    for key in wording.all_template_keys():
        words = wording.template(*key[:3])
        click.echo(f"== {wording.template_key(*key)}")
        if key[3] in ("email", "letter"):  # a letter's subject is its heading
            click.echo(f"subject: {words['subject']}")
        click.echo(words[key[3]].strip() + "\n")


def register(group: click.Group) -> None:
    """Add this module's commands to ``group``."""
    group.add_command(messages_group)


if __name__ == "__main__":  # python -m forms_app.cli.messages: exit 0 if a worker is needed
    from forms_app.messages.config import messages_config
    from forms_app.organisation.settings import load_settings

    sys.exit(0 if messages_config(load_settings().raw).worker_needed else 1)
