"""The settings file's ``messages:`` section: which provider sends messages to the public.

    messages:
      provider: notify        # notify, smtp or none (none: nothing is queued or sent)
      advocacy_kinds: [complaint]   # kinds whose acknowledgement offers an advocate
      notify:
        base_url: https://api.notifications.service.gov.uk
        api_key_env: NOTIFY_API_KEY # the variable holding the API key (never the key itself)
        timeout: 10
        templates:            # template ids, named type.language.wording.channel
          acknowledgement.en.standard.email: 8f1f...
      retry:
        max_attempts: 20      # tries before a message is marked failed
        first_delay: 30       # seconds before the first retry; doubles each time (with jitter)
        max_delay: 3600

``FORMS_APP_NOTIFY_URL``, when set, overrides ``notify.base_url``: ``make run`` points it at the
demo's message catcher on whichever port that was started (``MESSAGES_PORT``, 8025 by default).

With ``provider: smtp`` emails go through the ``email:`` section (``messages.smtp``); texts
need Notify and are marked failed with that reason; letters wait on the staff's "letters to
post" page, to be printed and posted by hand. A template id missing from ``templates``
falls back to ``default_template_id`` (a fixed id made from its name), which only the demo
catcher knows: a real Notify service refuses it, and the message is marked failed, for staff
to see.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field

PROVIDERS = ("notify", "smtp", "none")
NOTIFY_URL = "https://api.notifications.service.gov.uk"
#: The environment variable that overrides ``notify.base_url`` (the demo catcher's address).
NOTIFY_URL_ENV = "FORMS_APP_NOTIFY_URL"
#: The namespace of the template ids made from names (see ``default_template_id``).
TEMPLATE_NAMESPACE = uuid.UUID("6f0c5d0e-3b7e-4d55-9b3e-2f3f8d8b7a10")


class MessagesSettingsError(ValueError):
    """The ``messages:`` section is not usable; the text says what to change."""


@dataclass(frozen=True)
class Retry:
    max_attempts: int = 20
    first_delay: float = 30.0
    max_delay: float = 3600.0


@dataclass(frozen=True)
class MessagesConfig:
    provider: str = "none"
    base_url: str = NOTIFY_URL
    api_key_env: str = "NOTIFY_API_KEY"
    timeout: float = 10.0
    templates: dict = field(default_factory=dict)
    advocacy_kinds: tuple[str, ...] = ("complaint",)
    retry: Retry = Retry()
    email: dict | None = None

    @property
    def enabled(self) -> bool:
        return self.provider != "none"

    @property
    def staff_email(self) -> dict | None:
        """The ``email:`` section when it names a host: emails to staff go through it."""
        return self.email if self.email and self.email.get("host") else None

    @property
    def worker_needed(self) -> bool:
        """Whether the message worker has anything to send: messages to the public, or
        emails to staff (queued whenever email is set up, whatever the provider)."""
        return self.enabled or self.staff_email is not None

    @property
    def channels(self) -> tuple[str, ...]:
        """What the provider can send: Notify sends emails, texts and letters; SMTP emails,
        with letters printed and posted by staff."""
        return {"notify": ("email", "sms", "letter"), "smtp": ("email", "letter")}.get(
            self.provider, ()
        )

    def api_key(self) -> str:
        return os.environ.get(self.api_key_env, "")

    def template_id(self, key: str) -> str:
        return str(self.templates.get(key) or default_template_id(key))


def default_template_id(key: str) -> str:
    """A fixed id made from a template's name (``acknowledgement.cy.easy-read.email``)."""
    return str(uuid.uuid5(TEMPLATE_NAMESPACE, key))


def messages_config(raw_settings: dict) -> MessagesConfig:
    """The section read and checked; no section at all means nothing is sent."""
    section = raw_settings.get("messages") or {}
    if not isinstance(section, dict):
        raise MessagesSettingsError("messages: must be a section (provider: notify|smtp|none)")
    provider = str(section.get("provider") or "none")
    if provider not in PROVIDERS:
        raise MessagesSettingsError(f"messages.provider must be one of {', '.join(PROVIDERS)}")
    notify = section.get("notify") or {}
    retry = section.get("retry") or {}
    email = raw_settings.get("email") or None
    if provider == "smtp" and not (isinstance(email, dict) and email.get("host")):
        raise MessagesSettingsError("messages.provider is smtp but the email: section has no host")
    return MessagesConfig(
        provider=provider,
        base_url=str(os.environ.get(NOTIFY_URL_ENV) or notify.get("base_url") or NOTIFY_URL),
        api_key_env=str(notify.get("api_key_env") or "NOTIFY_API_KEY"),
        timeout=float(notify.get("timeout") or 10),
        templates={str(k): str(v) for k, v in (notify.get("templates") or {}).items()},
        advocacy_kinds=tuple(section.get("advocacy_kinds") or ("complaint",)),
        retry=Retry(
            max_attempts=int(retry.get("max_attempts") or 20),
            first_delay=float(retry.get("first_delay") or 30),
            max_delay=float(retry.get("max_delay") or 3600),
        ),
        email=email if isinstance(email, dict) else None,
    )
