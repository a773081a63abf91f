"""The second factor: time-based one-time codes (RFC 6238, 30 seconds, 6 digits) with pyotp.

A code is accepted one step either side of now (clock drift), and never twice: the step it
matched is remembered on the account and codes from that step or earlier are refused.
"""

from __future__ import annotations

import time

import pyotp

STEP_SECONDS = 30


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str, issuer: str) -> str:
    """The otpauth:// link an authenticator app reads (as a QR code or typed in)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def matching_step(secret: str, code: str, last_step: int, now: float | None = None) -> int | None:
    """The time step ``code`` belongs to, if it is valid now and newer than ``last_step``."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6) or not secret:
        return None
    totp = pyotp.TOTP(secret)
    now = time.time() if now is None else now
    current = int(now // STEP_SECONDS)
    for step in (current - 1, current, current + 1):
        if step > last_step and totp.at(step * STEP_SECONDS) == code:
            return step
    return None
