"""A loopback SMTP stand-in (aiosmtpd) on a port of its own that keeps what it is sent, down
until ``start`` (nothing listens on its port until then), for the tests of emails that wait in
the message outbox while the mail server is down."""

from __future__ import annotations

import email
import email.policy

from aiosmtpd.controller import Controller

from tests.support.served import free_port


class Inbox:
    """What the loopback SMTP stand-in was sent: (recipients, subject, body)."""

    def __init__(self):
        self.messages: list[tuple[list[str], str, str]] = []
        #: Refuse every address (a 550 reply), as a server that will never take the email.
        self.refuse = False

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        if self.refuse:
            return "550 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, message["Subject"], message.get_content()))
        return "250 OK"


class MailServer:
    """An SMTP stand-in on a port of its own, down until ``start`` (nothing listens there)."""

    def __init__(self):
        self.port = free_port()
        self.inbox = Inbox()
        self.controller = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()


def app_mailing_through(tmp_path, server: MailServer, provider: str, **email):
    """An app on the example settings whose email goes through ``server`` (with ``email``
    added to its ``email:`` section) and whose messages to the public go by ``provider``; its
    settings file is ``tmp_path / "settings.yaml"``, so a test can change it and start again."""
    import yaml

    from forms_app import create_app
    from forms_app.organisation.settings import EXAMPLE_SETTINGS

    settings = yaml.safe_load(EXAMPLE_SETTINGS.read_text())
    settings["email"] = {
        "host": "127.0.0.1",
        "port": server.port,
        "tls": "none",
        "timeout": 3,
        "from": "casework@riverside.example.org",
        **email,
    }
    settings["messages"] = {**settings.get("messages", {}), "provider": provider}
    path = tmp_path / "settings.yaml"
    path.write_text(yaml.safe_dump(settings))
    app = create_app(str(path))
    app.config.update(TESTING=True)
    return app
