"""A real PostgreSQL server for the tests: Debian's ``postgresql``, started once per test session.

``initdb`` and ``postgres`` refuse to run as root, so both run as the ``postgres`` user
(``runuser``) when the tests run as root, with the data directory and the socket in a folder of
their own under /tmp and a free port on 127.0.0.1 (trust authentication: the server is reachable
only from this machine, and only while the tests run). Each test gets a database of its own,
copied from an empty template (``CREATE DATABASE ... TEMPLATE``: fast), dropped after the test.

``postgres_server`` is the session fixture; ``postgres_url`` gives a test a fresh database.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.served import free_port

BIN = Path("/usr/lib/postgresql/15/bin")
TEMPLATE = "feedback_template"
SUPERUSER = "postgres"
_numbers = itertools.count(1)


@dataclass
class PostgresServer:
    """A running server: its folder, port, process, and a URL per database."""

    folder: Path
    port: int
    process: subprocess.Popen

    def url(self, database: str = "postgres", user: str = SUPERUSER) -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def admin(self, database: str = "postgres"):
        import psycopg

        return psycopg.connect(self.url(database), autocommit=True)

    def new_database(self) -> str:
        """A fresh empty database copied from the template; returns its name."""
        name = f"test_{os.getpid()}_{next(_numbers)}"
        with self.admin() as connection:
            connection.execute(f'CREATE DATABASE "{name}" TEMPLATE {TEMPLATE}')
        return name

    def drop_database(self, name: str) -> None:
        with self.admin() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        """Stop the server (fast shutdown: disconnect everyone, then stop cleanly) and remove
        its folder. The signal goes to the server itself, from its pid file: ``runuser``, which
        started it, does not pass signals on."""
        pid_file = self.folder / "data" / "postmaster.pid"
        if self.process.poll() is None and pid_file.exists():
            with contextlib.suppress(ValueError, OSError):
                os.kill(int(pid_file.read_text().split()[0]), signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ValueError, OSError):
                os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def _as_postgres(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def start_server() -> PostgresServer:
    """initdb a new cluster in a temporary folder and start it on a free port."""
    if not (BIN / "initdb").exists():
        pytest.fail(f"{BIN / 'initdb'} is missing: `make postgresql` installs Debian's postgresql")
    folder = Path(tempfile.mkdtemp(prefix="feedback-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data = folder / "data"
    subprocess.run(
        _as_postgres(
            [
                str(BIN / "initdb"),
                "-D", str(data),
                "-A", "trust",
                "-U", SUPERUSER,
                "-E", "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ]
        ),
        check=True,
        capture_output=True,
    )  # fmt: skip
    port = free_port()
    log = open(folder / "server.log", "wb")  # noqa: SIM115 (the server writes it until stopped)
    process = subprocess.Popen(
        _as_postgres(
            [
                str(BIN / "postgres"),
                "-D", str(data),
                "-k", str(folder),
                "-p", str(port),
                "-c", "listen_addresses=127.0.0.1",
                "-c", "max_connections=200",
            ]
        ),
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    server = PostgresServer(folder, port, process)
    _wait_until_ready(server)
    with server.admin() as connection:
        connection.execute(f"CREATE DATABASE {TEMPLATE}")
    return server


def _wait_until_ready(server: PostgresServer, timeout: float = 60) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        if server.process.poll() is not None:
            log = (server.folder / "server.log").read_text(errors="replace")
            raise RuntimeError(f"postgres stopped at start-up:\n{log}")
        try:
            psycopg.connect(server.url(), connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                server.stop()
                raise
            time.sleep(0.1)


@pytest.fixture(scope="session")
def postgres_server():
    """One PostgreSQL server for the whole test session (per xdist worker), removed at the end."""
    server = start_server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server):
    """The URL of a fresh, empty database of this test's own, dropped afterwards."""
    name = postgres_server.new_database()
    try:
        yield postgres_server.url(name)
    finally:
        postgres_server.drop_database(name)


@pytest.fixture
def two_apps(postgres_url, tmp_path, monkeypatch):
    """Two app servers' apps on one fresh database, each with a data directory of its own, as
    [(app, data_dir), (app, data_dir)]: in-process (two ``create_app`` with the same
    ``FORMS_APP_STORE_URL`` and secret key), so the callers are the real pages, unchanged."""
    import secrets

    from forms_app import create_app
    from forms_app.organisation.settings import EXAMPLE_SETTINGS
    from forms_app.storage.shared_database import use_database

    monkeypatch.setenv("FORMS_APP_STORE_URL", postgres_url)
    monkeypatch.setenv("FORMS_APP_SECRET_KEY", secrets.token_hex(32))
    monkeypatch.delenv("FORMS_APP_SETTINGS", raising=False)
    apps = []
    for name in "ab":
        data_dir = tmp_path / name / "data"
        monkeypatch.setenv("FORMS_APP_DATA_DIR", str(data_dir))
        app = create_app(str(EXAMPLE_SETTINGS))
        app.config.update(TESTING=True)
        apps.append((app, data_dir))
    yield apps
    for _app, data_dir in apps:
        use_database(data_dir, "")
