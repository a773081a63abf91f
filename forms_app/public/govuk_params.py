"""GOV.UK Frontend macro parameters for a journey's questions.

Journeys are data, so the parameters for govuk-frontend-jinja's macros are built here from each
question, the person's answers and any problem, in the person's wording and language.
(govuk-frontend-wtf was tried first: its widgets need WTForms classes with fixed choices and
hard-code English "Day", "Month", "Year", so they cannot serve journeys held as data in Welsh.)
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from flask import g
from flask_babel import format_date
from flask_babel import gettext as _

from forms_app.journeys.answers import NOT_SURE, date_parts, message
from forms_app.journeys.model import Question
from forms_app.journeys.wording import say
from forms_app.organisation.settings import Settings

_INPUT_TYPES = {"text": "text", "email": "email", "tel": "tel", "postcode": "text"}


def choices_for(question: Question, settings: Settings, variant: str, context) -> list[dict]:
    """The options of a radios or checkboxes question as (value, label, hint, divider)."""
    if question.choices == "services":
        language = g.get("language", "en")
        items = [
            {"value": s.code, "text": settings.service_name(s.code, language)}
            for s in settings.services
        ]
        items.append({"divider": _("or")})
        items.append({"value": NOT_SURE, "text": _("I'm not sure")})
        return items
    items = []
    for choice in question.choices:
        if choice.divider_before:
            items.append({"divider": _("or")})
        item = {"value": choice.value, "text": choice.label.get(variant, context)}
        if choice.hint:
            item["hint"] = {"text": choice.hint.get(variant, context)}
        items.append(item)
    return items


def character_count_texts() -> dict:
    """The character count component's words in the person's language: without them it shows
    its built-in English ("You can enter up to 1200 characters") on a Welsh page."""
    return {
        "charactersUnderLimitText": {
            "one": _("You have %(num)s character remaining", num="%{count}"),
            "other": _("You have %(num)s characters remaining", num="%{count}"),
        },
        "charactersOverLimitText": {
            "one": _("You have %(num)s character too many", num="%{count}"),
            "other": _("You have %(num)s characters too many", num="%{count}"),
        },
        "charactersAtLimitText": _("You have 0 characters remaining"),
        "textareaDescriptionText": _("You can enter up to %(num)s characters", num="%{count}"),
    }


def field_params(
    question: Question,
    value: str,
    problem: str | None,
    *,
    settings: Settings,
    variant: str,
    context: Mapping[str, object],
    is_page_heading: bool,
    max_length: int | None = None,
) -> dict:
    """``{"macro": ..., "params": ...}`` for one question."""
    label = question.label.get(variant, context)
    hint = say(variant, question.hint, context)
    error = {"text": message(question, problem, variant)} if problem else None
    widget = question.widget
    heading = {"isPageHeading": True, "classes": "govuk-label--l"} if is_page_heading else {}
    legend_heading = (
        {"isPageHeading": True, "classes": "govuk-fieldset__legend--l"}
        if is_page_heading
        else {"classes": "govuk-fieldset__legend--m"}
    )
    common = {"name": question.name, "id": question.name, "errorMessage": error}
    if hint:
        common["hint"] = {"text": hint}

    if widget in _INPUT_TYPES:
        params = {
            **common,
            "label": {"text": label, **heading},
            "type": _INPUT_TYPES[widget],
            "value": value,
            "autocomplete": question.autocomplete,
            "spellcheck": False if widget in ("email", "postcode", "tel") else None,
        }
        if question.width:
            params["classes"] = f"govuk-input--width-{question.width}"
        return {"macro": "input", "params": params}

    if widget == "textarea" and question.rows < 5:
        params = {
            **common,
            "label": {"text": label, **heading},
            "value": value,
            "rows": question.rows,
            "autocomplete": question.autocomplete,
        }
        return {"macro": "short_textarea", "params": params}

    if widget == "textarea":
        params = {
            **common,
            "label": {"text": label, **heading},
            "value": value,
            "rows": question.rows,
            "autocomplete": question.autocomplete,
            "maxlength": max_length,
            **character_count_texts(),
        }
        return {"macro": "textarea", "params": params}

    if widget in ("radios", "checkboxes"):
        chosen = set(value.split(";")) if widget == "checkboxes" else {value}
        items = choices_for(question, settings, variant, context)
        for item in items:
            if item.get("value") in chosen:
                item["checked"] = True
        first = next((item for item in items if "value" in item), None)
        params = {
            **common,
            "idPrefix": question.name,
            "fieldset": {"legend": {"text": label, **legend_heading}},
            "items": items,
        }
        params.pop("id")
        # The error summary links to the first option, as GOV.UK asks.
        if first is not None:
            first["id"] = question.name
        return {"macro": widget, "params": params}

    if widget == "date":
        day, month, year = date_parts(value)
        error_class = " govuk-input--error" if problem else ""
        params = {
            **common,
            "id": question.name,
            "namePrefix": question.name,
            "fieldset": {"legend": {"text": label, **legend_heading}},
            "items": [
                {
                    "name": "day",
                    "label": _("Day"),
                    "classes": "govuk-input--width-2" + error_class,
                    "value": day,
                },
                {
                    "name": "month",
                    "label": _("Month"),
                    "classes": "govuk-input--width-2" + error_class,
                    "value": month,
                },
                {
                    "name": "year",
                    "label": _("Year"),
                    "classes": "govuk-input--width-4" + error_class,
                    "value": year,
                },
            ],
        }
        return {"macro": "date", "params": params}
    raise ValueError(f"question {question.name} has an unknown widget {widget!r}")


def answer_text(question: Question, value: str, *, settings: Settings, variant: str, context):
    """How an answer reads on the check-your-answers page."""
    if not value:
        return _("Not given")
    if question.widget in ("radios", "checkboxes"):
        labels = {
            item["value"]: item["text"]
            for item in choices_for(question, settings, variant, context)
            if "value" in item
        }
        return ", ".join(labels.get(part, part) for part in value.split(";"))
    if question.widget == "date":
        return format_date(date.fromisoformat(value), "d MMMM yyyy")
    return value
