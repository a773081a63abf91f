"""The staff actions that move a case along (triage, acknowledgement, the clock, outcome and
sign-off, escalation, closing, withdrawing, reopening): for each, what its page asks for, who
may use it on which case, and which casework change it calls with the answers. One small
class per action; ``case_actions.ACTIONS`` lists them by the name in their address
``/staff/cases/<ref>/do/<name>``.

The rules of each change (what it appends, and when it is refused) live in
``forms_app.casework.transitions``: the shared sheet makes the same changes through the same
functions.
"""

from __future__ import annotations

from datetime import date

from forms_app.accounts import User
from forms_app.casework import transitions
from forms_app.casework.flags import is_restricted
from forms_app.casework.state import Case
from forms_app.casework.transitions import RECORDABLE_OUTCOMES, Actor
from forms_app.procedures.profiles import Procedure
from forms_app.web.parts import parts

from . import labels
from .access import CASE_ROLES
from .context import index, users
from .fields import Field

OUTCOME_CHOICES = tuple((code, labels.OUTCOMES[code]) for code in RECORDABLE_OUTCOMES)


def procedure_of(case: Case) -> Procedure:
    return index().procedure_for(case.procedure)


def owner_choices() -> tuple[tuple[str, str], ...]:
    """The people a case can be given to: (username, name) of each account that may own one."""
    return tuple((u.username, u.name) for u in users().all() if transitions.may_own(u))


def owner_usernames() -> set[str]:
    return transitions.owners_among(users().all())


def date_or_none(value) -> date | None:
    return value if isinstance(value, date) else None


class StaffAction:
    """One action: its page's title, button and introduction, its fields, who may use it on
    which case, and ``perform``, which turns the answers into a casework change."""

    name = ""
    title = ""
    button = ""
    intro = ""
    #: Offered while the case's processing is restricted (UK GDPR Article 18): only adding a
    #: note and lifting the restriction are.
    while_restricted = False

    def allowed(self, u: User, case: Case) -> bool:
        return u.has(*CASE_ROLES)

    def offered(self, u: User, case: Case) -> bool:
        """Whether this person may use this action on this case now."""
        return self.allowed(u, case) and (self.while_restricted or not is_restricted(case))

    def fields(self, case: Case) -> list[Field]:
        return []

    def perform(self, case: Case, v: dict, actor: Actor) -> list[dict]:
        raise NotImplementedError


def _works_on(u: User, case: Case) -> bool:
    """Somebody who handles cases, on an open case."""
    return u.has(*CASE_ROLES) and case.is_open


class Triage(StaffAction):
    name, title, button = "triage", "Triage", "Save triage"

    def allowed(self, u, case):
        return _works_on(u, case)

    def fields(self, case):
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
                hint="A service under another procedure moves the case to that procedure: the "
                "new due date is shown for you to confirm first.",
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
                owner_choices(),
                default=case.owner,
                hint="The person who will handle it.",
                open_choices=True,
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
            Field(
                "procedure_confirmed",
                "Another procedure",
                "confirm",
                required=False,
                extra={"confirm_text": "Move the case to its new service's procedure"},
            ),
        ]

    def perform(self, case, v, actor):
        new = index().procedure_for(parts().procedure_code_for(v["service"]))
        rows = self._triage(case, v, actor, new)
        moved = [row for row in rows if row["type"] == "procedure_changed"]
        if moved and not v.get("procedure_confirmed"):
            # Shown before anything is stored: the effect on the clock, to confirm.
            raise transitions.Refused(
                f"{moved[0]['note']}. Tick “Move the case to its new service's procedure” and "
                "save again to confirm",
                "service",
            )
        return rows

    def _triage(self, case, v, actor, new):
        return transitions.triage(
            case,
            actor,
            kind=v["kind"],
            service=v["service"],
            themes=v["themes"],
            owner=v["owner"],
            owners=owner_usernames(),
            known_themes=[t.code for t in parts().settings.themes],
            procedure=procedure_of(case),
            service_procedure=new,
            calendar=index().calendar_for(new),
            note="Checked: not a person the feedback is about",
        )


class Acknowledge(StaffAction):
    name, title, button = "acknowledge", "Record the acknowledgement", "Record acknowledgement"

    def allowed(self, u, case):
        return u.has(*CASE_ROLES) and transitions.can_acknowledge(case)

    def fields(self, case):
        return [
            Field(
                "on",
                "Date acknowledged",
                "date",
                required=False,
                hint="Leave blank for today. For example, 27 3 2026",
            )
        ]

    def perform(self, case, v, actor):
        return transitions.acknowledge(case, actor, date_or_none(v["on"]))


