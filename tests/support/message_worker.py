"""One step of the message worker over an app's outbox, as the worker beside ``make run``
would take within seconds: the emails to staff and the request links go through the outbox."""

from __future__ import annotations

from forms_app.messages.config import messages_config
from forms_app.messages.outbox import Outbox, outbox_path
from forms_app.messages.providers import NoProvider, WithStaffMail, build_provider
from forms_app.messages.sending import Sender


def deliver(parts, *, staff_only: bool = False) -> None:
    """One step of the message worker over the app's outbox (nothing when it has none).
    ``staff_only``: send only the emails to staff (for settings whose Notify has no key here:
    the messages to the public then fail, as they would without the worker's key)."""
    path = outbox_path(parts.settings.data_dir)
    if not path.exists():
        return
    config = messages_config(parts.settings.raw)
    provider = (
        WithStaffMail(NoProvider(), config.staff_email) if staff_only else build_provider(config)
    )
    with Outbox(path) as outbox:
        Sender(outbox, provider).step()


def run_worker(app, times: int = 1) -> None:
    """Run the message worker's own command (``feedback messages send --once``) ``times``
    times, as its service would."""
    from forms_app.cli.messages import messages_group

    runner = app.test_cli_runner()
    for _ in range(times):
        result = runner.invoke(messages_group, ["send", "--once"])
        assert result.exit_code == 0, result.output
