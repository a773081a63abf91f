"""Bounded retries: exponential back-off with jitter, Retry-After honoured, and parking.

- The delay before retry n (0, 1, 2, ...) is ``min(2**n + U(0, 1), 64)`` seconds, and never
  less than the server's ``Retry-After``.
- A request that may have changed the sheet (a write that timed out or got a 5xx) is never
  retried here: the step stops, and the next one settles it by reading keys (``outbox``).
  Reads and idempotent writes are retried in place a few times; a 429 is retried in place
  for any request, because a rejected request changed nothing.
- Failing for ``park_after`` seconds in a row (4 hours by default), or being refused
  (401/403) or told the request is wrong (400/404) more than 3 times in a row, *parks* the
  worker: it tries again only every ``park_retry`` seconds, and the worker alerts a person.
  Nothing waiting is dropped.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import requests
from gspread.exceptions import APIError

MAX_DELAY = 64.0
TRANSIENT = frozenset({408, 429, 500, 502, 503, 504})
REFUSED = frozenset({401, 403})
REFUSED_LIMIT = 3


def backoff_delay(n: int, rng: random.Random) -> float:
    """Seconds to wait before retry ``n`` (0-based)."""
    return min(2.0 ** min(n, 16) + rng.random(), MAX_DELAY)


@dataclass(frozen=True)
class Failure:
    kind: str  # "transient", "refused" (401/403) or "wrong" (400, 404, other 4xx)
    status: int | None  # HTTP status; None for a timeout or a broken connection
    retry_after: float | None
    message: str

    @property
    def unclear(self) -> bool:
        """A write that failed like this may still have been applied."""
        return self.kind == "transient" and self.status != 429


class SyncFailure(Exception):
    def __init__(self, failure: Failure):
        super().__init__(failure.message)
        self.failure = failure


def classify(error: BaseException) -> Failure | None:
    """What kind of failure an exception from gspread/requests is (None: not the API's).
    gspread turns some (403, 404 on opening) into other exceptions raised from the APIError:
    the cause is what counts."""
    cause = error
    while not isinstance(cause, APIError) and cause.__cause__ is not None:
        cause = cause.__cause__
    if isinstance(cause, APIError):
        error = cause
    if isinstance(error, APIError):
        status = error.response.status_code if error.response is not None else error.code
        retry_after = _retry_after(error.response)
        message = f"{status} {error.error.get('status', '')}: {error.error.get('message', '')}"
        if status in TRANSIENT or status >= 500:
            return Failure("transient", status, retry_after, message[:300])
        if status in REFUSED:
            return Failure("refused", status, retry_after, message[:300])
        return Failure("wrong", status, retry_after, message[:300])
    if isinstance(error, (requests.Timeout, requests.ConnectionError)):
        return Failure("transient", None, None, f"{type(error).__name__}: no reply in time")
    return None


def _retry_after(response) -> float | None:
    if response is None:
        return None
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        from datetime import UTC, datetime

        return max(0.0, (moment - datetime.now(UTC)).total_seconds())


class Retrier:
    """Counts failures in a row across steps and decides waits and parking."""

    def __init__(
        self,
        clock,
        *,
        rng: random.Random | None = None,
        park_after: float = 4 * 3600.0,
        park_retry: float = 3600.0,
        max_inline: int = 3,
    ):
        self.clock = clock
        self.rng = rng or random.Random()
        self.park_after = park_after
        self.park_retry = park_retry
        self.max_inline = max_inline
        self.failures = 0  # in a row
        self.refusals = 0  # 401/403/400/404 in a row
        self.streak_started: float | None = None
        self.last: Failure | None = None
        self.attempts = 0  # requests made, in all
        self.retried = 0  # retries in place, in all

    # -- state the worker keeps across restarts -----------------------------------------------

    def state(self) -> dict:
        return {
            "failures": self.failures,
            "refusals": self.refusals,
            "streak_started": self.streak_started,
            "last_error": self.last.message if self.last else "",
        }

    def restore(self, state: dict | None) -> None:
        if state:
            self.failures = int(state.get("failures", 0))
            self.refusals = int(state.get("refusals", 0))
            self.streak_started = state.get("streak_started")

    # -- decisions ------------------------------------------------------------------------------

    def failed(self, failure: Failure) -> None:
        self.failures += 1
        self.last = failure
        if self.streak_started is None:
            self.streak_started = self.clock.time()
        self.refusals = self.refusals + 1 if failure.kind in ("refused", "wrong") else 0

    def succeeded(self) -> None:
        self.failures = 0
        self.refusals = 0
        self.streak_started = None

    def delay(self, failure: Failure | None = None) -> float:
        """The wait before the next attempt, after ``self.failures`` failures in a row."""
        wait = backoff_delay(max(0, self.failures - 1), self.rng)
        failure = failure or self.last
        if failure is not None and failure.retry_after is not None:
            wait = max(wait, min(failure.retry_after, self.park_retry))
        return wait

    def park_reason(self) -> str:
        """Why the worker should park now ('' if it should not)."""
        if self.refusals > REFUSED_LIMIT:
            return (
                f"Google refused or rejected {self.refusals} requests in a row "
                f"({self.last.message if self.last else ''})"
            )
        if self.streak_started is not None:
            failing_for = self.clock.time() - self.streak_started
            if failing_for >= self.park_after:
                return f"every request has failed for {failing_for / 3600:.1f} hours"
        return ""

    def call(self, fn, *, idempotent: bool, limiter=None):
        """``fn()``, retried in place while that is safe and bounded; SyncFailure otherwise."""
        inline = 0
        while True:
            if limiter is not None:
                limiter.acquire()
            self.attempts += 1
            try:
                result = fn()
            except Exception as error:  # noqa: BLE001 - classified, or re-raised as it was
                failure = classify(error)
                if failure is None:
                    raise
                self.failed(failure)
                safe = failure.kind == "transient" and (idempotent or failure.status == 429)
                if safe and inline < self.max_inline and not self.park_reason():
                    inline += 1
                    self.retried += 1
                    self.clock.sleep(self.delay(failure))
                    continue
                raise SyncFailure(failure) from error
            self.succeeded()
            return result
