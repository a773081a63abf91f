"""Slow clients (a request trickled a header line every two seconds, or a form body a few bytes
at a time) cannot stall the app: nginx reads every request whole before gunicorn sees it.

The first test shows the attack is real: the same slow clients sent straight at gunicorn hold
its threads, and a normal request gets no answer while they hang. It runs one worker of four
threads, so that every slow client lands on the same worker: with two workers the kernel may hand
most of them to one worker and leave the other free for a while, and the stall then catches only
the requests that land on the busy worker.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager

import pytest

from tests.support.served import Gunicorn
from tests.support.tls import production_env

SLOW_CLIENTS = 12  # more than gunicorn's 8 threads in the test stack
INTERVAL = 2.0  # seconds between two trickled lines
LONGEST = 60.0  # no slow client lives longer than this, whatever happens


class SlowClient(threading.Thread):
    """One connection that sends a request very slowly until told to stop. ``kind`` is
    ``"header"`` (a header line every INTERVAL) or ``"body"`` (a POST whose declared body comes
    a few bytes every INTERVAL)."""

    def __init__(self, port: int, context: ssl.SSLContext | None, kind: str, stop: threading.Event):
        super().__init__(daemon=True)
        self.port = port
        self.context = context
        self.kind = kind
        self.stop = stop
        self.started = threading.Event()
        self.closed_by_server = False

    def run(self) -> None:
        deadline = time.monotonic() + LONGEST
        try:
            raw = socket.create_connection(("127.0.0.1", self.port), timeout=10)
            sock = (
                self.context.wrap_socket(raw, server_hostname="127.0.0.1") if self.context else raw
            )
            with sock:
                sock.settimeout(0.5)
                if self.kind == "header":
                    sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                else:
                    sock.sendall(
                        b"POST /complaint/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        b"Content-Type: application/x-www-form-urlencoded\r\n"
                        b"Content-Length: 100000\r\n\r\nanswer="
                    )
                self.started.set()
                line = 0
                while not self.stop.wait(INTERVAL) and time.monotonic() < deadline:
                    line += 1
                    chunk = f"X-Slow-{line}: waiting\r\n" if self.kind == "header" else "aaaa"
                    sock.sendall(chunk.encode("ascii"))
                    try:
                        if sock.recv(1) == b"":
                            self.closed_by_server = True
                            return
                    except (TimeoutError, ssl.SSLWantReadError):
                        pass  # nothing from the server: still hanging, as the client wants
        except OSError:
            self.closed_by_server = True
        finally:
            self.started.set()


@contextmanager
def slow_clients(port: int, context: ssl.SSLContext | None, kind: str = "header"):
    stop = threading.Event()
    clients = [SlowClient(port, context, kind, stop) for _ in range(SLOW_CLIENTS)]
    for client in clients:
        client.start()
    try:
        for client in clients:
            client.started.wait(15)
        # Every slow client has sent a line or two: gunicorn's threads are now taken.
        time.sleep(INTERVAL * 1.5)
        yield clients
    finally:
        stop.set()
        for client in clients:
            client.join(INTERVAL + 5)


def fetch(url: str, context: ssl.SSLContext | None, timeout: float) -> int | str:
    """A normal request's status, or why it got none."""
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=context) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (TimeoutError, OSError) as error:
        return type(error).__name__


def still_hanging(clients: list[SlowClient]) -> int:
    return sum(1 for client in clients if client.is_alive() and not client.closed_by_server)


def test_slow_clients_straight_at_gunicorn_stall_it(tmp_path):
    app = Gunicorn(tmp_path / "data", workers=1, threads=4, env=production_env())
    (tmp_path / "data").mkdir(mode=0o700)
    app.start()
    try:
        with slow_clients(app.port, None) as clients:
            answers = [fetch(app.url + "/", None, timeout=5) for _ in range(2)]
            hanging = still_hanging(clients)
        assert hanging >= 10
        assert 200 not in answers, answers
        # Once they give up, gunicorn answers again: it was the slow clients.
        assert fetch(app.url + "/", None, timeout=30) == 200
    finally:
        app.stop()


@pytest.mark.parametrize("kind", ["header", "body"])
def test_behind_nginx_normal_requests_answer_while_slow_clients_hang(tls_stack, kind):
    context = tls_stack.certificates.client_context()
    with slow_clients(tls_stack.port, context, kind) as clients:
        answers = [fetch(tls_stack.url + "/", context, timeout=30) for _ in range(5)]
        hanging = still_hanging(clients)
    assert answers == [200] * 5
    assert hanging >= 10, "the slow clients were cut off before the normal requests were made"
