"""The app as an organisation runs it: gunicorn behind Debian's nginx, which terminates TLS with
a certificate from a certificate authority made for the test, and passes the proxy headers
(``Host``, ``X-Forwarded-For``, ``X-Forwarded-Proto: https``) that the app trusts from exactly
one hop (``FORMS_APP_PROXY_COUNT=1``).

Everything (keys, certificates, nginx's configuration, pid file, logs and temporary folders)
lives in one temporary folder, and both servers listen on free loopback ports, so the nginx
that Debian's package may have started on port 80 does not matter and tests can run side by
side.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .served import Gunicorn, free_port

NGINX = os.environ.get("NGINX", "/usr/sbin/nginx")
HOST = "127.0.0.1"


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


def make_certificates(folder: Path) -> Certificates:
    """A throwaway certificate authority and a server certificate it signed for 127.0.0.1 (the
    address is in subjectAltName, which is all browsers and Python read)."""
    folder.mkdir(parents=True, exist_ok=True)

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    curve = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    openssl(
        "req", "-x509", *curve, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=Feedback service test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    openssl("req", *curve, "-keyout", "server.key", "-out", "server.csr", "-subj", f"/CN={HOST}")
    (folder / "server.ext").write_text(
        f"subjectAltName=IP:{HOST}\n"
        "basicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth\n",
        "ascii",
    )
    openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext",
    )  # fmt: skip
    return Certificates(folder / "ca.pem", folder / "server.pem", folder / "server.key")


NGINX_CONF = """\
daemon off;
{user}
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 256; }}
http {{
    access_log {dir}/access.log;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen {host}:{port} ssl;
        server_name {host};
        ssl_certificate {certificate};
        ssl_certificate_key {key};
        location / {{
            proxy_pass http://{host}:{app_port};
            # $http_host keeps the port the browser used, so the app's own address (and the
            # origin it compares a form's Origin with) is the one in the address bar.
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto https;
        }}
    }}
}}
"""


class TlsStack:
    """nginx with TLS on a free port in front of gunicorn on another; ``env`` goes to the app.
    ``url`` is the HTTPS address a browser would use."""

    def __init__(self, folder: Path, env: dict[str, str] | None = None):
        self.folder = folder
        self.certificates = make_certificates(folder / "tls")
        self.data_dir = folder / "app" / "data"
        self.app = Gunicorn(
            self.data_dir, workers=2, threads=4, env={"FORMS_APP_PROXY_COUNT": "1", **(env or {})}
        )
        self.port = free_port()
        self.nginx: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"https://{HOST}:{self.port}"

    @property
    def access_log(self) -> Path:
        return self.folder / "nginx" / "access.log"

    @property
    def error_log(self) -> Path:
        return self.folder / "nginx" / "error.log"

    def start(self, timeout: float = 30) -> None:
        nginx = nginx_path()
        self.data_dir.mkdir(parents=True, mode=0o700)
        self.app.start()
        conf_dir = self.folder / "nginx"
        conf_dir.mkdir(mode=0o700)
        conf = conf_dir / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(
                # As root, nginx's workers would otherwise run as nobody, who cannot enter
                # this private folder to buffer request bodies.
                user="user root;" if os.geteuid() == 0 else "",
                dir=conf_dir,
                host=HOST,
                port=self.port,
                app_port=self.app.port,
                certificate=self.certificates.certificate,
                key=self.certificates.key,
            ),
            "ascii",
        )
        self.nginx = subprocess.Popen(
            # -e: even the errors before the configuration is read go to our folder, not to
            # /var/log/nginx.
            [nginx, "-c", str(conf), "-p", str(conf_dir), "-e", str(conf_dir / "error.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.nginx.poll() is not None:
                log = conf_dir / "error.log"
                raise RuntimeError(
                    "nginx exited: "
                    + self.nginx.stderr.read().decode()[-2000:]
                    + (log.read_text()[-2000:] if log.exists() else "")
                )
            try:
                with socket.create_connection((HOST, self.port), timeout=1):
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
