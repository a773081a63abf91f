"""What the health checks and the metrics page are told: the ``monitoring:`` section of the
settings file, each key overridden by an environment variable (the container and the systemd
units set those). Every key is optional::

    monitoring:
      min_free_mb: 200               # FORMS_APP_READY_MIN_FREE_MB: less free disk is not ready
      lock_seconds: 2                # FORMS_APP_READY_LOCK_SECONDS: longest wait for the lock
      outbox_stuck_seconds: 3600     # FORMS_APP_READY_OUTBOX_SECONDS (default: the sheet's
                                     #   stale_after_seconds): an older unsent row is not ready
      metrics_allow: [10.0.0.5/32]   # FORMS_APP_METRICS_ALLOW (comma separated): addresses
                                     #   that may read /metrics directly, besides loopback

The bearer token for ``/metrics`` comes only from the environment (FORMS_APP_METRICS_TOKEN), so
that it is never in a file kept with the settings. A mistake stops the app at start, saying
which key is wrong, rather than guessing.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass

from forms_app.organisation.settings import Settings, SettingsError

DEFAULT_MIN_FREE_MB = 200
DEFAULT_LOCK_SECONDS = 2.0
#: A token shorter than this could be guessed by trying.
MIN_TOKEN_LENGTH = 24

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Monitoring:
    min_free_bytes: int = DEFAULT_MIN_FREE_MB * 1024 * 1024
    lock_seconds: float = DEFAULT_LOCK_SECONDS
    #: None: the sheet's own ``stale_after_seconds`` (the age at which the worker alerts).
    outbox_stuck_seconds: float | None = None
    metrics_token: str = ""
    metrics_allow: tuple[Network, ...] = ()


def monitoring_settings(settings: Settings) -> Monitoring:
    """The section and the environment, checked; SettingsError names the key that is wrong."""
    raw = settings.raw.get("monitoring") or {}
    where = f"{settings.source}: monitoring"
    if not isinstance(raw, dict):
        raise SettingsError(f"{where} must be a mapping")

    def number(key: str, env: str, default, low: float, high: float) -> float | None:
        value = os.environ.get(env) or raw.get(key)
        if value in (None, ""):
            return default
        try:
            found = float(value)
        except (TypeError, ValueError):
            raise SettingsError(f"{where}.{key} ({env}) must be a number") from None
        if not low <= found <= high:
            raise SettingsError(f"{where}.{key} ({env}) must be between {low} and {high}")
        return found

    min_free_mb = number("min_free_mb", "FORMS_APP_READY_MIN_FREE_MB", DEFAULT_MIN_FREE_MB, 0, 1e7)
    lock_seconds = number("lock_seconds", "FORMS_APP_READY_LOCK_SECONDS", 2.0, 0.01, 60)
    stuck = number("outbox_stuck_seconds", "FORMS_APP_READY_OUTBOX_SECONDS", None, 60, 30 * 86400)
    token = os.environ.get("FORMS_APP_METRICS_TOKEN", "").strip()
    if token and len(token) < MIN_TOKEN_LENGTH:
        raise SettingsError(
            f"FORMS_APP_METRICS_TOKEN must be at least {MIN_TOKEN_LENGTH} characters"
        )
    allow = os.environ.get("FORMS_APP_METRICS_ALLOW")
    listed = allow.split(",") if allow is not None else raw.get("metrics_allow") or []
    if not isinstance(listed, list):
        raise SettingsError(f"{where}.metrics_allow must be a list of addresses")
    networks = []
    for item in listed:
        text = str(item).strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise SettingsError(f"{where}.metrics_allow: {text!r} is not an address") from None
    return Monitoring(
        min_free_bytes=int(min_free_mb * 1024 * 1024),
        lock_seconds=lock_seconds,
        outbox_stuck_seconds=stuck,
        metrics_token=token,
        metrics_allow=tuple(networks),
    )
