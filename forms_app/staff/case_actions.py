"""The pages of the staff actions on a case (``/staff/cases/<ref>/do/<action>``), also used by
the publication approval (``publication_approval``): show the action's form, read it, make the
casework change, store its events, and go back to the case; or show the form again with the
reason a change was refused.

What each action asks for is in ``action_forms`` (the changes that move a case along) and
``record_forms`` (the ones that add to its record); what each change does and when it is
refused, in ``forms_app.casework.transitions`` and ``forms_app.casework.annotations``.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for

from forms_app.casework.events import InvalidEvent, record
from forms_app.casework.state import Case
from forms_app.casework.transitions import Actor, Refused, refuse_while_restricted
from forms_app.web.parts import parts

from . import action_forms as moves
from . import blueprint
from . import record_forms as records
from .action_forms import StaffAction
from .context import audit_log, index, render, today, user, visible_case
from .fields import anchor, macro_name, macro_params, read
from .linking_pages import triage_context
from .notify import safeguarding_alert

#: The actions on the case page, in the order it lists them, by the name in their address.
ACTIONS: dict[str, StaffAction] = {
    action.name: action
    for action in (
        moves.Triage(),
        moves.Acknowledge(),
        records.LogContact(),
        records.AddNote(),
        moves.Extend(),
        moves.Pause(),
        moves.Resume(),
        moves.RecordOutcome(),
        moves.SignOff(),
        moves.Escalate(),
        moves.RecordOmbudsmanOutcome(),
        records.SetFlag(),
        records.ClearFlag(),
        records.AddLearningAction(),
        records.UpdateLearningAction(),
        moves.Close(),
        moves.Reopen(),
        moves.Withdraw(),
    )
}


def run_action(
    case: Case,
    act: StaffAction,
    back_url: str,
    done_url: str,
    template="staff/action.html",
    *,
    show_only: bool = False,
    **context,
):
    """Show an action's form, or apply it: check the fields, append the events, go back.

    With ``show_only`` a posted form is checked and shown again, never applied (the
    publication page shows what will be published before it can be approved)."""
    fields = act.fields(case)
    values: dict = {f.name: f.default for f in fields}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values, errors = read(fields, request.form)
        if not errors and not show_only:
            try:
                rows = act.perform(case, values, Actor(user().username, today()))
                if rows:
                    record(parts().store, parts().contract, rows)
            except Refused as refusal:
                # Shown beside the field the reason is about, else beside the first one.
                names = [f.name for f in fields]
                errors = {refusal.about if refusal.about in names else names[0]: refusal.reason}
            except InvalidEvent as error:
                errors = {p.field: f"That value is not allowed ({p.code})" for p in error.problems}
            else:
                audit_log(
                    "case.change",
                    ref=case.ref,
                    fields=sorted({r["type"] for r in rows}),
                    detail=act.name,
                )
                flagged = [
                    r for r in rows if r["type"] == "flag_set" and r["value"] == "safeguarding"
                ]
                if flagged:
                    queued = safeguarding_alert(
                        index().get(case.ref), user().name, flagged[0]["event_id"]
                    )
                    # Queued, not sent: the message worker sends it (and tries again while
                    # the mail server is down); the home page shows the case at once.
                    flash(
                        "The safeguarding lead will be alerted by email: the alert is queued "
                        "to send. The case is on their home page now."
                        if queued
                        else "The case is on the safeguarding lead's home page."
                    )
                flash(f"{act.title}: done.")
                return redirect(done_url)
    drawn = [
        {
            "macro": macro_name(f),
            "params": macro_params(f, values.get(f.name, ""), errors.get(f.name)),
        }
        for f in fields
    ]
    return render(
        template,
        title=act.title,
        case=case,
        action=act,
        fields=drawn,
        errors=errors,
        anchors={f.name: anchor(f) for f in fields},
        back_url=back_url,
        **context,
    ), (400 if errors else 200)


@blueprint.route("/cases/<ref>/do/<name>", methods=["GET", "POST"])
def case_action(ref, name):
    case = visible_case(ref)
    act = ACTIONS.get(name)
    if act is None or not act.allowed(user(), case):
        abort(404)
    if not act.offered(user(), case):
        # Allowed but for the restriction: say so rather than pretend the action is missing.
        try:
            refuse_while_restricted(case, Actor(user().username, today()), act.title.lower())
        except Refused as refusal:
            flash(refusal.reason, "refused")
        return redirect(url_for("staff.case", ref=case.ref))
    audit_log("case.action_form", ref=case.ref, detail=name)
    case_url = url_for("staff.case", ref=case.ref)
    if name == "triage":
        # Triage is where a second case from the same person is noticed: list the candidates.
        personal = index().personal(case.ref)
        return run_action(case, act, case_url, case_url, **triage_context(case, personal))
    return run_action(case, act, case_url, case_url)
