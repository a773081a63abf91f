"""``feedback messages status`` and ``retry``: the outbox's state for monitoring."""

from __future__ import annotations

from forms_app.cli.messages import messages_group
from forms_app.messages.outbox import Outbox
from tests.support.walker import ANSWERS

from .test_acknowledgement import _walk


def test_status_counts_the_messages_and_fails_loudly_when_one_failed(app, client, app_parts):
    result = _walk(client, "/complaint/", ANSWERS["complaint"])
    runner = app.test_cli_runner()
    quiet = runner.invoke(messages_group, ["status"])
    assert quiet.exit_code == 0 and "queued 1" in quiet.output
    with Outbox(app_parts.messenger.path) as outbox:
        (message,) = outbox.for_refs([result.reference])
        outbox.mark_failed(message.id, "Notify refused it (403): AuthError: Invalid token")
    loud = runner.invoke(messages_group, ["status"])
    assert loud.exit_code == 2
    assert f"failed: {result.reference} acknowledgement (email)" in loud.output
    assert "dafydd" not in loud.output
    again = runner.invoke(messages_group, ["retry", message.id])
    assert again.exit_code == 0
    assert runner.invoke(messages_group, ["status"]).exit_code == 0
