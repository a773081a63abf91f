"""The message worker (``feedback messages send``): sends what the outbox holds, one step at a
time, until stopped.

Each step takes the messages that are due, oldest first. A message left ``sending`` (the last
try had an unclear reply, or the worker stopped mid-send) is first looked up at the provider by
its reference; found, it is marked sent without sending again. Otherwise it is marked
``sending`` (committed), sent, and marked ``sent``, ``failed`` (a refusal, or out of tries) or
queued again with a delay that doubles each try up to a ceiling, with random jitter so that
messages held up by one outage do not all come back at the same moment. A rate limit (429)
pauses the whole worker and does not count as a try; so do several failures in a row (the
provider is down: waiting spares it, and the messages, a burst of hopeless tries). A letter
the provider cannot send (SMTP has no letter service) is set aside for staff to post.

Only one worker may send, or a message could go twice: on one machine a lock file beside the
outbox (``lock``); with app servers sharing a database, a lock in that database
(``run_as_the_one``: the others stand by and take over when the active one stops). Even so, a
message is claimed by a conditional update (``Outbox.mark_sending``) before it is sent, so a
message someone else claimed meanwhile is passed over.

``after_sent`` is told of each message once it is marked sent (the command hands in the
audit log's writer, which records the emails to staff as sent).

The time source is a ``Clock`` (``now``, ``sleep``) so tests can run hours of outage in
seconds. Only the message's id, type and state are logged, never who it is for or what it says.
"""

from __future__ import annotations

import fcntl
import logging
import os
import random
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .config import Retry
from .outbox import SENDING, Message, Outbox
from .providers import Refused, ToPost, TryLater

log = logging.getLogger(__name__)
#: Seconds between looks at the outbox when nothing is due.
INTERVAL = 2.0
#: Failures in a row (errors, no reply) after which the worker pauses before the next try.
FAILURES_BEFORE_PAUSE = 5


class Clock:
    """Real time. ``stopping`` ends ``sleep`` early (a signal handler sets it)."""

    def __init__(self):
        self.stopping = threading.Event()

    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        self.stopping.wait(max(0.0, seconds))


class WorkerBusy(RuntimeError):
    """Another message worker holds the lock on this outbox."""


@dataclass
class StepReport:
    sent: int = 0
    found_sent: int = 0
    retrying: int = 0
    failed: int = 0
    to_post: int = 0
    rate_limited: bool = False

    @property
    def handled(self) -> int:
        return self.sent + self.found_sent + self.retrying + self.failed + self.to_post


