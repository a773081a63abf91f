"""Flask configuration: the environment, the secret key, cookie rules and request size limits.

The environment is production unless ``FORMS_APP_ENV`` names another one: ``development``,
``demo`` (what ``make run`` sets) or ``testing`` (what the test suite sets), all three plain HTTP
on localhost. Any other value refuses to start, so a typo never turns the guard off.

Production: the app refuses to start when the secret key is a known default or shorter than 32
characters, or when debug is on; cookies are then always ``Secure`` and named with the
``__Host-`` prefix (set FORMS_APP_SECURE_COOKIES=1 to get the same outside production, e.g. on
a TLS staging server).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

from flask import Flask

from forms_app.organisation.settings import Settings
from forms_app.storage.drafts import DRAFT_IDLE_SECONDS

MIN_SECRET_LENGTH = 32
# Values copied from tutorials and examples: never acceptable in production.
KNOWN_DEFAULT_SECRETS = frozenset(
    {
        "dev",
        "development",
        "secret",
        "secret-key",
        "secret_key",
        "changeme",
        "change-me",
        "change_me",
        "please-change-me",
        "default",
        "test",
        "testing",
        "insecure",
        "not-a-secret",
    }
)


class UnsafeConfiguration(RuntimeError):
    """The configuration is not safe for production: the app must not start."""


ENVIRONMENTS = ("production", "development", "demo", "testing")


def environment(environ=os.environ) -> str:
    """The environment named by FORMS_APP_ENV: production when it is unset or empty."""
    name = environ.get("FORMS_APP_ENV", "").strip().lower()
    if not name:
        return "production"
    if name not in ENVIRONMENTS:
        raise UnsafeConfiguration(
            f"refusing to start: FORMS_APP_ENV is {name!r}; leave it unset for production, or "
            "set it to production, development, demo or testing"
        )
    return name


def is_production() -> bool:
    return environment() == "production"


def configure(app: Flask, settings: Settings, overrides: dict) -> None:
    environment()  # an unknown name stops here, before anything is served
    secure = os.environ.get("FORMS_APP_SECURE_COOKIES") == "1" or is_production()
    app.config.update(
        SECRET_KEY=os.environ.get("FORMS_APP_SECRET_KEY") or _secret_key(settings.data_dir),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Behind TLS in production (README): set FORMS_APP_SECURE_COOKIES=1.
        SESSION_COOKIE_SECURE=secure,
        # __Host-: only over TLS, only for this host, path / (no Domain can be set on it).
        SESSION_COOKIE_NAME="__Host-session" if secure else "session",
        SESSION_COOKIE_PATH="/",
        SESSION_COOKIE_DOMAIN=None,
        # The public session cookie and the draft it names end together.
        PERMANENT_SESSION_LIFETIME=timedelta(seconds=DRAFT_IDLE_SECONDS),
        # The cookie is sent again only when the draft is saved (JourneyState.save marks it),
        # so it lasts as long as the draft does, counted from the same moment; re-signing it
        # on every page view cost a third of a confirmation page.
        SESSION_REFRESH_EACH_REQUEST=False,
        # A long complaint is about 10,000 characters; Welsh and emoji take up to 4 bytes each.
        MAX_FORM_MEMORY_SIZE=200_000,
        MAX_CONTENT_LENGTH=1_000_000,
        MAX_FORM_PARTS=1_000,
    )
    app.config.update(overrides)
    # Only the routes that take files may receive a larger request (web.uploads).
    from .uploads import allow_uploads

    allow_uploads(app)
    if is_production():
        check_production(app)


def check_production(app: Flask) -> None:
    """Refuse to run in production with a guessable secret or with debug on."""
    key = app.config.get("SECRET_KEY") or ""
    key_text = key.decode("utf-8", "replace") if isinstance(key, bytes) else str(key)
    problems = []
    if key_text.strip().lower() in KNOWN_DEFAULT_SECRETS:
        problems.append("the secret key is a well-known default")
    if len(key_text) < MIN_SECRET_LENGTH:
        problems.append(f"the secret key is shorter than {MIN_SECRET_LENGTH} characters")
    flask_debug = os.environ.get("FLASK_DEBUG", "").strip().lower() in ("1", "true", "yes", "on")
    if app.debug or app.config.get("DEBUG") or flask_debug:
        problems.append("debug is on")
    if app.config.get("TESTING"):
        problems.append("TESTING is on")
    if problems:
        raise UnsafeConfiguration(
            "refusing to start in production: " + "; ".join(problems) + " (see SECURITY.md)"
        )


def _secret_key(data_dir: Path) -> str:
    """A key made once per installation and kept beside the data (mode 0600), so sessions
    survive restarts and every worker agrees, with nothing to configure."""
    path = data_dir / ".secret_key"
    if path.exists():
        return path.read_text("ascii").strip()
    # Written whole to a file of its own, then linked into place in one step: a worker starting
    # at the same moment finds either no key (and makes its own, of which only the first linked
    # is kept) or the whole key, never an empty file it would keep as its key until restarted.
    fd, temporary = tempfile.mkstemp(dir=data_dir, prefix=".secret_key.")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        os.unlink(temporary)
    return path.read_text("ascii").strip()
