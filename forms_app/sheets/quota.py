"""At most N requests in any 60 seconds (Google: 60 writes and 60 reads a minute per user).

A sliding window over the clock the worker is given, so a test on an injected clock checks
the same arithmetic in no time.
"""

from __future__ import annotations

from collections import deque


class RateLimiter:
    def __init__(self, per_minute: int, clock, window: float = 60.0):
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self.per_minute = per_minute
        self.clock = clock
        self.window = window
        self._times: deque[float] = deque()
        self.waited = 0.0  # seconds spent waiting, in all

    def acquire(self) -> None:
        """Wait (on the clock) until one more request fits the window, then count it."""
        while True:
            now = self.clock.time()
            while self._times and self._times[0] <= now - self.window:
                self._times.popleft()
            if len(self._times) < self.per_minute:
                self._times.append(now)
                return
            wait = self._times[0] + self.window - now
            self.waited += wait
            self.clock.sleep(wait)