class Extend(StaffAction):
    name, title, button = "extend", "Agree an extension", "Agree extension"

    def allowed(self, u, case):
        return u.has(*CASE_ROLES) and transitions.can_extend(case)

    def fields(self, case):
        hint = "The date agreed with the person. For example, 27 3 2026"
        if case.kind == "complaint":
            rule = procedure_of(case).stage(case.stage).extension
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

    def perform(self, case, v, actor):
        return transitions.extend(case, actor, v["until"], v["reason"])


class Pause(StaffAction):
    name, title, button = "pause", "Pause the clock", "Pause the clock"
    intro = (
        "Pause while waiting for the person (for example for consent or information). "
        "The response date moves on by the working days paused."
    )

    def allowed(self, u, case):
        return u.has(*CASE_ROLES) and transitions.can_pause(case)

    def fields(self, case):
        return [Field("reason", "What are you waiting for", "textarea", max_length=10_000)]

    def perform(self, case, v, actor):
        return transitions.pause(case, actor, v["reason"])


class Resume(StaffAction):
    name, title, button = "resume", "Restart the clock", "Restart the clock"

    def allowed(self, u, case):
        return u.has(*CASE_ROLES) and transitions.can_resume(case)

    def fields(self, case):
        return [Field("note", "What happened", "textarea", required=False, max_length=10_000)]

    def perform(self, case, v, actor):
        return transitions.resume(case, actor, v["note"])


class RecordOutcome(StaffAction):
    name, title, button = "outcome", "Record the outcome", "Record outcome"

    def allowed(self, u, case):
        return u.has(*CASE_ROLES) and transitions.can_record_outcome(case)

    def fields(self, case):
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

    def perform(self, case, v, actor):
        return transitions.record_outcome(
            case,
            actor,
            v["outcome"],
            findings=v["findings"],
            cause=v["cause"],
            remedy=v["remedy"],
            on=date_or_none(v["on"]),
        )


class SignOff(StaffAction):
    name, title, button = "sign-off", "Sign off the response", "Sign off"
    intro = (
        "As the responsible person, confirm the investigation is complete and the "
        "response answers every part of the complaint."
    )

    def allowed(self, u, case):
        return u.has("manager") and transitions.can_sign_off(case)

    def fields(self, case):
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

    def perform(self, case, v, actor):
        return transitions.sign_off(case, actor, v["note"])


class Escalate(StaffAction):
    name, title, button = "escalate", "Escalate to the next stage", "Escalate"

    def allowed(self, u, case):
        return u.has(*CASE_ROLES) and transitions.can_escalate(case)

    def fields(self, case):
        procedure = procedure_of(case)
        following = transitions.next_stage(case, procedure)
        choices = ((following.code, following.name),) if following else ()
        choices += ((transitions.OMBUDSMAN, procedure.escalation["name"]),)
        return [
            Field("to", "Escalate to", "radios", choices),
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
                owner_choices(),
                required=False,
                hint="Required for a new stage. The procedure may need a different person.",
                open_choices=True,
            ),
            Field(
                "reason",
                "Why the person is not satisfied",
                "textarea",
                required=False,
                max_length=10_000,
            ),
        ]

    def perform(self, case, v, actor):
        return transitions.enter_stage(
            case,
            actor,
            v["to"],
            procedure=procedure_of(case),
            owners=owner_usernames(),
            owner=v["owner"],
            on=date_or_none(v["on"]),
            note=v["reason"],
        )


class RecordOmbudsmanOutcome(StaffAction):
    name, title, button = "ombudsman-outcome", "Record the ombudsman's outcome", "Record outcome"

    def allowed(self, u, case):
        return u.has(*CASE_ROLES) and transitions.can_record_ombudsman_outcome(case)

    def fields(self, case):
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

    def perform(self, case, v, actor):
        return transitions.record_ombudsman_outcome(case, actor, v["outcome"], v["note"])


class Close(StaffAction):
    name, title, button = "close", "Close the case", "Close case"

    def allowed(self, u, case):
        return _works_on(u, case)

    def fields(self, case):
        return [Field("note", "Closing note", "textarea", required=False, max_length=10_000)]

    def perform(self, case, v, actor):
        return transitions.close(case, actor, v["note"])


class Reopen(StaffAction):
    name, title, button = "reopen", "Reopen the case", "Reopen case"
    intro = "The current stage's clock starts again from today."

    def allowed(self, u, case):
        return u.has(*CASE_ROLES) and not case.is_open

    def fields(self, case):
        return [Field("reason", "Why it is reopened", "textarea", max_length=10_000)]

    def perform(self, case, v, actor):
        return transitions.reopen(case, actor, v["reason"])


class Withdraw(StaffAction):
    name, title, button = "withdraw", "Record that the person withdrew", "Withdraw"

    def allowed(self, u, case):
        return _works_on(u, case)

    def fields(self, case):
        return [Field("reason", "What the person said", "textarea", max_length=10_000)]

    def perform(self, case, v, actor):
        return transitions.withdraw(case, actor, v["reason"])
