"""What one submission (Intake) or one case (Triage) looks like as a row of text.

A confidential, safeguarding or restricted case (``withheld``) shows only its reference and
status: whoever can open the sheet may not be allowed to open the case, so nothing else of it
(what the person wrote, who is involved, the service) goes there.

Every cell is a string written with value input RAW, so what the public typed
(``=HYPERLINK(...)``, ``+44...``, ``@SUM(...)``) stays text. No cell is longer than Google's
50,000 characters: a longer one is cut, saying so.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from forms_app.casework.flags import is_restricted
from forms_app.casework.state import Case

from .layout import TRIAGE_KEYS, Layout

#: Flags that keep a case's details out of the sheet (besides restriction).
WITHHELD_FLAGS = ("confidential", "safeguarding")
#: The Triage cells a withheld case still shows.
WITHHELD_SHOWN = ("ref", "status")
CELL_LIMIT = 50_000
_LONDON = ZoneInfo("Europe/London")
_CUT = "… [cut: {n} characters in all; the full text is on the case page]"


def cell(value) -> str:
    text = "" if value is None else str(value)
    if len(text) > CELL_LIMIT:
        marker = _CUT.format(n=len(text))
        text = text[: CELL_LIMIT - len(marker)] + marker
    return text


def local_time(text: str) -> str:
    """An ISO datetime with offset as UK local time, ``YYYY-MM-DD HH:MM``."""
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return text or ""
    if moment.tzinfo is not None:
        moment = moment.astimezone(_LONDON)
    return moment.strftime("%Y-%m-%d %H:%M")


def withheld(case: Case) -> bool:
    """True if the sheet shows only the case's reference and status."""
    return is_restricted(case) or any(flag in case.flags for flag in WITHHELD_FLAGS)


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


def intake_row(layout: Layout, submission: dict, personal: dict | None) -> list[str]:
    out = []
    for resource, name, _header in layout.intake_fields:
        source = submission if resource == "submissions" else (personal or {})
        value = source.get(name, "")
        if name == "received":
            value = local_time(value)
        out.append(cell(value))
    return out


def summary_of(details: str, limit: int) -> str:
    text = " ".join((details or "").split())
    if limit <= 0:
        return ""
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + "…"


def triage_values(case: Case, deadline: tuple, summary: str, service_name: str) -> dict[str, str]:
    """The Triage columns of a case as {column key: text}; ``deadline`` is what
    ``CaseIndex.deadline`` returns: (due, what is next, by when, status)."""
    due, what, when, status = deadline
    stage = case.current
    if case.ombudsman_referred:
        stage_text = "ombudsman"
    else:
        stage_text = case.stage if case.kind == "complaint" else ""
    values = {
        "ref": case.ref,
        "received": local_time(case.received.isoformat()),
        "kind": case.kind,
        "service": service_name or case.service,
        "summary": summary,
        "stage": stage_text,
        "status": case.status,
        "owner": case.owner,
        "themes": ", ".join(case.themes),
        "outcome": stage.outcome if stage is not None else "",
        "acknowledged": _iso(stage.acknowledged) if stage is not None else "",
        "acknowledge_by": _iso(due.acknowledge) if due is not None else "",
        "respond_by": _iso(due.respond) if due is not None else "",
        "next_due": f"{what} by {when.isoformat()}" if what and when else "",
        "deadline": status or "",
    }
    if withheld(case):
        return {key: cell(values[key]) if key in WITHHELD_SHOWN else "" for key in values}
    return {key: cell(value) for key, value in values.items()}


def as_row(values: dict[str, str]) -> list[str]:
    return [values.get(key, "") for key in TRIAGE_KEYS]
