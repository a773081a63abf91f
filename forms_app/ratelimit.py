"""Per-address rate limits that hold across gunicorn workers, without Redis.

Counters live in one small JSON file in the data directory (``.ratelimit.json``), read and
rewritten under an exclusive ``flock`` on ``.ratelimit.lock`` (opened per call, never before
fork, so every worker process and thread is excluded: the limit is L, not workers × L).
Addresses are kept only as a keyed hash (the app's secret), never in the clear.

Limits are generous on purpose: care homes, surgeries and council offices share one address
(plan gotcha 24). Defaults, overridable in settings under ``rate_limits``::

    rate_limits:
      send: {limit: 20, seconds: 600}    # submissions sent, per address
      post: {limit: 300, seconds: 300}   # any public form page posted, per address

Failure mode: OPEN. If the counter file cannot be read or written (disk full, permissions),
the request is allowed and a warning (without the address) is logged. Refusing would turn a
storage hiccup into lost complaints from vulnerable people, the one failure this service
exists to avoid; the honeypot quarantine and staff triage still catch floods.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

STATE_NAME = ".ratelimit.json"
LOCK_NAME = ".ratelimit.lock"
DEFAULT_RULES = {
    "send": {"limit": 20, "seconds": 600},
    "post": {"limit": 300, "seconds": 300},
}


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
    def __init__(self, data_dir: Path, secret: str | bytes, rules: dict[str, Rule]):
        self.data_dir = Path(data_dir)
        self.secret = secret.encode() if isinstance(secret, str) else bytes(secret)
        self.rules = rules

    def _key(self, rule: Rule, address: str) -> str:
        digest = hmac.new(self.secret, address.encode("utf-8", "replace"), hashlib.sha256)
        return f"{rule.name}:{digest.hexdigest()[:32]}"

    def hit(self, rule_name: str, address: str, now: float | None = None) -> bool:
        """Count one request; True if it is within the limit (allowed), False if over it."""
        rule = self.rules[rule_name]
        if rule.limit <= 0:
            return True
        now = time.time() if now is None else now
        try:
            return self._hit(rule, self._key(rule, address), now)
        except OSError as exc:
            log.warning("rate limit: counter unavailable (%s): allowing", exc.strerror or exc)
            return True

    def _hit(self, rule: Rule, key: str, now: float) -> bool:
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        lock_fd = os.open(self.data_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX)
            path = self.data_dir / STATE_NAME
            state = _read(path)
            # Drop every expired window, so the file stays small.
            state = {k: v for k, v in state.items() if v[0] + v[2] > now}
            start, count, seconds = state.get(key, (now, 0, rule.seconds))
            allowed = count < rule.limit
            if allowed:
                state[key] = (start, count + 1, seconds)
            else:
                state[key] = (start, count, seconds)
            _write(path, state)
            return allowed
        finally:
            os.close(lock_fd)


def _read(path: Path) -> dict[str, tuple[float, int, int]]:
    try:
        data = json.loads(path.read_text("utf-8"))
        return {str(k): (float(v[0]), int(v[1]), int(v[2])) for k, v in data.items()}
    except FileNotFoundError:
        return {}
    except (ValueError, TypeError, IndexError, AttributeError):
        # A damaged counter file (a crash mid-write) starts the windows afresh.
        return {}


def _write(path: Path, state: dict) -> None:
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        os.write(fd, json.dumps(state, separators=(",", ":")).encode())
    finally:
        os.close(fd)
    # Counters need no fsync: losing them to power loss only resets the windows.
    try:
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def limiter() -> RateLimiter:
    from flask import current_app

    from .parts import parts

    cached = current_app.extensions.get("forms_ratelimit")
    if cached is None:
        settings = parts().settings
        cached = RateLimiter(
            settings.data_dir, current_app.config["SECRET_KEY"], rules_from(settings.raw)
        )
        current_app.extensions["forms_ratelimit"] = cached
    return cached


def client_address() -> str:
    from flask import request

    return request.remote_addr or "unknown"


def allowed(rule_name: str) -> bool:
    return limiter().hit(rule_name, client_address())
