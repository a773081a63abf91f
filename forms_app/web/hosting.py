"""Several organisations on one deployment: one app per organisation, chosen by host name.

A hosting file (YAML; its path in ``FORMS_APP_ORGANISATIONS``) lists the organisations::

    organisations:
      - code: northmoor
        settings: northmoor/settings.yaml   # relative to the hosting file, or absolute
        hosts: [www.feedback.northmoor.example.org]   # optional: more public host names
        stylesheet: northmoor/app.css       # optional: its brand colour (build-assets)

Each organisation's settings file is an ordinary one, as a single installation uses: its own
``data_dir``, its own ``store_url`` (a database of its own) if any, its branding and words, its
public host (the host of ``form_url``) and its staff host (``staff_host``). ``create_hosting``
builds one app per organisation with ``create_app(settings)`` and answers each request with
the app whose host names include the request's ``Host`` (lower-cased, port and trailing dot
taken off; behind nginx it is the host the person typed, ``proxy_set_header Host $http_host``).
A request for any other host gets a plain ``421 Misdirected Request`` that names nobody, except
``/healthz`` and ``/readyz``: asked by address alone (a load balancer's check), they answer for
the whole deployment, 200 only when every organisation's own check does. The
stylesheet (the brand colour compiled in) is one per deployment unless an organisation's entry
names its own, made by ``feedback build-assets --stylesheet FILE`` with its settings.

Refused at start-up, with a message saying which organisations and what: a host name claimed
by two organisations; two organisations sharing a data directory (or one inside another's) or
a database; and the environment variables that would override every organisation's settings at
once (``FORMS_APP_SETTINGS``, ``FORMS_APP_DATA_DIR``, ``FORMS_APP_STORE_URL``,
``FORMS_APP_SECRET_KEY``, ``FORMS_APP_STAFF_HOST``). Each organisation then has its own
session signing key (made in its own data directory), so a cookie of one is nobody on another.

Gunicorn loads ``forms_app.web.hosting:app`` (made on first use from the environment).

What one process shares between the organisations' apps, checked for anything that could mix
them (everything below is keyed by the app, its data directory or its database URL, which is
why those must differ):

- ``casework.messaging`` (the messenger of each data directory), ``accounts.users`` (where a
  data directory's accounts live), ``storage.shared_database`` (a data directory's database),
  ``staff.context`` (one accounts reader per data directory), ``storage.postgres.shared``
  (connections per database URL), ``storage.prefixes`` (recent digests, keyed by the file's
  device and inode): keyed by data directory or URL.
- Rate limits (``public.ratelimit``, the tracking page's), the staff sign-in throttle, the case
  and search indexes, page fragments, the virus scanner, the upload page hooks: kept in each
  app's own ``extensions``; the limiters count in each data directory (or database) with each
  organisation's own key.
- Session signing keys: each app's own (``web.config`` makes one per data directory, written
  whole before it is linked into place, so workers starting together on a new organisation
  agree on it).
- Long work for the staff pages (``web.background``): the child process is handed the
  organisation's own settings file and data directory.
- Process-wide but organisation-free: caches of package data (procedure profiles, working-day
  tables, message and page words, questionnaires; compressed static files are keyed by their
  path, ETag and bytes, so two organisations' stylesheets never stand in for each other) and
  the blueprints, which hold no organisation's values.
- Process-wide and shared on purpose, for the people running the deployment: the JSON log
  stream (one per process, as for one organisation) and the request counters behind
  ``/metrics`` (route, method and status class; the data figures on each organisation's
  ``/metrics`` are its own). Each app has its organisation's code in its configuration
  (``ORGANISATION_CODE``), so every log line written while it serves a request names the
  organisation (``"organisation": "northmoor"``) and the request counters carry it as their
  ``organisation`` label. A request for an unknown host is answered here, by no organisation's
  app, and logs nothing. Every organisation's ``/metrics`` still shows all the organisations'
  counters (told apart by that label), so an organisation's settings may not name
  ``monitoring.metrics_allow``: only the deployment's operators read ``/metrics``. Give the
  deployment its own ``PROMETHEUS_MULTIPROC_DIR``, or the counters' files are kept in the first
  organisation's data directory.

Behind nginx: ``deploy/nginx/organisations.conf.template`` (the shared parts, and the refusal of
any other host name) and ``deploy/nginx/organisation.conf.template`` (one organisation's
``server``, filled in once per organisation).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from flask import Flask, send_file

from forms_app.organisation.settings import Settings, SettingsError, load_settings
from forms_app.storage.engines import store_url

from .config import UnsafeConfiguration
from .hosts import staff_host

ENVIRONMENT_NAME = "FORMS_APP_ORGANISATIONS"
#: The app configuration key naming its organisation's code (read by the log lines and the
#: request counters, which cannot import this package: it is beside theirs).
ORGANISATION_CODE = "ORGANISATION_CODE"
#: Variables that would give every organisation the same settings file, data, database, key or
#: staff host: each organisation names its own in its settings file instead.
SHARED_OVERRIDES = (
    "FORMS_APP_SETTINGS",
    "FORMS_APP_DATA_DIR",
    "FORMS_APP_STORE_URL",
    "FORMS_APP_SECRET_KEY",
    "FORMS_APP_STAFF_HOST",
)
_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?)*$")
#: Health checks a load balancer may ask by address alone, answered for the whole deployment.
HEALTH_PATHS = ("/healthz", "/readyz")
MISDIRECTED = b"421 Misdirected Request: this service does not answer for this address.\n"


class HostingError(UnsafeConfiguration):
    """The hosting file cannot work, or would mix organisations: nothing starts."""


@dataclass(frozen=True)
class Organisation:
    """One organisation of the hosting file, with what its settings say about it."""

    code: str
    settings: Settings
    #: Host names (no port) its requests arrive on: public, staff, and any extra ones.
    hosts: tuple[str, ...] = ()
    #: Its database URL ("" when its data is in files).
    database: str = ""
    #: Its own compiled stylesheet, served as ``/static/app.css`` on its hosts (None: the
    #: deployment's, from ``feedback build-assets``).
    stylesheet: Path | None = None

    @property
    def data_dir(self) -> Path:
        return Path(self.settings.data_dir).resolve()


@dataclass
class Hosting:
    """The WSGI app of the deployment: each request goes to its host's organisation."""

    organisations: tuple[Organisation, ...]
    apps: dict[str, Flask] = field(default_factory=dict)

    def __post_init__(self):
        self._by_host = {
            host: self.apps[organisation.code]
            for organisation in self.organisations
            for host in organisation.hosts
        }

    def app_for(self, host_header: str) -> Flask | None:
        """The app answering for a ``Host`` value, or None."""
        return self._by_host.get(host_name(host_header))

    def __call__(self, environ, start_response):
        app = self.app_for(environ.get("HTTP_HOST", ""))
        if app is None:
            if environ.get("PATH_INFO") in HEALTH_PATHS:
                return self.health(environ, start_response)
            return misdirected(environ, start_response)
        return app(environ, start_response)

    def health(self, environ, start_response) -> list[bytes]:
        """``/healthz`` or ``/readyz`` asked by address alone (a load balancer's check): the
        deployment's answer, 200 only if every organisation's own check answers 200. Names no
        organisation, as the check may come from anyone who can reach the address."""
        statuses = []
        for organisation in self.organisations:
            host = organisation.hosts[0]
            # Asked as from the same address, so each app's own rules about who may ask hold.
            answer = (
                self.apps[organisation.code]
                .test_client()
                .get(
                    environ["PATH_INFO"],
                    headers={"Host": host},
                    environ_base={
                        "REMOTE_ADDR": environ.get("REMOTE_ADDR", ""),
                        "wsgi.url_scheme": environ.get("wsgi.url_scheme", "http"),
                    },
                )
            )
            statuses.append(answer.status_code)
        ready = all(status == 200 for status in statuses)
        body = b"ok\n" if ready else b"not ready: an organisation's check failed\n"
        start_response(
            "200 OK" if ready else "503 Service Unavailable",
            [
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "no-store"),
                ("X-Content-Type-Options", "nosniff"),
            ],
        )
        return [body]


