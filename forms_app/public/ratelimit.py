"""Per-address rate limits that hold across gunicorn workers, without Redis.

Counters live in one fixed-size file of slots in the data directory (``.ratelimit.slots``),
read and updated in place under an exclusive ``flock`` on ``.ratelimit.lock`` (opened per call,
never before fork, so every worker process and thread is excluded: the limit is L, not
workers × L). Addresses are kept only as a keyed hash (the app's secret), never in the clear,
and are counted by network (``accounts.throttle.address_key``, which keys staff sign-in
throttling too): an IPv6 address by its /64, so one household cannot step round a limit by
changing address inside its own prefix.

A hit reads and writes one small run of slots (``PROBE`` × 32 bytes) with ``pread``/``pwrite``:
its cost does not grow with the number of addresses seen, and nothing is renamed (on ext4 a
rename over a file flushes it, which made the earlier JSON file cost more than the submission).

Limits are generous on purpose: care homes, surgeries and council offices send from one
address, and a tight limit would shut out everyone behind it. Defaults, overridable in settings
under ``rate_limits``::

    rate_limits:
      send: {limit: 20, seconds: 600}    # submissions sent, per address
      post: {limit: 300, seconds: 300}   # any public form page posted, per address

Failure mode: OPEN. If the counter file cannot be read or written (disk full, permissions),
the request is allowed and a warning (without the address) is logged. Refusing would turn a
storage hiccup into lost complaints from vulnerable people, the one failure this service
exists to avoid; the honeypot quarantine and staff triage still catch floods. The same holds
when every slot near an address is taken by other live windows (thousands of addresses inside
one window): the window that ends soonest gives way.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import logging
import math
import os
import struct
import time
from dataclasses import dataclass
from pathlib import Path

from forms_app.accounts.throttle import address_key

log = logging.getLogger(__name__)

SLOTS_NAME = ".ratelimit.slots"
LOCK_NAME = ".ratelimit.lock"
DEFAULT_RULES = {
    "send": {"limit": 20, "seconds": 600},
    "post": {"limit": 300, "seconds": 300},
}
# One slot: the keyed hash of rule and address, when its window began, the count, the window.
SLOT = struct.Struct("<16sdII")
SLOTS = 16_384  # 512 KiB, sparse until used
PROBE = 16
_LONGEST_WINDOW = 7 * 24 * 3600


@dataclass(frozen=True)
class Rule:
    name: str
    limit: int
    seconds: int


def rules_from(raw: dict | None) -> dict[str, Rule]:
    configured = (raw or {}).get("rate_limits") or {}
    rules = {}
    for name, default in DEFAULT_RULES.items():
        spec = {**default, **(configured.get(name) or {})}
        rules[name] = Rule(name, int(spec["limit"]), int(spec["seconds"]))
    return rules


class RateLimiter:
    """Counts in the data directory's slots file, or in ``counters`` when given (a shared
    database's ``PostgresCounters``, so the limit holds across app servers)."""

    def __init__(
        self, data_dir: Path, secret: str | bytes, rules: dict[str, Rule], *, counters=None
    ):
        self.data_dir = Path(data_dir)
        self.counters = counters
        self.secret = secret.encode() if isinstance(secret, str) else bytes(secret)
        self.rules = rules
        self._made = False
        # Names as strings and the keyed hash with its key already taken in: made once, not
        # on every request.
        self._lock_path = str(self.data_dir / LOCK_NAME)
        self._slots_path = str(self.data_dir / SLOTS_NAME)
        self._mac = hmac.new(self.secret, digestmod=hashlib.sha256)

    def _key(self, rule: Rule, address: str) -> bytes:
        mac = self._mac.copy()
        mac.update(f"{rule.name}\0{address_key(address)}".encode("utf-8", "replace"))
        return mac.digest()[:16]

    def hit(self, rule_name: str, address: str, now: float | None = None) -> bool:
        """Count one request; True if it is within the limit (allowed), False if over it."""
        rule = self.rules[rule_name]
        if rule.limit <= 0:
            return True
        now = time.time() if now is None else now
        if self.counters is not None:
            return self.counters.hit(self._key(rule, address), rule.limit, rule.seconds, now)
        try:
            return self._hit(rule, self._key(rule, address), now)
        except OSError as exc:
            log.warning("rate limit: counter unavailable (%s): allowing", exc.strerror or exc)
            return True

    def _hit(self, rule: Rule, key: bytes, now: float) -> bool:
        if not self._made:
            self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._made = True
        lock_fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX)
            fd = os.open(self._slots_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                first = int.from_bytes(key[:4], "little") % (SLOTS - PROBE + 1)
                run = os.pread(fd, PROBE * SLOT.size, first * SLOT.size)
                index, (start, count) = _choose(run, key, now)
                if start is None:
                    start, count = now, 0
                allowed = count < rule.limit
                slot = SLOT.pack(key, start, count + allowed, rule.seconds)
                # Counters need no fsync: losing them to power loss only resets the windows.
                os.pwrite(fd, slot, (first + index) * SLOT.size)
                return allowed
            finally:
                os.close(fd)
        finally:
            os.close(lock_fd)


def _choose(run: bytes, key: bytes, now: float) -> tuple[int, tuple[float | None, int]]:
    """Which slot of the run holds this key's live window (and its start and count), else the
    first free one, else the one whose window ends soonest."""
    free = None
    soonest, soonest_end = 0, math.inf
    whole = len(run) // SLOT.size
    for index, (slot_key, start, count, seconds) in enumerate(
        SLOT.iter_unpack(run[: whole * SLOT.size])
    ):
        if not _live(start, seconds, now):
            free = index if free is None else free
            continue
        if slot_key == key:
            return index, (start, count)
        if start + seconds < soonest_end:
            soonest, soonest_end = index, start + seconds
    if whole < PROBE and free is None:
        free = whole  # past the end of a new, short file: free
    return (soonest if free is None else free), (None, 0)


def _live(start: float, seconds: int, now: float) -> bool:
    """A window still running. A slot torn by a crash can hold any bytes: one that claims to
    start in the future or last longer than a week is treated as empty, so no address can be
    shut out for good."""
    return (
        math.isfinite(start)
        and 0 < seconds <= _LONGEST_WINDOW
        and start <= now + 60
        and start + seconds > now
    )


def open_limiter(secret: str | bytes, rules: dict[str, Rule]) -> RateLimiter:
    """A limiter for this installation: counting in the data directory, or in the shared
    database when the settings name one (``store_url``)."""
    from forms_app.web.parts import parts

    url = parts().shared_url
    counters = None
    if url:
        from forms_app.storage.postgres.limits import PostgresCounters

        counters = PostgresCounters(url)
    return RateLimiter(parts().settings.data_dir, secret, rules, counters=counters)


def limiter() -> RateLimiter:
    from flask import current_app

    from forms_app.web.parts import parts

    cached = current_app.extensions.get("forms_ratelimit")
    if cached is None:
        settings = parts().settings
        cached = open_limiter(current_app.config["SECRET_KEY"], rules_from(settings.raw))
        current_app.extensions["forms_ratelimit"] = cached
    return cached


def client_address() -> str:
    from flask import request

    return request.remote_addr or "unknown"


def allowed(rule_name: str) -> bool:
    return limiter().hit(rule_name, client_address())
