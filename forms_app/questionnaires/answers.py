"""Reading a questionnaire's answers from a posted form: each scale question must have one of
its choices ("prefer not to say" is one), free text is optional and has a limit. Problems are
named by question, in the order the questions are asked, with the words to show."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from .model import Questionnaire

#: Control characters a keyboard does not type (tab, line feed and carriage return it does).
_ALLOWED_CONTROLS = {"\t", "\n", "\r"}


@dataclass
class Reading:
    """``answers``: question key to the choice or text kept; ``typed``: what to show again
    (the choices made and the text typed, with any refused character taken out);
    ``problems``: question key to the message to show."""

    answers: dict[str, str] = field(default_factory=dict)
    typed: dict[str, str] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)


def _text_problem(text: str, limit: int) -> str | None:
    if len(text) > limit:
        return "long"
    for ch in text:
        if ch in _ALLOWED_CONTROLS:
            continue
        if unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") or ch == "\ufffd":
            return "bad"
    return None


def read(
    questionnaire: Questionnaire, form: Mapping[str, object], language: str, wording: str
) -> Reading:
    """The answers in ``form``, or the problems with them, in the person's words."""
    said = questionnaire.words(language, wording)
    reading = Reading()
    for question in questionnaire.questions:
        value = form.get(question.key, "")
        value = value if isinstance(value, str) else ""
        if question.is_text:
            text = value.replace("\r\n", "\n").strip()
            problem = _text_problem(text, question.limit)
            reading.typed[question.key] = "".join(
                ch for ch in text if ch in _ALLOWED_CONTROLS or unicodedata.category(ch) != "Cc"
            ).replace("\ufffd", "")
            if problem == "long":
                reading.problems[question.key] = said["error_long"].format(length=len(text))
            elif problem == "bad":
                reading.problems[question.key] = said["error_bad"]
            elif text:
                reading.answers[question.key] = text
            continue
        if value in question.choices:
            reading.answers[question.key] = value
            reading.typed[question.key] = value
        else:
            label = said[f"q_{question.key}"]
            reading.problems[question.key] = said["error_choose"].format(question=label)
    return reading
