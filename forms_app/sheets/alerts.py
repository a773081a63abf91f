"""Saying loudly that the sheet is behind: the log (always), the outbox's record that
``feedback sheets status`` shows, and an email to the administrators when email is set up,
queued in the message outbox (``queued_mail``: the message worker sends it, trying again while
the mail server is down);
and how a moment and a length of time read in those alerts and in the status
(``clock_text``, ``duration``).

Each kind of alert is logged (as an error) at most every 5 minutes and emailed at most once
an hour while it lasts. Emails carry counts and
times only: never a reference's details or anything a person typed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from forms_app.messages.staff_mail import queue_staff_mail

log = logging.getLogger("forms_app.sheets")
_LONDON = ZoneInfo("Europe/London")

REPEAT_AFTER = 3600.0  # an email of one kind at most this often
LOG_EVERY = 300.0  # and an error in the log


class Alerts:
    def __init__(
        self,
        outbox,
        clock,
        *,
        email_config: dict | None,
        recipients: list[str],
        sender: str = "",
        send: Callable[..., bool],
    ):
        self.outbox = outbox
        self.clock = clock
        self.email_config = email_config
        self.recipients = recipients
        self.sender = sender
        self.send = send

    def raise_(self, kind: str, subject: str, body: str) -> bool:
        """Log it, record it, email it unless this kind was emailed within the hour.
        Returns True if an email was queued to send."""
        now = self.clock.time()
        alerts = dict(self.outbox.get("alerts", {}))
        previous = alerts.get(kind) or {}
        logged_at = float(previous.get("logged_at") or 0) if previous.get("active") else 0.0
        if now - logged_at >= LOG_EVERY:
            log.error("sheets: %s: %s", subject, body.splitlines()[0] if body else "")
            logged_at = now
        emailed = False
        if now - float(previous.get("emailed_at") or 0) >= REPEAT_AFTER:
            emailed = self.send(
                self.email_config, self.recipients, subject, body, sender=self.sender
            )
        alerts[kind] = {
            "at": now,
            "subject": subject,
            "emailed_at": now if emailed else previous.get("emailed_at"),
            "logged_at": logged_at,
            "active": True,
        }
        self.outbox.set(alerts=alerts)
        return emailed

    def clear(self, kind: str) -> None:
        alerts = dict(self.outbox.get("alerts", {}))
        if alerts.get(kind, {}).get("active"):
            log.warning("sheets: %s is over", kind)
            alerts[kind] = {**alerts[kind], "active": False}
            self.outbox.set(alerts=alerts)

    def active(self) -> dict[str, dict]:
        return {k: v for k, v in self.outbox.get("alerts", {}).items() if v.get("active")}


def queued_mail(data_dir, clock) -> Callable[..., bool]:
    """The ``send`` of ``Alerts``: queues the email to staff in the message outbox of
    ``data_dir``; True when it is queued."""

    def send(config, to, subject, body, *, sender="") -> bool:
        return bool(
            queue_staff_mail(
                data_dir,
                config,
                to,
                subject,
                body,
                cause=f"sheets:{subject}:{clock.time()}",
                kind="sheet_alert",
                sender=sender,
            )
        )

    return send


def duration(seconds: float) -> str:
    """``42 s``, ``3 min 5 s`` or ``2 h 10 min``."""
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, s = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {s} s"
    hours, m = divmod(minutes, 60)
    return f"{hours} h {m} min"


def clock_text(epoch) -> str:
    """A moment as UK local time with its zone (``2026-03-29 14:05:00 BST``), or ``never``."""
    if not epoch:
        return "never"
    return datetime.fromtimestamp(float(epoch), _LONDON).strftime("%Y-%m-%d %H:%M:%S %Z")
