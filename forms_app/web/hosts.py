"""The staff pages on a host name of their own, so the proxy in front can let only the
organisation's own network reach them.

Set ``staff_host: staff.example.org`` in the settings file (or ``FORMS_APP_STAFF_HOST``, which
wins). Then, judged by the ``Host`` header the proxy passes on:

- ``/staff/...`` on any other host answers 404, the same page as any address that does not
  exist, so the public site does not even say there is a staff area;
- on the staff host only the staff pages and the static files (styles, scripts, fonts) are
  served: ``/`` goes to ``/staff/``, and every public page answers 404 (the public forms live on
  the public host alone, so a link copied from one host never half-works on the other);
- links and redirects in the staff pages are relative, so they stay on the staff host, and
  links to staff pages in emails start with ``staff_url`` (the staff host, with the scheme of
  ``form_url``); the session cookie has no ``Domain`` (``__Host-`` in production), so each
  host keeps its own.

A value with a port (``staff.example.org:8443``) must match the ``Host`` header exactly; one
without matches that host name on any port. Without the setting nothing changes.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

from flask import Flask, redirect, request

from forms_app.organisation.settings import Settings

from .config import UnsafeConfiguration
from .errors import not_found_page

ENVIRONMENT_NAME = "FORMS_APP_STAFF_HOST"
STAFF_PREFIX = "/staff"
_HOST = re.compile(
    r"^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?)*(:\d{1,5})?$"
)


def staff_host(settings: Settings) -> str:
    """The staff pages' own host name, or "" when they share the public one."""
    value = os.environ.get(ENVIRONMENT_NAME) or settings.raw.get("staff_host") or ""
    host = str(value).strip().lower().rstrip(".")
    if host and not _HOST.match(host):
        raise UnsafeConfiguration(
            f"refusing to start: staff_host {host!r} is not a host name like staff.example.org "
            "(no scheme, no path)"
        )
    public = (urlsplit(settings.form_url).hostname or "").lower()
    if host and _name(host) == public:
        raise UnsafeConfiguration(
            f"refusing to start: staff_host {host!r} is the public host of form_url; give the "
            "staff pages a host name of their own, or leave staff_host out"
        )
    return host


def staff_url(settings: Settings) -> str:
    """Where staff pages start, for links that leave the service (emails): the staff host with
    the scheme of ``form_url``, or ``form_url`` itself when there is no staff host."""
    host = staff_host(settings)
    if not host:
        return settings.form_url
    return f"{urlsplit(settings.form_url).scheme or 'https'}://{host}"


def is_staff_host(host_header: str, configured: str) -> bool:
    """Whether a request's ``Host`` is the staff host (with its port, if the setting has one)."""
    host = (host_header or "").strip().lower()
    if ":" in configured:
        return host.rstrip(".") == configured
    return _name(host) == configured


def _name(host: str) -> str:
    """The host name of a ``Host`` value, without its port (``[::1]:80`` gives ``[::1]``)."""
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0].rstrip(".") if ":" in host else host.rstrip(".")


def setup_staff_host(app: Flask, settings: Settings) -> None:
    """Serve the staff pages only on their own host when the settings name one. Registered
    before the form checks, so a post to the wrong host is a plain 404 too."""
    configured = staff_host(settings)
    if not configured:
        return

    @app.before_request
    def keep_staff_pages_on_their_host():
        path = request.path
        staff_page = path == STAFF_PREFIX or path.startswith(STAFF_PREFIX + "/")
        on_staff_host = is_staff_host(request.host, configured)
        if staff_page == on_staff_host:
            return None
        if on_staff_host:
            if path.startswith("/static/"):
                return None
            if path == "/":
                return redirect(STAFF_PREFIX + "/")
        return not_found_page()
