"""Email through SMTP, when the settings file has an ``email:`` section; otherwise nothing is
sent and callers carry on (a safeguarding alert is also always on the lead's dashboard).
Only the message worker sends (``deliver``, through its providers): every email is first
queued in the message outbox at the moment of the action, so a mail server that is down then
delays it rather than losing it.

Settings keys (all under ``email:``):

- ``host`` (required to send), ``port`` (default 587, or 465 with ``tls: ssl``)
- ``tls``: ``starttls`` (default), ``ssl``, or ``none`` (loopback relays and tests only)
- ``username`` and ``password_env`` (the name of an environment variable holding the password;
  the password itself never goes in the settings file)
- ``from``: the sender address (default: the organisation's contact email)
- ``safeguarding_to``: a list of addresses alerted when a case is flagged for safeguarding,
  besides the safeguarding leads' own account emails
- ``timeout``: seconds (default 10)
"""

from __future__ import annotations

import os
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid


def email_settings(raw_settings: dict) -> dict | None:
    """The ``email:`` section if it configures a host, else None."""
    section = raw_settings.get("email") or None
    if not isinstance(section, dict) or not section.get("host"):
        return None
    return section


def deliver(
    config: dict,
    to: list[str],
    subject: str,
    body: str,
    *,
    sender: str = "",
    message_id: str | None = None,
) -> None:
    """Send a plain-text email or raise the error the server or the network gave
    (``smtplib.SMTPException``, ``OSError``). ``message_id`` becomes the Message-ID header, so
    a copy sent twice after an unclear reply can be recognised as the same message."""
    message = EmailMessage()
    message["From"] = config.get("from") or sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(idstring=message_id) if message_id else make_msgid()
    message.set_content(body)
    tls = config.get("tls", "starttls")
    port = int(config.get("port") or (465 if tls == "ssl" else 587))
    timeout = float(config.get("timeout") or 10)
    if tls == "ssl":
        client = smtplib.SMTP_SSL(
            config["host"], port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(config["host"], port, timeout=timeout)
    with client:
        if tls == "starttls":
            client.starttls(context=ssl.create_default_context())
        username = config.get("username")
        if username:
            client.login(username, os.environ.get(config.get("password_env") or "", ""))
        client.send_message(message)
