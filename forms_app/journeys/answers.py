"""Reading a question page's answers from the form, and saying what is wrong in the person's words.

The data rules come from the schema (through the contract); whether a question must be answered
on this journey comes from the journey; the words come from the question. Nothing the person
typed is thrown away: a page with problems is shown again with their text in it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date

from flask_babel import lazy_gettext as _

from forms_app.storage.contract import Contract

from .model import Page, Question
from .wording import Text

# C0 controls other than tab and newline, DEL, and the bidi overrides used to disguise text
# ("Trojan Source"): no keyboard types them, and they corrupt what staff see.
_UNUSUAL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069\ufffd\ufffe\uffff]"
)

DEFAULT_MESSAGES = {
    "required": Text(_("Answer this question")),
    "enum": Text(_("Select one of the options")),
    "maxLength": Text(_("Your answer is too long")),
    "pattern": Text(_("Check your answer: it is not in a form we recognise")),
    "type": Text(_("Check your answer: it is not in a form we recognise")),
    "unusual": Text(_("Remove the unusual characters from your answer")),
    "date": Text(_("Enter a real date")),
    "future": Text(_("The date must be today or in the past")),
}

NOT_SURE = "not_sure"


def typed_text(text: str) -> str:
    """Text as it is stored, however it was typed: one form for one letter ("ŵ" typed as w and
    a combining circumflex is stored as the single ŵ, NFC), so searching, matching and the PII
    gate see the same letters; and every line break a plain LF (browsers send CRLF)."""
    text = unicodedata.normalize("NFC", text)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def choice_values(question: Question, service_codes: list[str]) -> list[str]:
    if question.choices == "services":
        return [*service_codes, NOT_SURE]
    return [choice.value for choice in question.choices]


def read_page(
    page: Page,
    form: Mapping,
    earlier: Mapping[str, str],
    *,
    contract: Contract,
    service_codes: list[str],
    today: date,
) -> tuple[dict[str, str], dict[str, str]]:
    """Return (answers, problems): the page's answers as stored strings, and for each question
    with a problem the problem code. Hidden questions are answered with the empty string, so a
    changed answer elsewhere never leaves a stale one behind."""
    answers: dict[str, str] = {}
    problems: dict[str, str] = {}
    for question in page.questions:
        value, problem = _read(question, form, service_codes, today)
        answers[question.name] = value
        if problem:
            problems[question.name] = problem
    combined = {**earlier, **answers}
    for question in page.questions:
        if not question.is_shown(combined):
            answers[question.name] = ""
            problems.pop(question.name, None)
            continue
        if question.name in problems:
            continue
        if answers[question.name] == "":
            if question.is_required(combined):
                problems[question.name] = "required"
            continue
        for problem in contract.check(
            question.resource, {question.name: answers[question.name]}, partial=True
        ):
            problems[question.name] = problem.code
            break
    return answers, problems


def message(question: Question, code: str, variant: str) -> str:
    text = question.messages.get(code) or DEFAULT_MESSAGES.get(code) or DEFAULT_MESSAGES["type"]
    return text.get(variant)


def _read(question: Question, form: Mapping, service_codes: list[str], today: date):
    """One question's raw input as the string to store, and a problem code if it cannot be."""
    widget = question.widget
    if widget == "date":
        return _read_date(question.name, form, today)
    if widget == "checkboxes":
        values = form.getlist(question.name) if hasattr(form, "getlist") else []
        allowed = choice_values(question, service_codes)
        chosen = [value for value in allowed if value in values]
        problem = "enum" if any(value not in allowed for value in values) else None
        return ";".join(chosen), problem
    raw = unicodedata.normalize("NFC", form.get(question.name, "") or "")
    if _UNUSUAL.search(raw):
        return _UNUSUAL.sub("", raw), "unusual"
    value = typed_text(raw)
    value = value.strip() if widget != "textarea" else value.strip("\n ").rstrip()
    if widget == "radios":
        if value and value not in choice_values(question, service_codes):
            return "", "enum"
        return value, None
    if widget == "postcode":
        compact = re.sub(r"\s+", "", value).upper()
        value = f"{compact[:-3]} {compact[-3:]}" if len(compact) > 4 else compact
    if widget in ("email", "text", "tel"):
        value = re.sub(r"\s+", " ", value)
    return value, None


def _read_date(name: str, form: Mapping, today: date) -> tuple[str, str | None]:
    parts = [(form.get(f"{name}-{part}", "") or "").strip() for part in ("day", "month", "year")]
    if not any(parts):
        return "", None
    try:
        day, month, year = (int(part) for part in parts)
        if year < 100:
            raise ValueError("two-digit year")
        chosen = date(year, month, day)
    except ValueError:
        # Keep what they typed so the page can show it again.
        return "/".join(parts), "date"
    if chosen > today:
        return chosen.isoformat(), "future"
    return chosen.isoformat(), None


def date_parts(value: str) -> tuple[str, str, str]:
    """The day, month and year to show in a date input for a stored or half-typed value."""
    if "/" in value:
        day, month, year = (value.split("/") + ["", "", ""])[:3]
        return day, month, year
    if re.match(r"^\d{4}-\d{2}-\d{2}$", value):
        year, month, day = value.split("-")
        return str(int(day)), str(int(month)), year
    return "", "", ""
