"""Sending through GOV.UK Notify with its own client (``notifications-python-client``).

Each message goes with its template id (``messages.notify.templates``, by type, language,
wording and channel), its values as Notify's ``personalisation``, and its id as Notify's
``reference``: after an unclear reply, ``find`` asks Notify for notifications with that
reference before the worker sends again, so a message is never sent twice.

How Notify's answers are read (https://docs.notifications.service.gov.uk/python.html, "Error
codes"): 429 is a rate or daily limit (try later, nothing was sent); 5xx and no reply at all
(a timeout, a refused connection) may or may not have been sent (look it up first); 400 and
403 are refusals that will not change by trying again (a missing placeholder, an unknown
template, a bad key or address).
"""

from __future__ import annotations

from notifications_python_client.errors import HTTPError
from notifications_python_client.notifications import NotificationsAPIClient

from . import wording
from .config import MessagesConfig, MessagesSettingsError
from .outbox import Message
from .providers import Refused, TryLater


class NotifyProvider:
    can_find = True

    def __init__(self, config: MessagesConfig, *, api_key: str | None = None):
        key = api_key or config.api_key()
        if len(key) < 74:
            raise MessagesSettingsError(
                f"no usable GOV.UK Notify API key in the {config.api_key_env} variable"
            )
        self.config = config
        self.client = NotificationsAPIClient(key, base_url=config.base_url, timeout=config.timeout)

    def send(self, message: Message) -> str | None:
        template_id = self.config.template_id(message.template_key)
        try:
            if message.channel == "email":
                reply = self.client.send_email_notification(
                    email_address=message.recipient,
                    template_id=template_id,
                    personalisation=wording.with_optional(message.values),
                    reference=message.id,
                )
            else:
                reply = self.client.send_sms_notification(
                    phone_number=message.recipient,
                    template_id=template_id,
                    personalisation=wording.with_optional(message.values),
                    reference=message.id,
                )
        except HTTPError as error:
            raise _reading(error) from error
        return str(reply.get("id") or "") or None

    def find(self, message: Message) -> str | None:
        """Notify's id of the notification sent with this message's reference, or None."""
        try:
            reply = self.client.get_all_notifications(reference=message.id)
        except HTTPError as error:
            reading = _reading(error)
            raise TryLater(reading.reason, unsure=True) from error
        found = reply.get("notifications") or []
        return str(found[0].get("id")) if found else None


def _reading(error: HTTPError) -> TryLater | Refused:
    if error.response is None:
        return TryLater("no reply from Notify (a timeout or no connection)", unsure=True)
    status = error.status_code
    if status == 429:
        return TryLater("Notify asked for fewer messages (429)", rate_limited=True)
    if status >= 500:
        return TryLater(f"Notify had a problem ({status})", unsure=True)
    return Refused(f"Notify refused it ({status}): {_first_error(error)}"[:300])


def _first_error(error: HTTPError) -> str:
    """Notify's own words for a refusal: ``{"errors": [{"error", "message"}]}``. They name
    what is wrong (a placeholder, the key, the template), never the message's values."""
    try:
        errors = error.response.json().get("errors") or []
        first = errors[0]
        return f"{first.get('error', '')}: {first.get('message', '')}"
    except (ValueError, AttributeError, IndexError, TypeError):
        return "no details"
