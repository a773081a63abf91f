"""One person sending a comment over plain HTTP, with a record of what the server acknowledged.

A submission is acknowledged when the final POST got its 303 to the confirmation page: the
server only redirects there after the store has fsynced the row. The reference is on the
confirmation page, which a killed server may never serve, so every submission also carries a
unique token in its text: the row can be found by it either way.
"""

from __future__ import annotations

import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from tests.support.http_client import Fetcher
from tests.support.walker import COMMENT, walk

SEND_PAGE = "check-your-answers"


@dataclass
class Outcome:
    token: str
    acknowledged: bool = False  # the send POST was answered 303 -> confirmation
    reference: str | None = None  # read from the confirmation page, if it was served
    resent_reference: str | None = None  # the reference after re-sending the same POST
    error: str | None = None


class _Recorder(urllib.request.HTTPRedirectHandler):
    def __init__(self) -> None:
        self.redirects: list[tuple[str, int, str]] = []

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        self.redirects.append((req.get_method(), code, newurl))
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class _Prepared(Exception):
    """Raised by ``before_send`` to stop a walk just before its final POST."""


def details(token: str) -> str:
    return f"Larger print on the leaflets, please. Diolch! Dŵr 😀\n{token}"


class Submitter(Fetcher):
    """A browser without JavaScript: cookies, redirects followed, every redirect recorded.

    ``before_send`` (if given) is called just before the final POST, e.g. to hold the sends
    back until the test is ready for them."""

    def __init__(self, base_url: str, timeout: float = 10, before_send=None):
        self.recorder = _Recorder()
        super().__init__(base_url, timeout, handlers=[self.recorder])
        self.before_send = before_send
        self.last_post: tuple[str, dict] | None = None

    def post(self, url, data):
        if SEND_PAGE in url:
            self.last_post = (url, data)
            if self.before_send is not None:
                self.before_send()
        return super().post(url, data)

    def prepare(self, token: str) -> bool:
        """Walk up to the final POST without sending it (the draft is kept on the server);
        True if ready for ``send``. Never raises."""
        self.token = token
        before, self.before_send = self.before_send, _raise_prepared
        try:
            walk(self.get, self.post, "/comment/", {**COMMENT, "details": details(token)})
        except _Prepared:
            return True
        except Exception:
            return False
        finally:
            self.before_send = before
        return False

    def send(self) -> Outcome:
        """The final POST of a prepared walk (after a restart too: drafts are on disk)."""
        outcome = Outcome(self.token)
        try:
            _, status, page = self.post(*self.last_post)
            found = re.search(r"data-reference>([A-Z0-9-]+)<", page)
            outcome.reference = found.group(1) if found and status == 200 else None
        except Exception as error:
            outcome.error = f"{type(error).__name__}: {error}"[:200]
        outcome.acknowledged = self.acknowledged()
        return outcome

    def acknowledged(self) -> bool:
        return any(
            method == "POST" and code == 303 and newurl.endswith("/confirmation")
            for method, code, newurl in self.recorder.redirects
        )

    def submit(self, token: str, resend: bool = False) -> Outcome:
        """Walk the comment journey with ``token`` in the text; never raises."""
        outcome = Outcome(token)
        try:
            result = walk(self.get, self.post, "/comment/", {**COMMENT, "details": details(token)})
            outcome.reference = result.reference
            if resend and self.last_post is not None:
                # The browser sends the same form again (back button, lost reply): same
                # session, same draft, so the same idempotency key.
                _, status, page = self.post(*self.last_post)
                found = re.search(r"data-reference>([A-Z0-9-]+)<", page)
                outcome.resent_reference = found.group(1) if found and status == 200 else None
        except Exception as error:  # a server that vanishes mid-walk is the point of D3
            outcome.error = f"{type(error).__name__}: {error}"[:200]
        outcome.acknowledged = self.acknowledged()
        return outcome


def _raise_prepared() -> None:
    raise _Prepared


def stream(base_url: str, prefix: str, stop: threading.Event, outcomes: list, timeout=5) -> None:
    """Submit one comment after another until ``stop`` is set (for a client thread)."""
    number = 0
    while not stop.is_set():
        outcomes.append(Submitter(base_url, timeout=timeout).submit(f"{prefix}-{number:05d}"))
        number += 1
        if outcomes[-1].error:
            stop.wait(0.05)  # the server is down: do not spin while it restarts
