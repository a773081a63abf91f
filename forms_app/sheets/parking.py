"""When the worker stops trying for a while (parks), and the alerts that say the sheet is
late.

A step that keeps failing (every request failing for ``park_after_seconds``, or Google
refusing or rejecting requests several times in a row: ``retry.Retrier.park_reason``), or a
sheet whose layout a person changed, parks the worker:
it tries again only every ``park_retry_seconds`` and a person is told by email what is
wrong. Apart from that, the oldest row waiting longer than ``stale_after_seconds`` raises the
"behind" alert, cleared once it is sent. Nothing is lost while parked: rows wait in the
outbox.
"""

from __future__ import annotations

from .alerts import clock_text, duration


def after_failure(worker) -> None:
    """After a failed step: open the sheet again next time unless the failure was passing,
    and park if the failures call for it (or stay parked while they go on)."""
    failure = worker.retrier.last
    if failure is not None and failure.kind != "transient":
        worker.spreadsheet = None  # open (and check the layout) again next time
    reason = worker.retrier.park_reason()
    if not reason and worker.outbox.get("parked_since"):
        reason = worker.outbox.get("parked_reason") or "still failing"  # parked: stay so
    if reason:
        park(worker, reason, "parked")


def park(worker, reason: str, kind: str) -> None:
    """Try again only after ``park_retry_seconds``, and raise the ``kind`` alert."""
    now = worker.clock.time()
    config = worker.config
    until = now + config.park_retry_seconds
    worker.outbox.set(
        parked_until=until,
        parked_reason=reason,
        parked_since=worker.outbox.get("parked_since") or now,
    )
    waiting = _waiting_count(worker)
    worker.alerts.raise_(
        kind,
        "The shared sheet is not being updated",
        f"The feedback service has stopped trying to update the shared Google Sheet for "
        f"now: {reason}.\n\nIt will try again at {clock_text(until)} and every "
        f"{config.park_retry_seconds / 60:.0f} minutes after. Nothing is lost: "
        f"{waiting} rows are waiting in the outbox.\n\nRun 'feedback sheets status' on the "
        "server for details.\n",
    )
    worker.retrier.refusals = 0


def check_behind(worker) -> None:
    """Raise the "behind" alert while the oldest waiting row is older than
    ``stale_after_seconds``; clear it otherwise."""
    age = behind_seconds(worker)
    if age is not None and age > worker.config.stale_after_seconds:
        worker.alerts.raise_(
            "behind",
            "The shared sheet is more than an hour behind",
            f"The oldest row waiting to go to the shared Google Sheet has waited "
            f"{duration(age)}. New feedback is safely stored and on the staff pages; "
            f"only the sheet is behind.\n\nLast successful sync: "
            f"{clock_text(worker.outbox.get('last_success_at'))}. Last error: "
            f"{worker.retrier.state()['last_error'] or 'none'}.\n\nRun 'feedback sheets "
            "status' on the server for details.\n",
        )
    else:
        worker.alerts.clear("behind")


def behind_seconds(worker) -> float | None:
    """How long the oldest waiting row has waited (counted from when the outbox was made, at
    the earliest), or None when nothing waits."""
    oldest = worker.outbox.oldest_waiting()
    if oldest is None:
        return None
    start = max(oldest, float(worker.outbox.get("created_at") or oldest))
    return max(0.0, worker.clock.time() - start)


def _waiting_count(worker) -> int:
    return sum(
        n for states in worker.outbox.counts().values() for s, n in states.items() if s != "sent"
    )
