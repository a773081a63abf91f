"""What a provider answers, and the providers chosen by ``messages.provider``.

A provider's ``send`` returns the provider's own id for the message, or raises ``TryLater``
(nothing is known to have been sent: a rate limit, an outage, an unclear reply) or ``Refused``
(the provider will never send it: a bad address, a missing template) or ``ToPost`` (a letter
the provider has no way to send: staff print and post it). ``find`` answers
whether a message with this reference already reached the provider, after an unclear reply;
a provider that cannot tell (SMTP) has ``can_find`` False.
"""

from __future__ import annotations

import smtplib

from . import smtp, wording
from .config import MessagesConfig
from .outbox import Message


class TryLater(Exception):
    """Not sent this time. ``unsure``: it may have been (look it up before sending again);
    ``rate_limited``: the provider asked for fewer requests, so the worker pauses."""

    def __init__(self, reason: str, *, unsure: bool = False, rate_limited: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.unsure = unsure
        self.rate_limited = rate_limited


class Refused(Exception):
    """The provider will never send this message; ``reason`` says why, for staff."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class ToPost(Exception):
    """A letter this provider cannot send: it goes on the staff's list of letters to post."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class SmtpProvider:
    """Emails through the settings' ``email:`` section. Texts are refused (they need Notify);
    letters go to the staff's list of letters to print and post (SMTP has no letter service).
    SMTP cannot be asked whether a message arrived, so an unclear reply is sent again; the
    Message-ID header carries the message's id so mail programs can see a repeat."""

    can_find = False

    def __init__(self, config: MessagesConfig):
        self.email = config.email or {}

    def send(self, message: Message) -> str | None:
        if message.channel == "letter":
            raise ToPost("to print and post: there is no letter service with SMTP")
        if message.channel != "email":
            raise Refused("text messages need GOV.UK Notify (messages.provider: notify)")
        values = wording.completed(message.type, message.values)
        subject, body = wording.render(
            message.type, message.language, message.wording, "email", values
        )
        try:
            smtp.deliver(self.email, [message.recipient], subject, body, message_id=message.id)
        except smtplib.SMTPRecipientsRefused as error:
            raise Refused("the mail server refused the address") from error
        except smtplib.SMTPResponseException as error:
            if 500 <= error.smtp_code < 600:
                raise Refused(f"the mail server refused it (SMTP {error.smtp_code})") from error
            raise TryLater(f"the mail server said try later (SMTP {error.smtp_code})") from error
        except (OSError, smtplib.SMTPException) as error:
            raise TryLater(
                f"the mail server could not be reached ({type(error).__name__})"
            ) from error
        return None

    def find(self, message: Message) -> str | None:
        return None


class NoProvider:
    """``provider: none``: nothing is sent (the worker does not start)."""

    can_find = False

    def send(self, message: Message) -> str | None:
        raise Refused("no message provider is configured (messages.provider: none)")

    def find(self, message: Message) -> str | None:
        return None


def build_provider(config: MessagesConfig, *, api_key: str | None = None):
    """The provider the settings choose."""
    if config.provider == "notify":
        from .notify import NotifyProvider

        return NotifyProvider(config, api_key=api_key)
    if config.provider == "smtp":
        return SmtpProvider(config)
    return NoProvider()
