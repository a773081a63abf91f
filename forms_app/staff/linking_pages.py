"""Related and duplicate cases on the staff pages: linking and unlinking a related case, merging
a duplicate into the case that carries on (with a confirmation page first), and what the case
page and the triage form show about them (possible duplicates, related cases, a banner on a
merged case, and the files and replies of the duplicates merged into a case), and undoing a
merge, which only managers may do (with a confirmation page first).

The rules are in ``forms_app.casework.linking``. A case the member of staff may not open is
never listed, and a reference typed for one is refused in the same words as a reference that
does not exist. Every link, unlink, merge and unmerge is audited on each case it changes.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import flash, redirect, request, url_for

from forms_app.casework.events import InvalidEvent, record
from forms_app.casework.flags import is_restricted
from forms_app.casework.linking import (
    can_merge,
    link,
    merge,
    possible_duplicates,
    unlink,
    unmerge,
)
from forms_app.casework.state import Case
from forms_app.casework.transitions import Actor, Refused
from forms_app.storage.references import normalise_reference
from forms_app.web.parts import parts

from . import blueprint, labels
from .access import CASE_ROLES, can_see
from .auth import need
from .case_files import files_section
from .context import audit_log, confidential, index, render, today, user, visible_case
from .search_pages import search_index

LONDON = ZoneInfo("Europe/London")
MAX_REFERENCE = 100  # characters read of a typed reference; longer is no reference of ours
MAX_NOTE = 2000


def _sees(case: Case) -> bool:
    return can_see(user(), case, confidential())


def _visible(ref: str) -> Case | None:
    """The case if it exists and this member of staff may open it."""
    case = index().get(ref) if ref else None
    return case if case is not None and _sees(case) else None


def find_typed(raw: str) -> Case | None:
    """The case a typed reference names (any spacing or case; an imported reference as
    written), or None."""
    text = (raw or "").strip()[:MAX_REFERENCE]
    if not text:
        return None
    for ref in (normalise_reference(text), text, text.upper()):
        if ref:
            case = index().get(ref)
            if case is not None:
                return case
    return None


def duplicates_of(case: Case, personal: dict | None) -> list:
    """The possible duplicates of a case this member of staff may open."""
    return possible_duplicates(case, personal, search_index(), index().get, _sees)


def _when(at: str) -> str:
    return datetime.fromisoformat(at).astimezone(LONDON).strftime("%-d %b %Y %H:%M")


def linking_context(case: Case, personal: dict | None) -> dict:
    """What the case page shows about related and duplicate cases."""
    merged_from = []
    for ref in case.merged_from:
        duplicate = _visible(ref)
        if duplicate is None:
            continue
        replies = [
            {"when": _when(e["at"]), "note": e.get("note") or ""}
            for e in duplicate.events
            if e["type"] == "person_replied"
        ]
        merged_from.append(
            {"case": duplicate, "files": files_section(ref, duplicate.events), "replies": replies}
        )
    offered = user().has(*CASE_ROLES) and not is_restricted(case) and case.status != "merged"
    return {
        "duplicates": duplicates_of(case, personal) if case.status != "merged" else [],
        "related": [c for c in (_visible(ref) for ref in case.links) if c is not None],
        "survivor": _visible(case.merged_into) if case.merged_into else None,
        "merged_from": merged_from,
        "may_link": offered,
        "may_merge": offered and can_merge(case),
        "may_unmerge": user().has("manager") and not is_restricted(case),
    }


def triage_context(case: Case, personal: dict | None) -> dict:
    """What the triage form shows above its fields: the possible duplicates."""
    shown = linking_context(case, personal)
    return {
        "duplicates": shown["duplicates"],
        "survivor": shown["survivor"],
        "may_merge": shown["may_merge"],
        "kinds": labels.KINDS,
        "case_status": labels.CASE_STATUS,
    }


#: The events that name another case in their ``value``.
LINK_EVENTS = ("case_linked", "case_unlinked", "merged_into", "merged_from", "unmerged")


def describe_link(event: dict) -> str:
    """The case an event names, as the timeline shows it: its reference if this member of staff
    may open it, else only "another case"."""
    return event["value"] if _visible(event.get("value") or "") else "another case"


# -- the pages ----------------------------------------------------------------------------------


def _form(case: Case, mode: str, values: dict, errors: dict, status: int = 200, **extra):
    titles = {
        "link": "Link a related case",
        "merge": "Merge into another case",
        "confirm": "Check the merge",
        "unmerge": "Undo the merge",
    }
    return render(
        "staff/linking.html",
        title=titles[mode],
        case=case,
        mode=mode,
        values=values,
        errors=errors,
        kinds=labels.KINDS,
        case_status=labels.CASE_STATUS,
        **extra,
    ), status


def _read() -> dict:
    return {
        "other": (request.form.get("other") or "").strip()[:MAX_REFERENCE],
        "note": (request.form.get("note") or "").strip()[:MAX_NOTE],
    }


def _store(rows: list[dict]) -> None:
    record(parts().store, parts().contract, rows)


@blueprint.route("/cases/<ref>/link", methods=["GET", "POST"])
@need(*CASE_ROLES)
def case_link(ref):
    case = visible_case(ref)
    if request.method == "GET":
        audit_log("case.action_form", ref=case.ref, detail="link")
        return _form(case, "link", {"other": "", "note": ""}, {})
    values = _read()
    if not values["other"]:
        missing = {"other": "Enter the reference of the related case"}
        return _form(case, "link", values, missing, 400)
    other = find_typed(values["other"])
    try:
        rows = link(case, other, Actor(user().username, today()), sees=_sees, note=values["note"])
        _store(rows)
    except Refused as refusal:
        return _form(case, "link", values, {"other": refusal.reason}, 400)
    except InvalidEvent:
        return _form(case, "link", values, {"note": "That note is not allowed"}, 400)
    for row in rows:
        audit_log("case.link", ref=row["ref"], fields=["case_linked"], detail=row["value"])
    flash(f"Linked to {other.ref}.")
    return redirect(url_for("staff.case", ref=case.ref))


@blueprint.route("/cases/<ref>/unlink", methods=["POST"])
@need(*CASE_ROLES)
def case_unlink(ref):
    case = visible_case(ref)
    other = find_typed(request.form.get("other") or "")
    try:
        rows = unlink(case, other, Actor(user().username, today()), sees=_sees)
        _store(rows)
    except Refused as refusal:
        flash(refusal.reason, "refused")
    else:
        for row in rows:
            audit_log("case.unlink", ref=row["ref"], fields=["case_unlinked"], detail=row["value"])
        flash(f"No longer linked to {other.ref}.")
    return redirect(url_for("staff.case", ref=case.ref))


@blueprint.route("/cases/<ref>/merge", methods=["GET", "POST"])
@need(*CASE_ROLES)
def case_merge(ref):
    """Merge this case (the duplicate) into another: the form, then a confirmation page, then
    the merge. Nothing is changed until the confirmation is posted."""
    case = visible_case(ref)
    if request.method == "GET":
        audit_log("case.action_form", ref=case.ref, detail="merge")
        typed = (request.args.get("into") or "").strip()[:MAX_REFERENCE]
        return _form(case, "merge", {"other": typed, "note": ""}, {})
    values = _read()
    if not values["other"]:
        return _form(
            case, "merge", values, {"other": "Enter the reference of the case to merge into"}, 400
        )
    survivor = find_typed(values["other"])
    actor = Actor(user().username, today())
    try:
        rows = merge(case, survivor, actor, sees=_sees, note=values["note"])
    except Refused as refusal:
        return _form(case, "merge", values, {refusal.about or "other": refusal.reason}, 400)
    if request.form.get("confirmed") != "yes":
        return _form(case, "confirm", {**values, "other": survivor.ref}, {}, survivor=survivor)
    try:
        _store(rows)
    except InvalidEvent:
        return _form(case, "merge", values, {"note": "That note is not allowed"}, 400)
    audit_log("case.merge", ref=case.ref, fields=["merged_into"], detail=f"into {survivor.ref}")
    audit_log("case.merge", ref=survivor.ref, fields=["merged_from"], detail=f"from {case.ref}")
    flash(f"{case.ref} was merged into this case.")
    return redirect(url_for("staff.case", ref=survivor.ref))


@blueprint.route("/cases/<ref>/unmerge", methods=["GET", "POST"])
@need("manager")
def case_unmerge(ref):
    """Undo the merge of this case (the duplicate) into the case it was merged into: a page
    saying what will change, then the change once it is confirmed."""
    case = visible_case(ref)
    survivor = index().get(case.merged_into) if case.merged_into else None
    actor = Actor(user().username, today())
    values = _read() if request.method == "POST" else {"other": case.merged_into, "note": ""}
    try:
        rows = unmerge(case, survivor, actor, sees=_sees, note=values["note"])
    except Refused as refusal:
        flash(refusal.reason, "refused")
        return redirect(url_for("staff.case", ref=case.ref))
    if request.method == "GET":
        audit_log("case.action_form", ref=case.ref, detail="unmerge")
        return _form(case, "unmerge", values, {}, survivor=survivor)
    try:
        _store(rows)
    except InvalidEvent:
        return _form(
            case, "unmerge", values, {"note": "That note is not allowed"}, 400, survivor=survivor
        )
    audit_log("case.unmerge", ref=case.ref, fields=["merged_into"], detail=f"from {survivor.ref}")
    audit_log("case.unmerge", ref=survivor.ref, fields=["merged_from"], detail=f"of {case.ref}")
    flash(f"The merge into {survivor.ref} was undone: this case is open again.")
    return redirect(url_for("staff.case", ref=case.ref))