def misdirected(_environ, start_response) -> list[bytes]:
    """The plain answer for a host that is none of the organisations' (RFC 9110, 15.5.20)."""
    start_response(
        "421 Misdirected Request",
        [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(MISDIRECTED))),
            ("Cache-Control", "no-store"),
            ("X-Content-Type-Options", "nosniff"),
        ],
    )
    return [MISDIRECTED]


def host_name(value: str) -> str:
    """A ``Host`` value as a host name: lower case, without its port or a trailing dot."""
    host = (value or "").strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    if ":" in host:
        host = host.rsplit(":", 1)[0]
    return host.rstrip(".")


def hosting_path() -> Path:
    """The hosting file named by ``FORMS_APP_ORGANISATIONS``."""
    value = os.environ.get(ENVIRONMENT_NAME, "").strip()
    if not value:
        raise HostingError(
            f"refusing to start: set {ENVIRONMENT_NAME} to the hosting file that lists the "
            "organisations (see config/organisations.example.yaml)"
        )
    return Path(value)


def read_hosting(path: Path | str, environ=os.environ) -> tuple[Organisation, ...]:
    """The organisations of a hosting file, checked: raises HostingError saying what is wrong."""
    set_now = [name for name in SHARED_OVERRIDES if environ.get(name)]
    if set_now:
        raise HostingError(
            "refusing to start several organisations: "
            + ", ".join(set_now)
            + " would apply to every organisation at once; unset it and name each "
            "organisation's own in its settings file"
        )
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as error:
        raise HostingError(f"cannot read hosting file {path}: {error.strerror}") from error
    except yaml.YAMLError as error:
        raise HostingError(f"{path} is not valid YAML: {error}") from error
    entries = raw.get("organisations") if isinstance(raw, dict) else None
    if not isinstance(entries, list) or not entries:
        raise HostingError(f"{path}: list the organisations under 'organisations'")
    organisations = tuple(_organisation(path, entry) for entry in entries)
    check_apart(path, organisations)
    return organisations


