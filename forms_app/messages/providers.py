"""What a provider answers, and the providers chosen by ``messages.provider``.

A provider's ``send`` returns the provider's own id for the message, or raises ``TryLater``
(nothing is known to have been sent: a rate limit, an outage, an unclear reply) or ``Refused``
(the provider will never send it: a bad address, a missing template) or ``ToPost`` (a letter
the provider has no way to send: staff print and post it). ``find`` answers
whether a message with this reference already reached the provider, after an unclear reply;
a provider that cannot tell (SMTP) has ``can_find`` False.

Whatever the provider, emails to staff (``staff_mail``) go through the ``email:`` section
(``WithStaffMail``): their words are written by the service, not kept as templates.
"""

from __future__ import annotations

import smtplib

from . import smtp, staff_mail, wording
from .config import MessagesConfig
from .outbox import STAFF_MAIL, Message


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
        _through_smtp(self.email, message, subject, body)
        return None

    def find(self, message: Message) -> str | None:
        return None


class NoProvider:
    """``provider: none``: no message to the public is sent (the worker starts only when
    email is set up, for the emails to staff)."""

    can_find = False

    def send(self, message: Message) -> str | None:
        raise Refused("no message provider is configured (messages.provider: none)")

    def find(self, message: Message) -> str | None:
        return None


class WithStaffMail:
    """Emails to staff through the ``email:`` section, every other message through
    ``provider`` (which is also asked, after an unclear reply, whether its own arrived)."""

    def __init__(self, provider, email: dict | None):
        self.provider = provider
        self.email = email

    @property
    def can_find(self) -> bool:
        return self.provider.can_find

    def send(self, message: Message) -> str | None:
        if message.type != STAFF_MAIL:
            return self.provider.send(message)
        if self.email is None:
            raise Refused("email to staff needs the email: section (with its host)")
        subject, body, sender = staff_mail.words(message)
        _through_smtp(
            self.email, message, subject, body, sender=sender, to=staff_mail.recipients(message)
        )
        return None

    def find(self, message: Message) -> str | None:
        # SMTP cannot be asked: a staff email left unclear is sent again.
        return None if message.type == STAFF_MAIL else self.provider.find(message)


def _through_smtp(email: dict, message: Message, subject: str, body: str, *, sender="", to=None):
    """Send one message's email, raising what the worker understands: ``Refused`` for a
    refusal for good (a 5xx reply, a refused address, no sender address), ``TryLater`` for the
    rest. ``to``: the addresses, when not the message's one recipient."""
    if not (email.get("from") or sender):
        raise Refused("the email: section needs a from address")
    try:
        smtp.deliver(
            email, to or [message.recipient], subject, body, sender=sender, message_id=message.id
        )
    except smtplib.SMTPRecipientsRefused as error:
        raise Refused("the mail server refused the address") from error
    except smtplib.SMTPResponseException as error:
        if 500 <= error.smtp_code < 600:
            raise Refused(f"the mail server refused it (SMTP {error.smtp_code})") from error
        raise TryLater(f"the mail server said try later (SMTP {error.smtp_code})") from error
    except (OSError, smtplib.SMTPException) as error:
        raise TryLater(f"the mail server could not be reached ({type(error).__name__})") from error


def build_provider(config: MessagesConfig, *, api_key: str | None = None):
    """The provider the settings choose, with emails to staff through the ``email:`` section."""
    if config.provider == "notify":
        from .notify import NotifyProvider

        provider = NotifyProvider(config, api_key=api_key)
    elif config.provider == "smtp":
        provider = SmtpProvider(config)
    else:
        provider = NoProvider()
    return WithStaffMail(provider, config.staff_email)