class Sender:
    def __init__(
        self,
        outbox: Outbox,
        provider,
        retry: Retry | None = None,
        *,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        before_step=None,
        after_sent=None,
        batch: int = 100,
    ):
        self.outbox = outbox
        self.provider = provider
        self.retry = retry or Retry()
        self.clock = clock or Clock()
        self.rng = rng or random.Random()
        self.before_step = before_step
        self.after_sent = after_sent
        self.batch = batch
        self.paused_until = 0.0
        self.failures_in_a_row = 0
        self._lock_fd: int | None = None

    # -- one step ---------------------------------------------------------------------------

    def delay(self, attempts: int) -> float:
        """Seconds before the next try after ``attempts`` tries: doubling, capped, jittered
        (between half and all of it)."""
        ceiling = min(self.retry.max_delay, self.retry.first_delay * 2 ** max(0, attempts - 1))
        return ceiling / 2 + self.rng.random() * ceiling / 2

    def step(self) -> StepReport:
        report = StepReport()
        now = self.clock.now()
        if now < self.paused_until:
            return report
        if self.before_step is not None:
            self.before_step()
        for message in self.outbox.due(now, self.batch):
            if not self._one(message, report):
                break
        return report

    def _one(self, message: Message, report: StepReport) -> bool:
        """Handle one message; False stops the step (the provider asked for a pause)."""
        now = self.clock.now()
        if message.state == SENDING and self.provider.can_find:
            try:
                found = self.provider.find(message)
            except TryLater as error:
                self.outbox.later(
                    message.id, now + self.delay(message.attempts), error.reason, unsure=True
                )
                report.retrying += 1
                log.info("message %s (%s): could not look it up yet", message.id, message.type)
                return self._failed_again(now, error)
            self.failures_in_a_row = 0
            if found:
                self.outbox.mark_sent(message.id, now, found)
                report.found_sent += 1
                log.info("message %s (%s): had been sent", message.id, message.type)
                self._sent(message)
                return True
        if message.attempts >= self.retry.max_attempts:
            self.outbox.mark_failed(
                message.id, f"not sent after {message.attempts} tries: {message.reason}"
            )
            report.failed += 1
            log.warning("message %s (%s): failed, out of tries", message.id, message.type)
            return True
        if not self.outbox.mark_sending(message.id, message.attempts):
            # Claimed or settled by someone else since it was read: theirs to send.
            log.info("message %s (%s): taken by another worker", message.id, message.type)
            return True
        try:
            provider_id = self.provider.send(message)
        except TryLater as error:
            if error.rate_limited:
                pause = self.delay(1)
                self.outbox.later(message.id, now + pause, error.reason, unsure=False)
                self.outbox.not_counted(message.id)
                self.paused_until = now + pause
                report.rate_limited = True
                log.warning("messages: rate limited, pausing %.0f s", pause)
                return False
            unsure = error.unsure and self.provider.can_find
            self.outbox.later(
                message.id, now + self.delay(message.attempts + 1), error.reason, unsure=unsure
            )
            report.retrying += 1
            log.info("message %s (%s): will try again (%s)", message.id, message.type, error)
            return self._failed_again(now, error)
        except ToPost as error:
            self.outbox.mark_to_post(message.id, error.reason)
            report.to_post += 1
            log.info("message %s (%s): to post by hand", message.id, message.type)
            return True
        except Refused as error:
            self.failures_in_a_row = 0
            self.outbox.mark_failed(message.id, error.reason)
            report.failed += 1
            log.warning("message %s (%s): failed: %s", message.id, message.type, error.reason)
            return True
        self.failures_in_a_row = 0
        self.outbox.mark_sent(message.id, self.clock.now(), provider_id)
        report.sent += 1
        self._sent(message)
        return True

    def _sent(self, message: Message) -> None:
        """Tell ``after_sent``; its failure is logged, as the message is sent and recorded so
        in the outbox already."""
        if self.after_sent is None:
            return
        try:
            self.after_sent(message)
        except Exception:  # noqa: BLE001 - a record of the send must not stop the sending
            log.exception("message %s (%s): sent, not recorded", message.id, message.type)

    def _failed_again(self, now: float, error: TryLater) -> bool:
        """Count a failure; after several in a row, pause the worker (False ends the step)."""
        self.failures_in_a_row += 1
        if error.rate_limited:
            self.paused_until = now + self.delay(1)
            return False
        beyond = self.failures_in_a_row - FAILURES_BEFORE_PAUSE
        if beyond >= 0:
            self.paused_until = now + self.delay(beyond + 1)
            log.warning("messages: %d failures in a row, pausing", self.failures_in_a_row)
            return False
        return True

    # -- the loop ---------------------------------------------------------------------------

    def run(self, *, until=None) -> None:
        """Step until the clock is stopping (or ``until()`` is true)."""
        stopping = getattr(self.clock, "stopping", None)
        while not (stopping is not None and stopping.is_set()) and not (until and until()):
            try:
                report = self.step()
            except Exception:  # noqa: BLE001 - the loop must outlive one bad step; logged
                log.exception("messages: a step failed")
                report = StepReport()
            now = self.clock.now()
            if report.handled and now >= self.paused_until:
                continue
            wake = now + INTERVAL
            next_due = self.outbox.next_due()
            if next_due is not None:
                wake = min(wake, next_due)
            self.clock.sleep(max(wake, self.paused_until) - now)

    def lock(self, path: Path) -> None:
        """Hold the one worker lock of this outbox file (two workers could send a message
        twice). Under a shared database the lock is the database's instead, for every server
        (``run_as_the_one``)."""
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            os.close(fd)
            raise WorkerBusy("another message worker is running on this outbox") from error
        self._lock_fd = fd

    def run_as_the_one(self, url: str, every: float | None = None) -> None:
        """Send only while this is the one message worker of every server sharing the
        database at ``url``; stand by while another is (trying again every ``every`` seconds),
        and take over when it stops."""
        from forms_app.storage.postgres.worker_lock import STANDBY_SECONDS, WorkerLock, lead

        lead(
            WorkerLock(url, "messages"),
            self.clock.stopping,
            lambda lost: self.run(until=lost),
            STANDBY_SECONDS if every is None else every,
        )

    def close(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
        self.outbox.close()