def _organisation(path: Path, entry: object) -> Organisation:
    if not isinstance(entry, dict) or not entry.get("code") or not entry.get("settings"):
        raise HostingError(f"{path}: each organisation needs a 'code' and a 'settings' file")
    code = str(entry["code"])
    if not _CODE.match(code):
        raise HostingError(f"{path}: organisation code {code!r} must be like northmoor-trust")
    settings_file = Path(str(entry["settings"]))
    if not settings_file.is_absolute():
        settings_file = path.parent / settings_file
    try:
        settings = load_settings(settings_file.resolve())
    except SettingsError as error:
        raise HostingError(f"{path}: organisation {code}: {error}") from error
    public = urlsplit(settings.form_url).hostname or ""
    if not public:
        raise HostingError(
            f"{path}: organisation {code}: form_url {settings.form_url!r} names no host; "
            "its host name is how requests find the organisation"
        )
    hosts = [public, host_name(staff_host(settings))]
    extra = entry.get("hosts") or []
    if not isinstance(extra, list):
        raise HostingError(f"{path}: organisation {code}: 'hosts' must be a list of host names")
    hosts += [str(host).strip().lower().rstrip(".") for host in extra]
    for host in hosts:
        if host and not _HOST.match(host):
            raise HostingError(
                f"{path}: organisation {code}: {host!r} is not a host name like "
                "feedback.example.org (no scheme, no port, no path)"
            )
    monitoring = settings.raw.get("monitoring")
    if isinstance(monitoring, dict) and monitoring.get("metrics_allow"):
        # The request counters behind /metrics are the whole process's, every organisation's
        # traffic together: only the deployment's operators (FORMS_APP_METRICS_ALLOW or
        # FORMS_APP_METRICS_TOKEN) may read them, never one organisation's own addresses.
        raise HostingError(
            f"{path}: organisation {code}: monitoring.metrics_allow is not allowed when several "
            "organisations share the deployment (its /metrics counts every organisation's "
            "requests); set FORMS_APP_METRICS_ALLOW for the deployment instead"
        )
    database = store_url(settings.raw.get("store_url"))
    stylesheet = None
    if entry.get("stylesheet"):
        stylesheet = Path(str(entry["stylesheet"]))
        stylesheet = (
            stylesheet if stylesheet.is_absolute() else path.parent / stylesheet
        ).resolve()
        if not stylesheet.is_file():
            raise HostingError(
                f"{path}: organisation {code}: stylesheet {stylesheet} does not exist; make it "
                f"with FORMS_APP_SETTINGS={settings.source} feedback build-assets --stylesheet "
                f"{stylesheet}"
            )
    return Organisation(
        code, settings, tuple(dict.fromkeys(h for h in hosts if h)), database, stylesheet
    )


