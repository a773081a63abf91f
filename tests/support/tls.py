"""The app as an organisation runs it: gunicorn behind Debian's nginx, which terminates TLS with
a certificate from a certificate authority made for the test, and passes the proxy headers
(``Host``, ``X-Forwarded-For``, ``X-Forwarded-Proto: https``) that the app trusts from exactly
one hop (``FORMS_APP_PROXY_COUNT=1``). nginx's configuration is the one production installs,
filled in from the templates in deploy/nginx/, so the tests prove the deployed file.

Everything (keys, certificates, nginx's configuration, pid file, logs and temporary folders)
lives in one temporary folder, and both servers listen on free loopback ports, so the nginx
that Debian's package may have started on port 80 does not matter and tests can run side by
side.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .served import PROJECT, Gunicorn, free_port

NGINX = os.environ.get("NGINX", "/usr/sbin/nginx")
HOST = "127.0.0.1"
DEPLOY = PROJECT / "deploy"
SITE = PROJECT / "build" / "site"


def nginx_path() -> str:
    """Debian's nginx, or a clear failure: the HTTPS tests are part of the suite, not optional."""
    found = NGINX if os.access(NGINX, os.X_OK) else shutil.which("nginx")
    if not found:
        raise RuntimeError(
            f"nginx is not installed ({NGINX} is missing): the HTTPS tests run the app behind "
            "Debian's nginx. Run `make test`, which installs it with apt-get."
        )
    return found


@dataclass
class Certificates:
    ca: Path
    certificate: Path
    key: Path

    def client_context(self) -> ssl.SSLContext:
        """What a person's browser does: trust only real certificates, here this CA's."""
        return ssl.create_default_context(cafile=str(self.ca))

    def spki_hash(self) -> str:
        """The server key's SubjectPublicKeyInfo SHA-256, base64: what Chromium's
        ``--ignore-certificate-errors-spki-list`` switch takes to trust this one key."""
        public = subprocess.run(
            ["openssl", "x509", "-in", str(self.certificate), "-pubkey", "-noout"],
            check=True,
            capture_output=True,
        ).stdout
        der = subprocess.run(
            ["openssl", "pkey", "-pubin", "-outform", "der"],
            input=public,
            check=True,
            capture_output=True,
        ).stdout
        return base64.b64encode(hashlib.sha256(der).digest()).decode("ascii")


def make_certificates(
    folder: Path, days: int = 2, names: tuple[str, ...] = (HOST,)
) -> Certificates:
    """A throwaway certificate authority and a server certificate it signed for ``names``
    (127.0.0.1 unless told), made by the same script as `make stack`'s
    (deploy/make-certificates.sh)."""
    subprocess.run(
        ["sh", str(DEPLOY / "make-certificates.sh"), str(folder), str(days), *names],
        check=True,
        capture_output=True,
    )
    return Certificates(folder / "ca.pem", folder / "server.pem", folder / "server.key")


PLACEHOLDER = re.compile(r"@[A-Z_]+@")


def render(template: Path, values: dict[str, str]) -> str:
    """A deploy/ template with every ``@NAME@`` filled in; a placeholder left without a value
    is an error, so a template and its callers cannot drift apart unnoticed."""
    text = template.read_text("ascii")
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    left = sorted(set(PLACEHOLDER.findall(text)))
    if left:
        raise ValueError(f"{template.name}: no value for {', '.join(left)}")
    return text


