"""The words of every message to the public, kept as templates in this folder: one YAML file
per message type, each holding a subject, an email body and a text message body for every
language (English, Welsh) and wording (standard, easy read, young people's), and a letter body
where a letter says it differently from the email (the acknowledgement: no copy of what was
written, and the tracking secret). A type with no ``letter`` text is posted with its email's
words under its subject as the letter's heading; the tracking code is never posted (it lasts
minutes), so it has no letter.

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
    "resumed",
    "responded",
    "closed",
    "withdrawn",
    "reopened",
    "tracking_code",
    "escalation_received",
    # A letter produced for the case, emailed to the person (see its file).
    "emailed_letter",
    # Not to the person: the link emailed to an investigating manager (see its file).
    "request_link",
)
CHANNELS = ("email", "sms", "letter")
#: Message types never sent as a letter (an emailed letter is posted by hand instead).
NOT_POSTED = ("tracking_code", "request_link", "emailed_letter")
PLACEHOLDER = re.compile(r"\(\(([a-z_]+)\)\)")
#: Placeholders a message may go without, with the value it is then sent with: each was added
#: to its message type after messages of that type were first queued (an outbox can outlive an
#: upgrade), and the "closed" message's questionnaire link is there only when one is offered.
ADDED_LATER = {"acknowledgement": {"tracking": ""}, "closed": {"survey": ""}}
#: Every such placeholder, whatever its message type: ``fill`` leaves it empty when missing.
OPTIONAL = frozenset(name for values in ADDED_LATER.values() for name in values)


class MissingValue(KeyError):
    """A template needs a value that was not given."""


@cache
def _file(name: str) -> dict:
    return yaml.safe_load((FOLDER / f"{name}.yaml").read_text(encoding="utf-8"))


def template(message_type: str, language: str, wording: str) -> dict[str, str]:
    """The ``subject``, ``email``, ``sms`` and ``letter`` texts of one message type in one
    language and wording (English standard stands in for a missing one; the email's words
    for a missing letter)."""
    if message_type not in MESSAGE_TYPES:
        raise ValueError(f"unknown message type {message_type!r}")
    words = _file(message_type)
    by_language = words.get(language) or words["en"]
    chosen = by_language.get(wording) or by_language["standard"]
    return {**chosen, "letter": chosen.get("letter") or chosen["email"]}


def snippets(language: str, wording: str) -> dict[str, str]:
    words = _file("snippets")
    by_language = words.get(language) or words["en"]
    return by_language.get(wording) or by_language["standard"]


def completed(message_type: str, values: dict) -> dict:
    """``values`` with any placeholder it may go without given its value (``ADDED_LATER``):
    GOV.UK Notify refuses a message missing any placeholder of its template."""
    return {**ADDED_LATER.get(message_type, {}), **values}


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
    """(subject, body) of a message as the person will read it (subject empty for a text; a
    letter's subject is its heading)."""
    words = template(message_type, language, wording)
    subject = fill(words["subject"], values) if channel != "sms" else ""
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
        if not (channel == "letter" and message_type in NOT_POSTED)
    ]
