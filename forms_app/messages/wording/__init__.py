"""The words of every message to the public, kept as templates in this folder: one YAML file
per message type, each holding a subject, an email body and a text message body for every
language (English, Welsh) and wording (standard, easy read, young people's).

Placeholders are written as GOV.UK Notify writes them, ``((name))``, so the same text can be
pasted into a Notify template (``feedback messages templates`` prints each one) and filled
here for SMTP and the demo catcher. ``snippets.yaml`` holds the pieces filled in before a
message is queued (what happens next, a copy of what was written, the advocacy offer).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml

from forms_app.storage.vocabulary import LANGUAGES, VARIANTS

FOLDER = Path(__file__).resolve().parent
#: Every message type, in the order a case meets them.
MESSAGE_TYPES = (
    "acknowledgement",
    "acknowledged",
    "assigned",
    "extended",
    "paused",
    "responded",
    "closed",
    "tracking_code",
    "escalation_received",
)
CHANNELS = ("email", "sms")
PLACEHOLDER = re.compile(r"\(\(([a-z_]+)\)\)")
#: Placeholders a message may go without (filled with nothing): the questionnaire link of the
#: "closed" message is there only when a questionnaire is offered, and a message queued before
#: it was offered holds no value for it.
OPTIONAL = frozenset({"survey"})


class MissingValue(KeyError):
    """A template needs a value that was not given."""


@cache
def _file(name: str) -> dict:
    return yaml.safe_load((FOLDER / f"{name}.yaml").read_text(encoding="utf-8"))


def template(message_type: str, language: str, wording: str) -> dict[str, str]:
    """The ``subject``, ``email`` and ``sms`` texts of one message type in one language and
    wording (English standard stands in for a missing one)."""
    if message_type not in MESSAGE_TYPES:
        raise ValueError(f"unknown message type {message_type!r}")
    words = _file(message_type)
    by_language = words.get(language) or words["en"]
    return by_language.get(wording) or by_language["standard"]


def snippets(language: str, wording: str) -> dict[str, str]:
    words = _file("snippets")
    by_language = words.get(language) or words["en"]
    return by_language.get(wording) or by_language["standard"]


def with_optional(values: dict[str, str]) -> dict[str, str]:
    """``values`` with every optional placeholder it lacks given as empty (GOV.UK Notify
    refuses a message missing any placeholder of its template)."""
    return {**dict.fromkeys(OPTIONAL, ""), **values}


def placeholders(text: str) -> list[str]:
    """The placeholder names in ``text``, each once, in order."""
    return list(dict.fromkeys(PLACEHOLDER.findall(text)))


def fill(text: str, values: dict[str, str]) -> str:
    """``text`` with each ``((name))`` replaced by its value; a missing value raises
    ``MissingValue`` (Notify refuses such a message too). Empty paragraphs left by empty
    values are dropped."""

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in values and name in OPTIONAL:
            return ""
        if name not in values:
            raise MissingValue(name)
        return str(values[name])

    filled = PLACEHOLDER.sub(value, text)
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", filled)]
    return "\n\n".join(p for p in paragraphs if p).strip()


def render(
    message_type: str, language: str, wording: str, channel: str, values: dict[str, str]
) -> tuple[str, str]:
    """(subject, body) of a message as the person will read it (subject empty for a text)."""
    words = template(message_type, language, wording)
    subject = fill(words["subject"], values) if channel == "email" else ""
    return subject, fill(words[channel], values)


def template_key(message_type: str, language: str, wording: str, channel: str) -> str:
    """The name of one template in the settings' ``messages.notify.templates`` map."""
    return f"{message_type}.{language}.{wording}.{channel}"


def all_template_keys() -> list[tuple[str, str, str, str]]:
    return [
        (message_type, language, wording, channel)
        for message_type in MESSAGE_TYPES
        for language in LANGUAGES
        for wording in VARIANTS
        for channel in CHANNELS
    ]
