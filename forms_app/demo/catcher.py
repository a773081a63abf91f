"""The demo's message catcher: what the service would have sent, caught and shown locally.

One small HTTP server (``python -m forms_app.demo.catcher``, started by ``make run`` on port
8025) answers as GOV.UK Notify (``notify_standin``) and shows every message caught, Notify's
and SMTP's alike: ``/`` as a page, ``/messages.json`` as a list of recipient, subject, body
and time. A letter's recipient is its address, the lines joined by ", ", and its subject is
the letter's heading. With ``--smtp-port`` an SMTP server (aiosmtpd) catches emails too, for
settings that use ``provider: smtp``. Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import threading
import time
from email import message_from_bytes, policy

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from .notify_standin import DEMO_API_KEY, NotifyStandIn


class Catcher:
    """The Notify stand-in plus the viewer, and the emails caught by SMTP."""

    def __init__(self, standin: NotifyStandIn | None = None):
        self.standin = standin or NotifyStandIn()
        self.emails: list[dict] = []
        self.lock = threading.Lock()

    def caught(self) -> list[dict]:
        """Every message caught, oldest first: recipient, subject, body, time, channel."""
        with self.standin.lock:
            notify = [
                {
                    "recipient": _recipient(n),
                    "subject": n["subject"] or "",
                    "body": n["body"],
                    "time": n["created_at"],
                    "channel": n["type"],
                    "reference": n["reference"],
                    "via": "notify",
                }
                for n in self.standin.notifications
            ]
        with self.lock:
            return sorted(notify + list(self.emails), key=lambda m: m["time"])

    def keep_email(self, raw: bytes, recipients: list[str]) -> None:
        parsed = message_from_bytes(raw, policy=policy.default)
        body = parsed.get_body(("plain",))
        with self.lock:
            self.emails.append(
                {
                    "recipient": ", ".join(recipients),
                    "subject": str(parsed.get("Subject", "")),
                    "body": body.get_content().strip() if body else "",
                    "time": time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime()),
                    "channel": "email",
                    "reference": str(parsed.get("Message-ID", "")),
                    "via": "smtp",
                }
            )

    def __call__(self, environ, start_response):
        request = Request(environ)
        if request.method == "GET" and request.path == "/messages.json":
            body = json.dumps({"messages": self.caught()}, ensure_ascii=False, indent=1)
            response = Response(body, mimetype="application/json")
        elif request.method == "GET" and request.path == "/":
            response = Response(self.page(), mimetype="text/html")
        else:
            return self.standin(environ, start_response)
        return response(environ, start_response)

    def page(self) -> str:
        rows = "".join(
            "<article><h2>{subject}</h2><p class=meta>To {to} · {channel} · {time}</p>"
            "<pre>{body}</pre></article>".format(
                subject=html.escape(m["subject"] or "(text message)")
                + (" (letter)" if m["channel"] == "letter" else ""),
                to=html.escape(m["recipient"]),
                channel=html.escape(m["channel"]),
                time=html.escape(m["time"]),
                body=html.escape(m["body"]),
            )
            for m in reversed(self.caught())
        )
        return (
            "<!doctype html><html lang=en><head><meta charset=utf-8>"
            "<meta name=viewport content='width=device-width, initial-scale=1'>"
            "<meta http-equiv=refresh content=5><title>Messages caught (demo)</title>"
            "<style>body{font-family:sans-serif;max-width:50rem;margin:1rem auto;padding:0 1rem}"
            "article{border-top:1px solid #b1b4b6;padding:.5rem 0}.meta{color:#505a5f}"
            "pre{white-space:pre-wrap;font-family:inherit}</style></head><body><main>"
            "<h1>Messages caught (demo)</h1><p>What the service would have sent by email, "
            "text or post. Nothing here left this computer. "
            "<a href='/messages.json'>As JSON</a></p>"
            + (rows or "<p>No messages yet.</p>")
            + "</main></body></html>"
        )


def _recipient(notification: dict) -> str:
    """Who a notification went to: the email address, the phone number or the address."""
    if notification["type"] == "letter":
        lines = [notification.get(f"line_{n}") for n in range(1, 8)]
        return ", ".join(line for line in lines if line)
    return notification["email_address"] or notification["phone_number"]


class Served:
    """A catcher served on 127.0.0.1 in a background thread (``stop`` ends it)."""

    def __init__(self, catcher: Catcher, port: int, smtp_port: int | None = None):
        self.catcher = catcher
        self.server = make_server("127.0.0.1", port, catcher, threaded=True, request_handler=_Quiet)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.smtp = None
        if smtp_port is not None:
            self.smtp = _smtp_controller(catcher, smtp_port)

    def start(self) -> Served:
        self.thread.start()
        if self.smtp is not None:
            self.smtp.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self.smtp is not None:
            self.smtp.stop()


class _Quiet(WSGIRequestHandler):
    """No line per request: the messages are on the page, and tests make thousands."""

    def log_request(self, *_args, **_kwargs) -> None:
        pass


def _smtp_controller(catcher: Catcher, port: int):
    from aiosmtpd.controller import Controller  # a development dependency: the demo only

    class Handler:
        async def handle_DATA(self, _server, _session, envelope):
            catcher.keep_email(envelope.original_content or envelope.content, envelope.rcpt_tos)
            return "250 Message accepted"

    return Controller(Handler(), hostname="127.0.0.1", port=port)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--smtp-port", type=int, default=None)
    args = parser.parse_args(argv)
    key = os.environ.get("NOTIFY_API_KEY") or DEMO_API_KEY
    served = Served(Catcher(NotifyStandIn(api_key=key)), args.port, args.smtp_port).start()
    print(f"Messages caught: {served.url}/", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        served.stop()


if __name__ == "__main__":
    main()
