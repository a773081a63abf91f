"""How often staff sign-in may be tried: per address, overall, and which places are trusted.

Three guards stand in front of a password guess; each answers before the password is checked:

1. **Per address**: at most 10 failed attempts (wrong password, unknown or locked account,
   wrong one-time code) in 15 minutes from one address; then every attempt from it gets 429
   with ``Retry-After`` until the window ends. An IPv6 address counts by its /64 prefix (one
   home or office network gets a /64, and can use any address in it); an IPv4 address whole.
2. **Overall**: at most 100 failed attempts in 15 minutes from everywhere together, so many
   addresses guessing slowly (a botnet) are held back too.
3. **Per account** (in ``users.py``): after 5 failed attempts the account backs off for 15
   minutes, then starts afresh; an administrator can end the back-off early
   (``feedback users unlock``).

Counted atomically. An attempt is counted **before** its password is checked, under an
exclusive ``flock`` (opened per call, so every worker process and thread is excluded), and
forgiven afterwards if the password was right. A burst of parallel guesses therefore takes the
slots one by one: once the limit's slots are taken, the next guess is refused without being
checked, even while the earlier ones are still being checked, and a right guess among the late
ones does not get through.

Why a back-off, not a permanent lock, and why trusted places: anyone who knows a username could
otherwise lock its owner out for good (the OWASP Authentication Cheat Sheet, "Account
Lockout"). The back-off ends on its own, and an address (IPv6: its /64) where this person
completed sign-in (password and code) in the last 30 days is **trusted for them**: the account's
back-off and the overall ceiling do not refuse it (the OWASP "device cookie" idea, with the
network in place of a cookie, so no extra cookie can be stolen or forged). The per-address limit
still holds for a trusted place, so someone sharing that network gets at most 10 guesses in 15
minutes, and the one-time code is still needed after the password.

What is kept, in ``<data_dir>/sign_in_throttle.json`` (mode 0600): per address a window start
and a count, the overall window, and trusted places; addresses and usernames only as a keyed
hash (a random key kept in the same file), never in the clear. Counters are not fsynced:
losing them to a power cut only restarts the windows.

With a shared database (``store_url``), the same state is one document there instead (the
``document`` a ``SignInThrottle`` is given, from ``storage.postgres.accounts``), changed under
its row lock, so the limits hold across every app server rather than per server.

Limits can be changed in the settings file::

    staff_sign_in:
      per_address: {limit: 10, seconds: 900}
      overall: {limit: 100, seconds: 900}
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import ipaddress
import json
import math
import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

STATE_NAME = "sign_in_throttle.json"
LOCK_NAME = "sign_in_throttle.lock"
TRUST_SECONDS = 30 * 24 * 3600
# The file is rewritten whole on each attempt: its size is bounded so that stays cheap. The
# windows that end soonest give way first (they would be forgotten soonest anyway).
MAX_ADDRESSES = 5_000
MAX_TRUSTED = 5_000


@dataclass(frozen=True)
class Limits:
    address_limit: int = 10
    address_seconds: int = 15 * 60
    overall_limit: int = 100
    overall_seconds: int = 15 * 60


def limits_from(raw: dict | None) -> Limits:
    """The limits from the settings file's ``staff_sign_in`` section, defaults for the rest."""
    section = (raw or {}).get("staff_sign_in") or {}
    address = section.get("per_address") or {}
    overall = section.get("overall") or {}
    default = Limits()
    return Limits(
        address_limit=int(address.get("limit", default.address_limit)),
        address_seconds=int(address.get("seconds", default.address_seconds)),
        overall_limit=int(overall.get("limit", default.overall_limit)),
        overall_seconds=int(overall.get("seconds", default.overall_seconds)),
    )


def address_key(address: str) -> str:
    """The part of an address that names one network: an IPv6 address's /64, an IPv4 address
    whole (also when written as IPv6, ``::ffff:198.51.100.7``)."""
    try:
        parsed = ipaddress.ip_address((address or "").strip().split("%")[0])
    except ValueError:
        return (address or "unknown").strip()[:100]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


