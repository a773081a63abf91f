"""Everything staff can do to a case, each an action with its own page: the fields it asks for,
who may use it and when, and the events it appends. ``/staff/cases/<ref>/do/<action>``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask import abort, flash, redirect, request, url_for

from forms_app.accounts import User
from forms_app.casework.actions import new_action_id
from forms_app.casework.events import InvalidEvent, event, record
from forms_app.casework.state import CHANNELS, FLAGS, Case
from forms_app.web.parts import parts

from . import blueprint, labels
from .access import CASE_ROLES, can_publish
from .context import audit_log, index, render, today, user, users, visible_case
from .fields import Field, anchor, macro_name, macro_params, read
from .notify import safeguarding_alert


class FormError(Exception):
    def __init__(self, errors: dict[str, str]):
        super().__init__(str(errors))
        self.errors = errors


@dataclass(frozen=True)
class Action:
    name: str
    title: str
    button: str
    fields: Callable[[Case], list[Field]]
    allowed: Callable[[User, Case], bool]
    perform: Callable[[Case, dict, User], list[dict]]
    intro: str = ""


ACTIONS: dict[str, Action] = {}


def action(name, title, button, *, allowed, intro=""):
    def decorator(fields_and_perform):
        fields, perform = fields_and_perform()
        ACTIONS[name] = Action(name, title, button, fields, allowed, perform, intro)
        return fields_and_perform

    return decorator


# -- helpers -------------------------------------------------------------------------------


def _procedure(case: Case):
    return index().procedure_for(case.procedure)


def _stage_code(case: Case) -> str:
    return case.stage if case.kind == "complaint" else ""


def _owners() -> tuple[tuple[str, str], ...]:
    return tuple(
        (u.username, u.name) for u in users().all() if u.active and u.has("officer", "manager")
    )


def _worker(u: User, case: Case) -> bool:
    return u.has(*CASE_ROLES) and case.is_open


def _iso(value) -> str:
    return value.isoformat() if isinstance(value, date) else ""


def _ev(case: Case, u: User, type_: str, **values) -> dict:
    return event(case.ref, u.username, type_, **values)


def _no_future(values: dict, name: str, errors: dict) -> None:
    if isinstance(values.get(name), date) and values[name] > today():
        errors[name] = "The date must be today or in the past"


OUTCOME_CHOICES = tuple(
    (code, labels.OUTCOMES[code])
    for code in ("upheld", "partially_upheld", "not_upheld", "resolved", "other")
)

# -- the actions ---------------------------------------------------------------------------


@action("triage", "Triage", "Save triage", allowed=_worker)
def _triage():
    def fields(case):
        settings = parts().settings
        return [
            Field(
                "kind",
                "Kind of feedback",
                "radios",
                tuple(labels.KINDS.items()),
                default=case.kind,
                hint="An enquiry can become a complaint; a complaint sorted out on the spot "
                "can become a concern.",
            ),
            Field(
                "service",
                "Service",
                "select",
                tuple((s.code, s.name) for s in settings.services),
                default=case.service,
            ),
            Field(
                "themes",
                "Themes",
                "checkboxes",
                tuple((t.code, t.name) for t in settings.themes),
                default=case.themes,
            ),
            Field(
                "owner",
                "Owner",
                "select",
                _owners(),
                default=case.owner,
                hint="The person who will handle it.",
            ),
            Field(
                "independent",
                "Independence",
                "confirm",
                required=True,
                extra={
                    "confirm_text": "The owner is not a person the feedback is about, "
                    "and is not investigating their own practice"
                },
                error="Confirm the owner is not a person the feedback is about",
            ),
        ]

    def perform(case, v, u):
        rows = []
        if v["kind"] != case.kind:
            rows.append(_ev(case, u, "kind_changed", kind=v["kind"], note=f"was {case.kind}"))
        if v["service"] != case.service:
            rows.append(_ev(case, u, "service_changed", value=v["service"]))
        for theme in v["themes"]:
            if theme not in case.themes:
                rows.append(_ev(case, u, "theme_added", value=theme))
        for theme in case.themes:
            if theme not in v["themes"]:
                rows.append(_ev(case, u, "theme_removed", value=theme))
        if v["owner"] != case.owner:
            rows.append(
                _ev(
                    case,
                    u,
                    "assigned",
                    value=v["owner"],
                    stage=_stage_code(case) if v["kind"] == "complaint" else "",
                    note="Checked: not a person the feedback is about",
                )
            )
        return rows

    return fields, perform


@action(
    "acknowledge",
    "Record the acknowledgement",
    "Record acknowledgement",
    allowed=lambda u, c: _worker(u, c) and c.current is not None and c.current.acknowledged is None,
)
def _acknowledge():
    def fields(case):
        return [
            Field(
                "on",
                "Date acknowledged",
                "date",
                required=False,
                hint="Leave blank for today. For example, 27 3 2026",
            )
        ]

    def perform(case, v, u):
        errors = {}
        _no_future(v, "on", errors)
        if errors:
            raise FormError(errors)
        return [_ev(case, u, "acknowledged", stage=_stage_code(case), value=_iso(v["on"]))]

    return fields, perform


@action("contact", "Log a contact", "Log contact", allowed=lambda u, c: u.has(*CASE_ROLES))
def _contact():
    def fields(case):
        return [
            Field(
                "channel",
                "How was the contact made",
                "radios",
                tuple((c, labels.CHANNELS[c]) for c in CHANNELS),
            ),
            Field("summary", "What was said or agreed", "textarea", max_length=10_000, rows=5),
        ]

    def perform(case, v, u):
        return [
            _ev(
                case,
                u,
                "contact_logged",
                stage=_stage_code(case),
                value=v["channel"],
                note=v["summary"],
            )
        ]

    return fields, perform


@action("note", "Add a note", "Add note", allowed=lambda u, c: u.has(*CASE_ROLES))
def _note():
    def fields(case):
        return [Field("note", "Note", "textarea", max_length=10_000, rows=6)]

    def perform(case, v, u):
        return [_ev(case, u, "note", stage=_stage_code(case), note=v["note"])]

    return fields, perform


@action(
    "extend",
    "Agree an extension",
    "Agree extension",
    allowed=lambda u, c: _worker(u, c) and c.current is not None and not c.current.outcome,
)
def _extend():
    def fields(case):
        hint = "The date agreed with the person. For example, 27 3 2026"
        if case.kind == "complaint":
            rule = _procedure(case).stage(case.stage).extension
            if rule:
                hint += f". The procedure says: {rule}"
        return [
            Field("until", "New response date", "date", hint=hint),
            Field(
                "reason",
                "Reason for the extension",
                "textarea",
                hint="Tell the person the reason and the new date (a holding letter).",
                max_length=10_000,
            ),
        ]

    def perform(case, v, u):
        if v["until"] <= today():
            raise FormError({"until": "The new response date must be in the future"})
        return [
            _ev(
                case,
                u,
                "extension_agreed",
                stage=_stage_code(case),
                value=v["until"].isoformat(),
                note=v["reason"],
            )
        ]

    return fields, perform


@action(
    "pause",
    "Pause the clock",
    "Pause the clock",
    allowed=lambda u, c: _worker(u, c) and c.current is not None and not c.current.paused,
    intro="Pause while waiting for the person (for example for consent or information). "
    "The response date moves on by the working days paused.",
)
def _pause():
    def fields(case):
        return [Field("reason", "What are you waiting for", "textarea", max_length=10_000)]

    def perform(case, v, u):
        return [_ev(case, u, "paused", stage=_stage_code(case), note=v["reason"])]

    return fields, perform


@action(
    "resume",
    "Restart the clock",
    "Restart the clock",
    allowed=lambda u, c: _worker(u, c) and c.current is not None and c.current.paused,
)
def _resume():
    def fields(case):
        return [Field("note", "What happened", "textarea", required=False, max_length=10_000)]

    def perform(case, v, u):
        return [_ev(case, u, "resumed", stage=_stage_code(case), note=v["note"])]

    return fields, perform


@action(
    "outcome",
    "Record the outcome",
    "Record outcome",
    allowed=lambda u, c: (
        _worker(u, c) and c.kind in ("complaint", "concern", "enquiry") and c.current is not None
    ),
)
def _outcome():
    def fields(case):
        stage = case.current
        return [
            Field(
                "outcome",
                "Outcome",
                "radios",
                OUTCOME_CHOICES,
                default=stage.outcome if stage else "",
            ),
            Field(
                "findings",
                "What was found",
                "textarea",
                max_length=10_000,
                rows=5,
                default=stage.findings if stage else "",
            ),
            Field(
                "cause",
                "Underlying cause",
                "textarea",
                max_length=10_000,
                hint="Why it happened, not what happened.",
                default=stage.cause if stage else "",
            ),
            Field(
                "remedy",
                "Remedy and action taken",
                "textarea",
                max_length=10_000,
                hint="For example an apology, a change to a visit, a refund.",
                default=stage.remedy if stage else "",
            ),
            Field(
                "on", "Date of the response", "date", required=False, hint="Leave blank for today."
            ),
        ]

    def perform(case, v, u):
        errors = {}
        _no_future(v, "on", errors)
        if errors:
            raise FormError(errors)
        stage = _stage_code(case)
        rows = []
        if case.current.responded is None:
            rows.append(_ev(case, u, "responded", stage=stage, value=_iso(v["on"])))
        rows += [
            _ev(case, u, "outcome_recorded", stage=stage, outcome=v["outcome"], note=v["findings"]),
            _ev(case, u, "cause_recorded", stage=stage, note=v["cause"]),
            _ev(case, u, "remedy_recorded", stage=stage, note=v["remedy"]),
        ]
        return rows

    return fields, perform


@action(
    "sign-off",
    "Sign off the response",
    "Sign off",
    allowed=lambda u, c: (
        u.has("manager")
        and c.current is not None
        and bool(c.current.outcome)
        and not c.current.signed_off_by
    ),
    intro="As the responsible person, confirm the investigation is complete and the "
    "response answers every part of the complaint.",
)
def _sign_off():
    def fields(case):
        return [
            Field(
                "confirm",
                "Sign-off",
                "confirm",
                extra={
                    "confirm_text": "I am satisfied the investigation is complete and "
                    "the response addresses all aspects of the complaint"
                },
                error="Confirm the response is complete to sign it off",
            ),
            Field("note", "Comments", "textarea", required=False, max_length=10_000),
        ]

    def perform(case, v, u):
        return [_ev(case, u, "signed_off", stage=_stage_code(case), note=v["note"])]

    return fields, perform


def _next_stages(case: Case) -> tuple[tuple[str, str], ...]:
    procedure = _procedure(case)
    codes = [s.code for s in procedure.stages]
    later = codes[codes.index(case.stage) + 1 :] if case.stage in codes else codes[1:]
    choices = tuple((c, procedure.stage(c).name) for c in later[:1])
    return choices + (("ombudsman", procedure.escalation["name"]),)


@action(
    "escalate",
    "Escalate to the next stage",
    "Escalate",
    allowed=lambda u, c: u.has(*CASE_ROLES) and c.kind == "complaint" and not c.ombudsman_referred,
)
def _escalate():
    def fields(case):
        return [
            Field("to", "Escalate to", "radios", _next_stages(case)),
            Field(
                "on",
                "Date the person asked",
                "date",
                required=False,
                hint="The new stage's dates count from this day. Leave blank for today.",
            ),
            Field(
                "owner",
                "Owner at the new stage",
                "select",
                _owners(),
                required=False,
                hint="Required for a new stage. The procedure may need a different person.",
            ),
            Field(
                "reason",
                "Why the person is not satisfied",
                "textarea",
                required=False,
                max_length=10_000,
            ),
        ]

    def perform(case, v, u):
        errors = {}
        _no_future(v, "on", errors)
        procedure = _procedure(case)
        to = v["to"]
        if to != "ombudsman":
            if not v["owner"]:
                errors["owner"] = "Select the owner at the new stage"
            rule = procedure.stage(to).handler_rule or ""
            previous = case.stages.get(case.stage)
            if "different" in rule.lower() and previous and v["owner"] == previous.owner:
                errors["owner"] = f"{rule} Choose someone else"
        if errors:
            raise FormError(errors)
        if to == "ombudsman":
            return [
                _ev(
                    case,
                    u,
                    "ombudsman_referred",
                    stage="ombudsman",
                    value=_iso(v["on"]),
                    note=v["reason"],
                )
            ]
        rows = [
            _ev(
                case,
                u,
                "stage_entered",
                stage=to,
                value=_iso(v["on"]) or today().isoformat(),
                note=v["reason"],
            )
        ]
        rows.append(_ev(case, u, "assigned", stage=to, value=v["owner"]))
        return rows

    return fields, perform


@action(
    "ombudsman-outcome",
    "Record the ombudsman's outcome",
    "Record outcome",
    allowed=lambda u, c: u.has(*CASE_ROLES) and bool(c.ombudsman_referred),
)
def _ombudsman_outcome():
    def fields(case):
        return [
            Field("outcome", "The ombudsman's decision", "radios", OUTCOME_CHOICES),
            Field(
                "note",
                "Recommendations and what we must do",
                "textarea",
                required=False,
                max_length=10_000,
            ),
        ]

    def perform(case, v, u):
        return [
            _ev(
                case,
                u,
                "ombudsman_outcome",
                stage="ombudsman",
                outcome=v["outcome"],
                note=v["note"],
            )
        ]

    return fields, perform


@action("flag", "Set a flag", "Set flag", allowed=lambda u, c: u.has(*CASE_ROLES))
def _flag():
    def fields(case):
        return [
            Field(
                "flag",
                "Flag",
                "radios",
                tuple((f, labels.FLAGS[f]) for f in FLAGS if f not in case.flags),
            ),
            Field(
                "detail",
                "Details",
                "textarea",
                max_length=10_000,
                hint="Safeguarding: the concern. Unacceptable conduct: the contact plan "
                "(how and when we will be in contact). Communication needs: what is needed "
                "(large print, BSL, interpreter...). Confidential: why.",
            ),
            Field(
                "review",
                "Review date (unacceptable conduct)",
                "date",
                required=False,
                hint="When the contact plan must be reviewed. For example, 27 3 2026",
            ),
        ]

    def perform(case, v, u):
        if v["flag"] == "unacceptable_conduct" and not isinstance(v["review"], date):
            raise FormError({"review": "Enter the date the contact plan will be reviewed"})
        rows = [_ev(case, u, "flag_set", value=v["flag"], note=v["detail"])]
        if isinstance(v["review"], date):
            rows.append(
                _ev(
                    case,
                    u,
                    "review_set",
                    value=v["review"].isoformat(),
                    note="Review the contact plan",
                )
            )
        return rows

    return fields, perform


@action(
    "unflag",
    "Clear a flag",
    "Clear flag",
    allowed=lambda u, c: u.has(*CASE_ROLES) and bool(c.flags),
)
def _unflag():
    def fields(case):
        return [
            Field(
                "flag",
                "Flag to clear",
                "radios",
                tuple((f, labels.FLAGS.get(f, f)) for f in case.flags),
            ),
            Field("reason", "Reason", "textarea", max_length=10_000),
        ]

    def perform(case, v, u):
        return [_ev(case, u, "flag_cleared", value=v["flag"], note=v["reason"])]

    return fields, perform


@action(
    "learning-action",
    "Add a learning action",
    "Add action",
    allowed=lambda u, c: u.has("officer", "manager"),
    intro="An action to stop it happening again, authorised by a manager, with an owner "
    "who follows it up and a target date.",
)
def _learning_action():
    def fields(case):
        return [
            Field("description", "Action", "textarea", max_length=5_000),
            Field("owner", "Owner (person or team)", "text", max_length=200),
            Field("target", "Target date", "date", hint="For example, 27 3 2026"),
        ]

    def perform(case, v, u):
        ident = new_action_id()
        return [
            _ev(case, u, "action_added", value=ident, note=v["description"]),
            _ev(case, u, "action_owner_set", value=ident, note=v["owner"]),
            _ev(case, u, "action_target_set", value=ident, note=v["target"].isoformat()),
        ]

    return fields, perform


@action(
    "action-progress",
    "Update a learning action",
    "Save",
    allowed=lambda u, c: (
        u.has("officer", "manager") and any(not a.completed for a in c.actions.values())
    ),
)
def _action_progress():
    def fields(case):
        return [
            Field(
                "action",
                "Action",
                "radios",
                tuple(
                    (a.ident, a.description[:120]) for a in case.actions.values() if not a.completed
                ),
            ),
            Field("progress", "Progress or evidence", "textarea", max_length=10_000),
            Field(
                "completed",
                "Is the action complete",
                "radios",
                (("yes", "Yes, completed"), ("no", "No, still in progress")),
            ),
        ]

    def perform(case, v, u):
        kind = "action_completed" if v["completed"] == "yes" else "action_updated"
        return [_ev(case, u, kind, value=v["action"], note=v["progress"])]

    return fields, perform


@action("close", "Close the case", "Close case", allowed=_worker)
def _close():
    def fields(case):
        return [Field("note", "Closing note", "textarea", required=False, max_length=10_000)]

    def perform(case, v, u):
        stage = case.current
        if case.kind == "complaint" and stage is not None and not stage.outcome:
            raise FormError({"note": "Record the outcome of this stage before closing"})
        return [_ev(case, u, "closed", stage=_stage_code(case), note=v["note"])]

    return fields, perform


@action(
    "reopen",
    "Reopen the case",
    "Reopen case",
    allowed=lambda u, c: u.has(*CASE_ROLES) and not c.is_open,
    intro="The current stage's clock starts again from today.",
)
def _reopen():
    def fields(case):
        return [Field("reason", "Why it is reopened", "textarea", max_length=10_000)]

    def perform(case, v, u):
        return [_ev(case, u, "reopened", stage=_stage_code(case), note=v["reason"])]

    return fields, perform


@action("withdraw", "Record that the person withdrew", "Withdraw", allowed=_worker)
def _withdraw():
    def fields(case):
        return [Field("reason", "What the person said", "textarea", max_length=10_000)]

    def perform(case, v, u):
        rows = []
        stage = case.current
        if case.kind == "complaint" and stage is not None and not stage.outcome:
            rows.append(
                _ev(
                    case,
                    u,
                    "outcome_recorded",
                    stage=_stage_code(case),
                    outcome="withdrawn",
                    note=v["reason"],
                )
            )
        rows.append(_ev(case, u, "withdrawn", stage=_stage_code(case), note=v["reason"]))
        return rows

    return fields, perform


# -- the pages -----------------------------------------------------------------------------


def run_action(
    case: Case, act: Action, back_url: str, done_url: str, template="staff/action.html", **context
):
    """Show an action's form, or apply it: check the fields, append the events, go back."""
    fields = act.fields(case)
    values: dict = {f.name: f.default for f in fields}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values, errors = read(fields, request.form)
        if not errors:
            try:
                rows = act.perform(case, values, user())
                if rows:
                    record(parts().store, parts().contract, rows)
            except FormError as error:
                errors = error.errors
            except InvalidEvent as error:
                errors = {p.field: f"That value is not allowed ({p.code})" for p in error.problems}
            else:
                audit_log(
                    "case.change",
                    ref=case.ref,
                    fields=sorted({r["type"] for r in rows}),
                    detail=act.name,
                )
                if any(r["type"] == "flag_set" and r["value"] == "safeguarding" for r in rows):
                    sent = safeguarding_alert(index().get(case.ref), user().name)
                    flash(
                        "The safeguarding lead has been alerted by email."
                        if sent
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
    audit_log("case.action_form", ref=case.ref, detail=name)
    case_url = url_for("staff.case", ref=case.ref)
    return run_action(case, act, case_url, case_url)


@blueprint.route("/publication/<ref>", methods=["GET", "POST"])
def publish(ref):
    u = user()
    case = index().get(ref)
    if case is None or not can_publish(u, case):
        abort(404)
    audit_log("publication.view_case", ref=case.ref, fields=["kind", "service", "outcome"])
    act = Action(
        "publish",
        "Approve for publication",
        "Approve",
        lambda c: [
            Field(
                "summary",
                "Public summary",
                "textarea",
                max_length=2_000,
                rows=6,
                default=c.publication_summary,
                hint="What the person told us and what we did, in a few sentences, with no "
                "names, ages, exact dates or places.",
            ),
        ],
        lambda u_, c: True,
        lambda c, v, u_: [_ev(c, u_, "publication_approved", note=v["summary"])],
    )
    stage = case.current
    return run_action(
        case,
        act,
        url_for("staff.publication"),
        url_for("staff.publication"),
        template="staff/publish.html",
        outcome=labels.OUTCOMES.get(stage.outcome, "") if stage else "",
        findings=stage.findings if stage else "",
        remedy=stage.remedy if stage else "",
    )
