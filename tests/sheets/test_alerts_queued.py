"""The shared sheet's alerts to administrators are queued in the message outbox (the message
worker sends them, trying again while the mail server is down), at most once an hour for each
kind, with counts and times only."""

from __future__ import annotations

from contextlib import contextmanager

from forms_app.messages.outbox import STAFF_MAIL
from forms_app.messages.outbox import Outbox as MessageOutbox
from forms_app.messages.outbox import outbox_path as message_outbox_path
from forms_app.sheets.alerts import REPEAT_AFTER, Alerts, queued_mail
from forms_app.sheets.outbox import Outbox, outbox_path

EMAIL = {"host": "127.0.0.1", "port": 25, "tls": "none", "from": "casework@example.org"}


class Clock:
    def __init__(self):
        self.now = 1_800_000_000.0

    def time(self) -> float:
        return self.now


def _staff_mail(data_dir) -> list:
    with MessageOutbox(message_outbox_path(data_dir)) as outbox:
        return [m for m in outbox.due(float("inf")) if m.type == STAFF_MAIL]


@contextmanager
def _alerts(data_dir, clock: Clock, email_config: dict | None):
    """The sheet worker's alerts for Ada, queued in the message outbox of ``data_dir``."""
    sheet_outbox = Outbox(outbox_path(data_dir))
    try:
        yield Alerts(
            sheet_outbox,
            clock,
            email_config=email_config,
            recipients=["ada@staff.example.org"],
            send=queued_mail(data_dir, clock),
        )
    finally:
        sheet_outbox.close()


def test_a_sheet_alert_is_queued_for_the_message_worker_once_an_hour(tmp_path):
    data_dir = tmp_path / "data"
    clock = Clock()
    with _alerts(data_dir, clock, EMAIL) as alerts:
        subject = "The shared sheet is not being updated"
        assert alerts.raise_("parked", subject, "Parked for 4 h 0 min: 12 rows waiting.")
        clock.now += 60
        assert not alerts.raise_("parked", subject, "Parked for 4 h 1 min: 12 rows waiting.")
        (queued,) = _staff_mail(data_dir)
        assert queued.recipient == "ada@staff.example.org"
        assert queued.values["subject"] == subject and "12 rows" in queued.values["body"]
        assert queued.ref == ""  # about no case
        clock.now += REPEAT_AFTER
        assert alerts.raise_("parked", subject, "Parked for 5 h 1 min: 12 rows waiting.")
        assert len(_staff_mail(data_dir)) == 2


def test_without_email_set_up_a_sheet_alert_queues_nothing(tmp_path):
    data_dir = tmp_path / "data"
    with _alerts(data_dir, Clock(), None) as alerts:
        assert not alerts.raise_("parked", "The shared sheet is not being updated", "Parked.")
        assert alerts.active()["parked"]["emailed_at"] is None
    assert not message_outbox_path(data_dir).exists()