class SignInThrottle:
    """The per-address and overall counters and the trusted places of one data directory."""

    def __init__(self, data_dir: Path, limits: Limits, *, document=None):
        self.data_dir = Path(data_dir)
        self.limits = limits
        self.path = self.data_dir / STATE_NAME
        #: The shared database's document holding the state, or None for the file.
        self.document = document

    # -- the three questions the sign-in pages ask --------------------------------------------

    def admit(self, address: str, *, trusted: bool = False, now: float | None = None) -> int:
        """Count one attempt from ``address`` and return 0, or refuse it and return the seconds
        to wait. A refused attempt is counted too (it keeps the window full, no longer)."""
        now = time.time() if now is None else now
        limits = self.limits
        with self._state(now) as state:
            key = self._hash(state, "address", address_key(address))
            start, count = _window(state["addresses"].get(key), limits.address_seconds, now)
            overall_start, overall = _window(state["overall"], limits.overall_seconds, now)
            wait = 0.0
            if count >= limits.address_limit:
                wait = start + limits.address_seconds - now
            elif overall >= limits.overall_limit and not trusted:
                wait = overall_start + limits.overall_seconds - now
            state["addresses"][key] = [start, count + 1]
            state["overall"] = [overall_start, overall + 1]
        return max(1, math.ceil(wait)) if wait > 0 else 0

    def forgive(self, address: str, now: float | None = None) -> None:
        """Take back the count of an attempt that turned out right."""
        now = time.time() if now is None else now
        with self._state(now) as state:
            key = self._hash(state, "address", address_key(address))
            entry = state["addresses"].get(key)
            if entry and _live(entry, self.limits.address_seconds, now) and entry[1] > 0:
                entry[1] -= 1
            if _live(state["overall"], self.limits.overall_seconds, now):
                state["overall"][1] = max(0, state["overall"][1] - 1)

    def trust(self, username: str, address: str, now: float | None = None) -> None:
        """Remember that ``username`` completed sign-in from this address's network."""
        now = time.time() if now is None else now
        with self._state(now) as state:
            state["trusted"][self._pair(state, username, address)] = now

    def trusted(self, username: str, address: str, now: float | None = None) -> bool:
        """True if ``username`` completed sign-in from this network in the last 30 days."""
        if not username:
            return False
        now = time.time() if now is None else now
        try:
            state = self._read()
        except OSError:
            return False
        seen = state["trusted"].get(self._pair(state, username, address))
        return seen is not None and now - seen < TRUST_SECONDS

    def count(self, address: str, now: float | None = None) -> int:
        """The failed attempts counted against this address in its current window."""
        now = time.time() if now is None else now
        state = self._read()
        key = self._hash(state, "address", address_key(address))
        return _window(state["addresses"].get(key), self.limits.address_seconds, now)[1]

    # -- the file -------------------------------------------------------------------------------

    @staticmethod
    def _hash(state: dict, kind: str, value: str) -> str:
        key = bytes.fromhex(state["key"])
        text = f"{kind}\0{value}".encode("utf-8", "replace")
        return hashlib.blake2b(text, key=key, digest_size=16).hexdigest()

    def _pair(self, state: dict, username: str, address: str) -> str:
        return self._hash(state, "trusted", f"{username.strip().lower()}\0{address_key(address)}")

    def _read(self) -> dict:
        if self.document is not None:
            found = self.document.read()
            return _complete(dict(found[1]) if found else {})
        try:
            state = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            state = {}
        except ValueError:
            state = {}  # torn by a crash: start the windows again
        return _complete(state)

    @contextlib.contextmanager
    def _state(self, now: float) -> Iterator[dict]:
        """Hold the lock, hand out the state, write it back (pruned) when the block ends."""
        if self.document is not None:
            with self.document.editing(durable=False) as data:
                state = _complete(dict(data))
                yield state
                data.clear()
                data.update(_pruned(state, self.limits, now))
            return
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.data_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            state = self._read()
            yield state
            self._write(_pruned(state, self.limits, now))
        finally:
            os.close(fd)  # closing releases the flock

    def _write(self, state: dict) -> None:
        temporary = self.path.with_suffix(f".{secrets.token_hex(4)}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(state, handle, separators=(",", ":"))
        os.replace(temporary, self.path)


def _complete(state: dict) -> dict:
    """The state with every part it must have (a new one, or one torn by a crash, starts
    afresh)."""
    state.setdefault("key", secrets.token_hex(32))
    state.setdefault("addresses", {})
    state.setdefault("overall", [0.0, 0])
    state.setdefault("trusted", {})
    return state


def _live(entry, seconds: int, now: float) -> bool:
    """A window still running (one that claims to start in the future is a torn write)."""
    return bool(entry) and entry[0] <= now + 60 and entry[0] + seconds > now


def _window(entry, seconds: int, now: float) -> tuple[float, int]:
    """(start, count) of the running window, or a new one starting now."""
    if _live(entry, seconds, now):
        return float(entry[0]), int(entry[1])
    return now, 0


def _pruned(state: dict, limits: Limits, now: float) -> dict:
    addresses = {
        key: entry
        for key, entry in state["addresses"].items()
        if _live(entry, limits.address_seconds, now)
    }
    if len(addresses) > MAX_ADDRESSES:
        keep = sorted(addresses.items(), key=lambda item: item[1][0])[-MAX_ADDRESSES:]
        addresses = dict(keep)
    trusted = {key: seen for key, seen in state["trusted"].items() if now - seen < TRUST_SECONDS}
    if len(trusted) > MAX_TRUSTED:
        trusted = dict(sorted(trusted.items(), key=lambda item: item[1])[-MAX_TRUSTED:])
    return {**state, "addresses": addresses, "trusted": trusted}
