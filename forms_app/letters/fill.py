"""Filling a letter template: the case, the person and the procedure as Jinja values, in the
person's language. Templates run in Jinja's sandbox (the organisation edits them).

Every value a template prints is made literal Markdown (``markdown_literal``): a name such as
``[click](https://...)`` or ``**Jo**`` prints as those characters, never as a link, an image or
bold type. HTML is escaped later, when the whole letter becomes HTML (``document.body_html``),
which also covers what staff type when they edit a letter before producing it."""

from __future__ import annotations

import re
from datetime import date

from babel.dates import format_date
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from forms_app.casework.deadlines import Due
from forms_app.casework.state import Case
from forms_app.organisation.settings import Settings
from forms_app.procedures.profiles import Procedure, Target

WELSH_STAGE_NAMES = {
    "Stage 1": "Cam 1",
    "Stage 2": "Cam 2",
    "Appeal": "Apêl",
    "Local resolution": "Datrys yn lleol",
    "Stage 1: local resolution": "Cam 1: datrys yn lleol",
    "Stage 2: formal investigation": "Cam 2: ymchwiliad ffurfiol",
    "Investigation and response": "Ymchwiliad ac ymateb",
    "Stage 1: frontline response": "Cam 1: ymateb rheng flaen",
    "Stage 2: investigation": "Cam 2: ymchwiliad",
}
WELSH_BODIES = {
    "Public Services Ombudsman for Wales": "Ombwdsmon Gwasanaethau Cyhoeddus Cymru",
    "Charity Commission for England and Wales": "Comisiwn Elusennau Cymru a Lloegr",
}


#: Characters that make inline Markdown anywhere in a line: emphasis, code, links and images
#: (an image or a link needs its square brackets, so escaping those stops both).
_INLINE = re.compile(r"([\\`*_\[\]])")
#: What makes a line a heading, a quotation or a list item when it starts the line.
_BLOCK_START = re.compile(r"^([#>+-])")
_NUMBERED = re.compile(r"^(\d+)([.)])")
#: A line of equals signs under another line makes that line a heading.
_UNDERLINE = re.compile(r"^=+[ =]*$")


def markdown_literal(value):
    """``value`` as Markdown that prints exactly its characters, when it is text (other values
    are returned as they are). Each line loses its leading and trailing spaces (four spaces
    would start a code block, two at the end a line break) and gains a backslash before each
    character Markdown would act on."""
    if not isinstance(value, str):
        return value
    return "\n".join(_literal_line(line.strip()) for line in value.split("\n"))


def _literal_line(line: str) -> str:
    line = _INLINE.sub(r"\\\1", line)
    if _UNDERLINE.match(line):
        # "=" has no Markdown escape: a leading backslash stops the heading (and shows).
        return "\\" + line
    line = _BLOCK_START.sub(r"\\\1", line)
    return _NUMBERED.sub(r"\1\\\2", line)


def environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        # Every printed value, whatever a template does with it first (``|lower``, ``or``).
        finalize=markdown_literal,
    )


def long_date(value: date | None, language: str) -> str:
    if value is None:
        return ""
    return format_date(value, "d MMMM yyyy", locale="cy" if language == "cy" else "en_GB")


def target_words(target: Target | None, language: str) -> str:
    """'3 working days' / '3 diwrnod gwaith'; '' when there is no time set."""
    if target is None:
        return ""
    if language == "cy":
        return (
            f"{target.days} diwrnod gwaith"
            if target.unit == "working"
            else f"{target.days} diwrnod"
        )
    plural = "" if target.days == 1 else "s"
    return (
        f"{target.days} working day{plural}"
        if target.unit == "working"
        else f"{target.days} day{plural}"
    )


def stage_name(name: str, language: str) -> str:
    return WELSH_STAGE_NAMES.get(name, name) if language == "cy" else name


def context(
    *,
    case: Case,
    personal: dict | None,
    submission: dict,
    settings: Settings,
    procedure: Procedure,
    due: Due | None,
    officer: str,
    signatory: str,
    language: str,
    today: date,
) -> dict:
    """Every value a letter template can use (documented in letters/README.md)."""
    personal = personal or {}
    codes = [s.code for s in procedure.stages]
    current = procedure.stage(case.stage) if case.stage in codes else None
    later = codes[codes.index(case.stage) + 1 :] if case.stage in codes else []
    following = procedure.stage(later[0]) if later else None
    stage_state = case.current
    organisation = settings.localised("organisation", language)
    contact = settings.localised("contact", language)
    escalation = {"note": "", **procedure.escalation}
    if language == "cy":
        escalation["name"] = WELSH_BODIES.get(escalation["name"], escalation["name"])
    address = [line for line in (personal.get("address") or "").splitlines() if line.strip()]
    if personal.get("postcode"):
        address.append(personal["postcode"])
    return {
        "language": language,
        "today": long_date(today, language),
        "org": {
            "name": organisation["name"],
            "phone": contact.get("phone", ""),
            "email": contact.get("email", ""),
            "address": contact.get("address", ""),
            "website": organisation.get("website") or settings.site_url,
        },
        "advocacy": settings.localised("advocacy", language),
        "person": {
            "name": personal.get("name") or "",
            "address": address,
            "subject_name": personal.get("subject_name") or "",
        },
        "case": {
            "ref": case.ref,
            "kind": case.kind,
            "received": long_date(case.received.date(), language),
            "service": settings.service_name(case.service, language) or "",
            "thank_who": submission.get("thank_who") or "",
            "stage": stage_name(current.name, language) if current else "",
            "stage_code": case.stage,
            "outcome": stage_state.outcome if stage_state else "",
            "findings": stage_state.findings if stage_state else "",
            "cause": stage_state.cause if stage_state else "",
            "remedy": stage_state.remedy if stage_state else "",
            # The dates as promised to the person: never a weekend, bank holiday or closure day.
            "acknowledge_by": long_date(due.acknowledge_promised, language) if due else "",
            "respond_by": long_date(due.respond_promised, language) if due else "",
            "extended": bool(stage_state and stage_state.extended_to),
            "extension_reason": _last_note(case, "extension_agreed"),
        },
        "officer": officer,
        "signatory": signatory,
        "stage_respond_time": target_words(current.respond if current else None, language),
        "next_stage": {
            "name": stage_name(following.name, language) if following else "",
            "acknowledge": target_words(following.acknowledge if following else None, language),
            "respond": target_words(following.respond if following else None, language),
        }
        if following
        else None,
        "escalation": escalation,
        "procedure": {"name": procedure.name, "code": procedure.code},
    }


def _last_note(case: Case, type_: str) -> str:
    for event in reversed(case.events):
        if event["type"] == type_:
            return event.get("note") or ""
    return ""


def fill(source: str, values: dict) -> str:
    """The template's Markdown with the values in (sandboxed; a missing value is an error)."""
    return environment().from_string(source).render(**values)
