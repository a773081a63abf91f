"""Several organisations as a deployment runs them: one gunicorn serving
``forms_app.web.hosting:app`` in production mode, behind Debian's nginx with TLS, one ``server``
and one certificate per organisation, filled in from the templates production installs
(deploy/nginx/organisations.conf.template and organisation.conf.template), so the tests prove
the example files.

``HostedTlsStack`` starts both on free loopback ports; ``HttpsHostClient`` connects to
127.0.0.1 as ``curl --resolve`` does, naming an organisation's host in the TLS handshake (SNI)
and in ``Host``, and trusts only that organisation's certificate authority.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import subprocess
from pathlib import Path

from .hosted import HostClient, HostedGunicorn
from .served import free_port
from .tls import DEPLOY, HOST, Certificates, TlsStack, make_certificates, render, write_standalone


class HostedTlsStack(TlsStack):
    """nginx with TLS on a free port (``port``) in front of the hosting app, ``organisations``
    being ``{code: (host name, ...)}`` as the hosting file gives them; the health checks by
    address on plain HTTP at ``health_port``. nginx's logs are in ``conf_dir``: each
    organisation's ``CODE-access.log``, ``refused.log``, ``health-access.log``, ``error.log``."""

    def __init__(
        self,
        folder: Path,
        hosting: Path,
        organisations: dict[str, tuple[str, ...]],
        env: dict[str, str] | None = None,
    ):
        # Not TlsStack's own set-up: a certificate per organisation, and the hosting app.
        self.folder = folder
        self.organisations = organisations
        self.certificates_of: dict[str, Certificates] = {
            code: make_certificates(folder / "tls" / code, names=hosts)
            for code, hosts in organisations.items()
        }
        self.app = HostedGunicorn(hosting, env={"FORMS_APP_PROXY_COUNT": "1", **(env or {})})
        self.port = free_port()
        self.health_port = free_port()
        # TlsStack waits for nginx on ``port`` and ``site_port``: here the health listener.
        self.site_port = self.health_port
        self.conf_dir = folder / "nginx"
        self.error_log = self.conf_dir / "error.log"
        self.nginx: subprocess.Popen | None = None

    @property
    def health_url(self) -> str:
        return f"http://{HOST}:{self.health_port}"

    def access_log(self, code: str) -> Path:
        return self.conf_dir / f"{code}-access.log"

    def write_config(self, app_address: str) -> Path:
        self.conf_dir.mkdir(mode=0o700, exist_ok=True)
        servers = self.conf_dir / "organisations"
        servers.mkdir(mode=0o700, exist_ok=True)
        for code, hosts in self.organisations.items():
            certificates = self.certificates_of[code]
            (servers / f"{code}.conf").write_text(
                render(
                    DEPLOY / "nginx" / "organisation.conf.template",
                    {
                        "CODE": code,
                        "APP_LISTEN": f"{HOST}:{self.port}",
                        "SERVER_NAMES": " ".join(hosts),
                        "CERTIFICATE": str(certificates.certificate),
                        "CERTIFICATE_KEY": str(certificates.key),
                        "LOG_DIR": str(self.conf_dir),
                    },
                ),
                "ascii",
            )
        frame = self.conf_dir / "feedback-organisations.conf"
        frame.write_text(
            render(
                DEPLOY / "nginx" / "organisations.conf.template",
                {
                    "APP_LISTEN": f"{HOST}:{self.port}",
                    "HEALTH_LISTEN": f"{HOST}:{self.health_port}",
                    "UPSTREAM": app_address,
                    "LOG_DIR": str(self.conf_dir),
                    "ORGANISATIONS": str(servers / "*.conf"),
                },
            ),
            "ascii",
        )
        return write_standalone(self.conf_dir, frame)

    def start(self, timeout: float = 60) -> None:
        first = next(iter(self.organisations.values()))[0]
        self.app.start(ready_host=first, timeout=timeout)
        self.start_nginx(f"{HOST}:{self.app.port}", timeout=timeout)

    def client(self, code: str, host: str) -> HttpsHostClient:
        """A browser of ``code``'s people, typing ``host`` (one of its names, or any other)."""
        return HttpsHostClient(self.port, host, self.certificates_of[code].client_context())


class _NamedConnection(http.client.HTTPSConnection):
    """HTTPS to 127.0.0.1 that names ``server_name`` in the handshake (SNI) and checks the
    certificate against it, as a browser reaching that name through DNS would."""

    def __init__(self, port: int, server_name: str, context: ssl.SSLContext, timeout: float):
        super().__init__(HOST, port, context=context, timeout=timeout)
        self.server_name = server_name

    def connect(self) -> None:
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.server_name)


class HttpsHostClient(HostClient):
    """``HostClient`` over TLS through nginx: ``host`` is named in the handshake and, with the
    port as a browser sends it, in ``Host`` and in a form's ``Origin``."""

    scheme = "https"

    def __init__(self, port: int, host: str, context: ssl.SSLContext, timeout: float = 20):
        super().__init__(port, f"{host}:{port}", timeout)
        self.server_name = host
        self.context = context

    def connection(self) -> http.client.HTTPConnection:
        return _NamedConnection(self.port, self.server_name, self.context, self.timeout)
