"""Staff forms as data: a list of fields per action, read from the posted form and turned into
GOV.UK Frontend macro parameters. Errors use GOV.UK's wording patterns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from forms_app.journeys.answers import typed_text

MAX_TEXT = 10_000


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text, textarea, date, radios, checkboxes, select, confirm
    choices: tuple[tuple[str, str], ...] = ()
    hint: str = ""
    required: bool = True
    max_length: int = 500
    default: str = ""
    rows: int = 4
    error: str = ""  # the "is missing" message, if not the generic one
    extra: dict = field(default_factory=dict)
    # A radios or select field whose choices are only those offered: any other value is passed
    # on for the rules of the change to judge (and refuse with their own reason).
    open_choices: bool = False

    @property
    def missing_message(self) -> str:
        if self.error:
            return self.error
        if self.kind in ("radios", "select"):
            return f"Select {self.label[0].lower()}{self.label[1:]}"
        if self.kind == "checkboxes":
            return f"Select at least one: {self.label.lower()}"
        if self.kind == "confirm":
            return "Confirm this to continue"
        return f"Enter {self.label[0].lower()}{self.label[1:]}"


def read(fields: list[Field], form) -> tuple[dict[str, object], dict[str, str]]:
    """(values, errors) from a posted form. Dates become ``date`` objects, checkboxes lists."""
    values: dict[str, object] = {}
    errors: dict[str, str] = {}
    for f in fields:
        if f.kind == "date":
            parts = [form.get(f"{f.name}-{p}", "").strip() for p in ("day", "month", "year")]
            values[f.name] = "-".join(parts) if any(parts) else ""
            if not any(parts):
                if f.required:
                    errors[f.name] = f.missing_message
                continue
            try:
                values[f.name] = date(int(parts[2]), int(parts[1]), int(parts[0]))
            except ValueError:
                errors[f.name] = f"{f.label} must be a real date, like 27 3 2026"
            continue
        if f.kind == "checkboxes":
            allowed = {value for value, _label in f.choices}
            chosen = [v for v in form.getlist(f.name) if v in allowed]
            values[f.name] = chosen
            if f.required and not chosen:
                errors[f.name] = f.missing_message
            continue
        value = typed_text(form.get(f.name, "")).strip()
        values[f.name] = value
        acceptable = f.open_choices or value in dict(f.choices)
        if f.kind in ("radios", "select") and value and not acceptable:
            errors[f.name] = f.missing_message
            continue
        if f.required and not value:
            errors[f.name] = f.missing_message
        elif len(value) > f.max_length:
            errors[f.name] = f"{f.label} must be {f.max_length} characters or fewer"
    return values, errors


def macro_params(f: Field, value, error: str | None) -> dict:
    """Parameters for the GOV.UK macro that draws this field."""
    common = {"name": f.name, "id": f.name}
    if f.hint:
        common["hint"] = {"text": f.hint}
    if error:
        common["errorMessage"] = {"text": error}
    if f.kind == "text":
        return {**common, "label": {"text": f.label, "classes": "govuk-label--s"}, "value": value}
    if f.kind == "textarea":
        return {
            **common,
            "label": {"text": f.label, "classes": "govuk-label--s"},
            "value": value,
            "rows": f.rows,
        }
    if f.kind == "select":
        items = [{"value": "", "text": "Choose"}] + [
            {"value": v, "text": t, "selected": v == value} for v, t in f.choices
        ]
        return {**common, "label": {"text": f.label, "classes": "govuk-label--s"}, "items": items}
    if f.kind in ("radios", "checkboxes", "confirm"):
        chosen = set(value) if isinstance(value, list | tuple) else {value}
        choices = f.choices or (("yes", f.extra.get("confirm_text", "Yes")),)
        items = [{"value": v, "text": t, "checked": v in chosen} for v, t in choices]
        if items:
            items[0]["id"] = f.name
        params = {
            **common,
            "idPrefix": f.name,
            "fieldset": {"legend": {"text": f.label, "classes": "govuk-fieldset__legend--s"}},
            "items": items,
        }
        params.pop("id")
        if f.kind == "radios" and len(items) <= 2:
            params["classes"] = "govuk-radios--inline"
        if f.kind == "confirm":
            params["name"] = f.name
        return params
    if f.kind == "date":
        if isinstance(value, date):
            day, month, year = str(value.day), str(value.month), str(value.year)
        elif isinstance(value, str) and value.count("-") == 2:
            day, month, year = value.split("-")
        else:
            day = month = year = ""
        error_class = " govuk-input--error" if error else ""
        return {
            **common,
            "namePrefix": f.name,
            "fieldset": {"legend": {"text": f.label, "classes": "govuk-fieldset__legend--s"}},
            "items": [
                {
                    "name": "day",
                    "label": "Day",
                    "classes": "govuk-input--width-2" + error_class,
                    "value": day,
                },
                {
                    "name": "month",
                    "label": "Month",
                    "classes": "govuk-input--width-2" + error_class,
                    "value": month,
                },
                {
                    "name": "year",
                    "label": "Year",
                    "classes": "govuk-input--width-4" + error_class,
                    "value": year,
                },
            ],
        }
    raise ValueError(f"unknown field kind {f.kind}")


def macro_name(f: Field) -> str:
    return {"confirm": "checkboxes", "date": "date"}.get(f.kind, f.kind)


def anchor(f: Field) -> str:
    """Where the error summary links to for this field."""
    return f"{f.name}-day" if f.kind == "date" else f.name