def check_apart(path: Path, organisations: Iterable[Organisation]) -> None:
    """Refuse two organisations with one code, host name, data directory or database."""
    seen_codes: set[str] = set()
    hosts: dict[str, str] = {}
    dirs: dict[Path, str] = {}
    databases: dict[tuple, str] = {}
    problems = []
    for organisation in organisations:
        code = organisation.code
        if code in seen_codes:
            problems.append(f"two organisations have the code {code}")
        seen_codes.add(code)
        for host in organisation.hosts:
            if host in hosts and hosts[host] != code:
                problems.append(f"host {host} is claimed by both {hosts[host]} and {code}")
            hosts.setdefault(host, code)
        for other_dir, other in dirs.items():
            if _overlap(organisation.data_dir, other_dir):
                problems.append(
                    f"{other} and {code} share a data directory ({other_dir} and "
                    f"{organisation.data_dir}): each needs its own, apart from the others"
                )
        dirs.setdefault(organisation.data_dir, code)
        if organisation.database:
            key = _database_key(organisation.database)
            if key in databases:
                problems.append(f"{databases[key]} and {code} share one database ({key[2]})")
            databases.setdefault(key, code)
    if problems:
        raise HostingError(f"refusing to start: {path}: " + "; ".join(problems))


def _overlap(one: Path, other: Path) -> bool:
    return one == other or one.is_relative_to(other) or other.is_relative_to(one)


def _database_key(url: str) -> tuple:
    """Which database a URL names (server, port, database), whoever connects to it."""
    parts = urlsplit(url)
    return ((parts.hostname or "localhost").lower(), parts.port or 5432, parts.path.strip("/"))


def create_hosting(
    path: Path | str | None = None, make_app: Callable[[str], Flask] | None = None
) -> Hosting:
    """The deployment's WSGI app: every organisation of the hosting file, each its own app."""
    organisations = read_hosting(path or hosting_path())
    if make_app is None:
        # The top of the package assembles an app; imported here, when the hosting is built,
        # because it imports this package first.
        from forms_app import create_app as make_app
    apps = {}
    for organisation in organisations:
        app = apps[organisation.code] = make_app(str(organisation.settings.source))
        # Named in every log line and request counter of this app (forms_app.observing.logs).
        app.config[ORGANISATION_CODE] = organisation.code
        if organisation.stylesheet is not None:
            own_stylesheet(app, organisation.stylesheet)
    return Hosting(organisations, apps)


def own_stylesheet(app: Flask, path: Path) -> None:
    """Serve ``path`` as the app's ``/static/app.css`` (its brand colour), every other static
    file as before."""
    shared = app.view_functions["static"]

    def static(filename: str):
        if filename == "app.css":
            return send_file(path, mimetype="text/css", max_age=app.get_send_file_max_age(filename))
        return shared(filename=filename)

    app.view_functions["static"] = static


def __getattr__(name: str):
    # ``forms_app.web.hosting:app`` for gunicorn: built on first use, not on import, so that
    # importing this module (the tests, the ``feedback`` command) needs no hosting file.
    if name == "app":
        built = globals()["app"] = create_hosting()
        return built
    raise AttributeError(name)
