"""Bulk actions on the inbox, the case list and the lists of the home page's figures: tick
cases, choose acknowledge, assign to a member of staff, or close compliments and comments, and
post (``/staff/bulk``).

Each case still goes through its casework change on its own, with the same checks as its case
page (``forms_app.casework.transitions``) and its own audit line; a case the change does not
fit is left as it is and listed with the reason on the result page. A reference that does not
exist and one this member of staff may not open get the same answer, as the case pages give
(404 for both), so a bulk post cannot be used to learn which references exist.

At most ``MOST`` cases are taken in one post, so one click cannot tie up the store; more is
refused whole, with nothing done, and a clear message.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from forms_app.casework import transitions
from forms_app.casework.events import InvalidEvent, record
from forms_app.casework.listing import Filters, case_rows
from forms_app.casework.state import Case
from forms_app.casework.transitions import Actor, Refused
from forms_app.web.parts import parts
from forms_app.web.uploads import register_too_large_page

from . import blueprint, labels
from .access import can_see
from .action_forms import owner_choices, owner_usernames, procedure_of
from .auth import need
from .context import audit_log, confidential, index, render, today, user
from .pages import _common as common_context

#: The most cases one post may change.
MOST = 100
#: The actions, by the value of the form's ``action`` field: (past tense, for the result).
ACTIONS = {"acknowledge": "acknowledged", "assign": "assigned", "close": "closed"}
#: The kinds "close" may close: they need no outcome, and nothing is promised to the person.
CLOSABLE_KINDS = ("compliment", "comment")
#: Where the result page offers to go back to, by the form's ``back`` field.
BACK = {"inbox": ("staff.inbox", "the inbox"), "cases": ("staff.case_list", "the case list")}
#: The longest reference shown back (anything longer is not a reference, and is cut).
SHOWN = 40
NOT_FOUND = "No case with this reference that you can open"


@dataclass(frozen=True)
class Outcome:
    """What became of one reference: done, or refused with the reason."""

    ref: str
    done: bool
    reason: str = ""


@blueprint.context_processor
def _bulk_for_templates():
    # A function: only the pages with the bulk form pay for the list of owners.
    return {"bulk_owners": owner_choices, "bulk_most": MOST}


@blueprint.record_once
def _too_large_page(state):
    register_too_large_page(state.app, "staff.bulk", too_large)


def too_large():
    """The page for a bulk post over the request limits (thousands of references). The limit
    is met before sign-in is checked, so the page shows nothing but the limit."""
    return _refused_whole(
        f"That was too many cases for one go. Choose at most {MOST} cases at a time.", 413
    )


@blueprint.route("/bulk", methods=["POST"])
@need("officer", "manager")
def bulk():
    try:
        form = request.form
        raw_refs = form.getlist("refs")
    except RequestEntityTooLarge:
        return too_large()
    if len(raw_refs) > MOST:
        audit_log("bulk.refused", detail=f"{len(raw_refs)} references: more than {MOST}")
        return _refused_whole(
            f"You selected {len(raw_refs):,} cases. Choose at most {MOST} cases at a time.", 400
        )
    refs = list(dict.fromkeys(shown for ref in raw_refs if (shown := _shown(ref))))
    values = {
        "action": form.get("action", ""),
        "owner": form.get("owner", ""),
        "independent": form.get("independent", ""),
    }
    errors = _form_errors(values, refs)
    if errors:
        return _again(refs, values, errors)
    outcomes = [_one(ref, values) for ref in refs]
    done = sum(o.done for o in outcomes)
    audit_log(
        "bulk.done",
        detail=f"action={values['action']} done={done} refused={len(outcomes) - done}",
    )
    return render(
        "staff/bulk_result.html",
        title="Bulk action: result",
        action=values["action"],
        past=ACTIONS[values["action"]],
        outcomes=outcomes,
        done=done,
        refused=[o for o in outcomes if not o.done],
        not_found=NOT_FOUND,
        back=_back(),
    )


def _shown(ref: str) -> str:
    """A posted reference as it may be looked up and shown: trimmed, printable, not long."""
    return "".join(ch for ch in ref.strip() if ch.isprintable())[:SHOWN]


def _form_errors(values: dict, refs: list[str]) -> dict[str, str]:
    errors = {}
    if not refs:
        errors["refs"] = "Select at least one case"
    if values["action"] not in ACTIONS:
        errors["action"] = "Choose what to do with the selected cases"
    elif values["action"] == "assign":
        if values["owner"] not in owner_usernames():
            errors["owner"] = "Choose the person to assign the cases to"
        if values["independent"] != "yes":
            errors["independent"] = "Confirm the person is not someone the feedback is about"
    return errors


def _one(ref: str, values: dict) -> Outcome:
    """Make the change to one case, or say why not. Audited either way."""
    me = user()
    case = index().get(ref)
    if case is None or not can_see(me, case, confidential()):
        audit_log("case.denied", ref=ref if case is not None else None, detail="bulk")
        return Outcome(ref, False, NOT_FOUND)
    action = values["action"]
    try:
        rows = _change(case, action, values, Actor(me.username, today()))
        record(parts().store, parts().contract, rows)
    except Refused as refusal:
        audit_log("case.bulk_refused", ref=case.ref, detail=f"{action}: {refusal.reason}")
        return Outcome(case.ref, False, refusal.reason)
    except InvalidEvent as error:
        audit_log("case.bulk_refused", ref=case.ref, detail=f"{action}: {error}")
        return Outcome(case.ref, False, "A value was not allowed: nothing was changed")
    types = sorted({r["type"] for r in rows})
    audit_log("case.change", ref=case.ref, fields=types, detail=f"bulk {action}")
    return Outcome(case.ref, True)


def _change(case: Case, action: str, values: dict, actor: Actor) -> list[dict]:
    """The casework change ``action`` makes to ``case`` (raises ``Refused`` when it does not
    fit the case)."""
    if "restricted" in case.flags:
        raise Refused(
            "Processing of this case is restricted: open the case to see what may be done"
        )
    if action == "acknowledge":
        return transitions.acknowledge(case, actor)
    if action == "assign":
        if case.owner == values["owner"]:
            raise Refused("The case is already with that person")
        return transitions.assign(
            case,
            actor,
            values["owner"],
            owners=owner_usernames(),
            procedure=procedure_of(case),
            note="Assigned in bulk. Checked: not a person the feedback is about",
        )
    if case.kind not in CLOSABLE_KINDS:
        kind = labels.KINDS.get(case.kind, case.kind).lower()
        raise Refused(
            f"{case.ref} is {_article(kind)} {kind} and cannot be closed this way: "
            "close it from its case page"
        )
    return transitions.close(case, actor, "Closed in bulk")


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _back() -> dict:
    endpoint, words = BACK.get(request.form.get("back", ""), ("staff.home", "your home page"))
    return {"url": url_for(endpoint), "words": words}


def _again(refs: list[str], values: dict, errors: dict[str, str]):
    """The bulk form shown again with what was chosen (the cases this person may open, still
    ticked) and what is missing."""
    me = user()
    cases = [c for ref in refs if (c := index().get(ref)) and can_see(me, c, confidential())]
    rows = case_rows(index(), cases, today(), Filters(sort="ref"))
    audit_log("bulk.form_again", detail=", ".join(sorted(errors)))
    return render(
        "staff/bulk.html",
        title="Bulk action: check what you chose",
        rows=rows,
        checked=set(refs),
        bulk=True,
        bulk_values=values,
        bulk_errors=errors,
        error_list=[{"text": text, "href": f"#{_anchor(name)}"} for name, text in errors.items()],
        back=_back(),
        back_to=request.form.get("back", ""),
        **common_context(),
    ), 400


def _anchor(name: str) -> str:
    return {
        "refs": "bulk-cases",
        "action": "action",
        "owner": "owner",
        "independent": "independent",
    }[name]


def _refused_whole(message: str, status: int):
    """A post refused as a whole (nothing done): the reason, and the way back."""
    return render(
        "staff/bulk.html",
        title="Bulk action: too many cases",
        rows=[],
        checked=set(),
        bulk=False,
        bulk_values={},
        bulk_errors={},
        error_list=[{"text": message, "href": "#bulk-cases"}],
        whole=message,
        back=_back_safely(),
        back_to="",
    ), status


def _back_safely() -> dict:
    # The form may be unreadable (it was too large): go back home.
    try:
        return _back()
    except RequestEntityTooLarge:
        return {"url": url_for("staff.home"), "words": "your home page"}