class TlsStack:
    """nginx with TLS on a free port in front of gunicorn on another; ``env`` goes to the app.
    ``url`` is the HTTPS address a browser would use for the form app, ``site_url`` the
    published site's (``site_root``, default build/site). nginx runs the deployed configuration
    (deploy/nginx/), so its logs are ``access_log`` (the form app's requests), ``site_access_log``
    and ``error_log``."""

    def __init__(self, folder: Path, env: dict[str, str] | None = None, site_root: Path = SITE):
        self.folder = folder
        self.certificates = make_certificates(folder / "tls")
        self.data_dir = folder / "app" / "data"
        self.app = Gunicorn(
            self.data_dir, workers=2, threads=4, env={"FORMS_APP_PROXY_COUNT": "1", **(env or {})}
        )
        self.port = free_port()
        self.site_port = free_port()
        self.site_root = site_root
        self.conf_dir = folder / "nginx"
        self.access_log = self.conf_dir / "access.log"
        self.site_access_log = self.conf_dir / "site-access.log"
        self.error_log = self.conf_dir / "error.log"
        self.nginx: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"https://{HOST}:{self.port}"

    @property
    def site_url(self) -> str:
        return f"https://{HOST}:{self.site_port}"

    def write_config(self, app_address: str) -> Path:
        """nginx's configuration, from the templates production installs, for ``app_address``
        (host:port of the app); returns the main file."""
        self.conf_dir.mkdir(mode=0o700, exist_ok=True)
        site = self.conf_dir / "feedback.conf"
        site.write_text(
            render(
                DEPLOY / "nginx" / "feedback.conf.template",
                {
                    "APP_LISTEN": f"{HOST}:{self.port}",
                    "SITE_LISTEN": f"{HOST}:{self.site_port}",
                    "SERVER_NAME": HOST,
                    "CERTIFICATE": str(self.certificates.certificate),
                    "CERTIFICATE_KEY": str(self.certificates.key),
                    "UPSTREAM": app_address,
                    "SITE_ROOT": str(self.site_root),
                    "LOG_DIR": str(self.conf_dir),
                },
            ),
            "ascii",
        )
        return write_standalone(self.conf_dir, site)

    def start(self, timeout: float = 30) -> None:
        nginx = nginx_path()
        self.data_dir.mkdir(parents=True, mode=0o700)
        self.app.start()
        self.start_nginx(f"{HOST}:{self.app.port}", nginx, timeout)

    def start_nginx(self, app_address: str, nginx: str | None = None, timeout: float = 30) -> None:
        """nginx alone, in front of an app already listening at ``app_address``."""
        conf = self.write_config(app_address)
        self.nginx = subprocess.Popen(
            # -e: even the errors before the configuration is read go to our folder, not to
            # /var/log/nginx.
            [nginx or nginx_path(), "-c", str(conf), "-p", str(self.conf_dir), "-e",
             str(self.error_log)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.nginx.poll() is not None:
                raise RuntimeError(
                    "nginx exited: "
                    + self.nginx.stderr.read().decode()[-2000:]
                    + (self.error_log.read_text()[-2000:] if self.error_log.exists() else "")
                )
            try:
                for port in (self.port, self.site_port):
                    with socket.create_connection((HOST, port), timeout=1):
                        pass
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("nginx did not start in time")

    def stop(self) -> None:
        if self.nginx and self.nginx.poll() is None:
            # SIGQUIT: nginx's graceful stop (master and worker end together).
            os.killpg(self.nginx.pid, signal.SIGQUIT)
            try:
                self.nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.nginx.pid, signal.SIGKILL)
                self.nginx.wait(timeout=10)
        self.app.stop()


def production_env() -> dict[str, str]:
    """The app in production mode, as the README's recipe runs it: secure ``__Host-`` cookies,
    HSTS, and the start-up guard (a long random secret, a private data directory)."""
    return {"FORMS_APP_ENV": "production", "FORMS_APP_SECRET_KEY": secrets.token_hex(32)}


def write_standalone(conf_dir: Path, include: Path) -> Path:
    """nginx's whole configuration in ``conf_dir`` (``deploy/nginx/standalone.conf.template``,
    which runs nginx as the test's own process), including the server file ``include``."""
    conf = conf_dir / "nginx.conf"
    conf.write_text(
        render(
            DEPLOY / "nginx" / "standalone.conf.template",
            {
                # As root, nginx's workers would otherwise run as nobody, who cannot enter
                # this private folder to buffer request bodies.
                "USER": "user root;" if os.geteuid() == 0 else "",
                "RUN_DIR": str(conf_dir),
                "INCLUDE": str(include),
            },
        ),
        "ascii",
    )
    return conf
