"""The case page: what was received, who it is from, where it stands, its due dates, the
aide-memoire, the actions staff can take and the whole timeline. Every view is audited."""

from __future__ import annotations

from contextlib import suppress
from datetime import date
from zoneinfo import ZoneInfo

from forms_app.casework.checklist import advocate_step, checklist
from forms_app.casework.flags import RESTRICT_REASONS, is_restricted
from forms_app.casework.request_state import question_of
from forms_app.casework.state import Case, parse_at
from forms_app.web.parts import parts

from . import blueprint, labels
from .case_actions import ACTIONS
from .case_files import files_offered, files_section
from .context import audit_log, index, render, today, user, users, visible_case
from .linking_pages import LINK_EVENTS, describe_link, linking_context
from .message_pages import case_messages

LONDON = ZoneInfo("Europe/London")


def sign_off_required(case: Case) -> bool:
    """Whether this case's responses need a sign-off (settings ``staff: sign_off_stages``; by
        default every complaint stage: the England regulations want the response signed by the
    responsible person)."""
    if case.kind != "complaint":
        return False
    staff = parts().settings.raw.get("staff") or {}
    stages = staff.get("sign_off_stages") if isinstance(staff, dict) else None
    return stages is None or case.stage in stages


def describe(event: dict, case: Case, names: dict) -> str:
    """One line saying what an event did, in words."""
    settings = parts().settings
    procedure = index().procedure_for(case.procedure)
    stage_names = {s.code: s.name for s in procedure.stages}
    stage_names["ombudsman"] = procedure.escalation["name"]
    type_ = event["type"]
    value = event.get("value") or ""
    bits = []
    if event.get("stage"):
        bits.append(stage_names.get(event["stage"], event["stage"]))
    if type_ == "assigned":
        bits.append(f"to {names.get(value, value)}")
    elif type_ == "kind_changed":
        bits.append(f"now {labels.KINDS.get(event['kind'], event['kind']).lower()}")
    elif type_ == "service_changed":
        service = settings.service(value)
        bits.append(service.name if service else value)
    elif type_ == "procedure_changed":
        bits.append(f"now {index().procedure_for(value).name}")
    elif type_ in ("theme_added", "theme_removed"):
        bits.append(next((t.name for t in settings.themes if t.code == value), value))
    elif type_ in ("flag_set", "flag_cleared"):
        bits.append(labels.FLAGS.get(value, value))
    elif type_ == "contact_logged":
        bits.append(labels.CHANNELS.get(value, value))
    elif type_ in ("outcome_recorded", "ombudsman_outcome"):
        bits.append(labels.OUTCOMES.get(event["outcome"], event["outcome"]))
    elif type_ == "letter_sent":
        bits.append(value.replace("_", " "))
    elif type_ == "extension_agreed":
        bits.append(f"new date {_day(value)}")
    elif type_ in LINK_EVENTS:
        bits.append(describe_link(event))
    elif type_ == "review_set":
        bits.append(f"review by {_day(value)}")
    elif value and type_ not in (
        "action_added",
        "action_owner_set",
        "action_target_set",
        "action_updated",
        "action_completed",
    ):
        bits.append(_day(value))
    return ", ".join(bits)


def _day(value: str) -> str:
    """A date kept as 2026-03-27 as staff read it (27 March 2026); anything else as it is."""
    try:
        return date.fromisoformat(value).strftime("%-d %B %Y") if len(value) == 10 else value
    except ValueError:
        return value


def _note(event: dict) -> str:
    """An event's note; the reason code of a restriction in words."""
    note = event.get("note") or ""
    if event["type"] == "flag_set" and event.get("value") == "restricted":
        return RESTRICT_REASONS.get(note, note)
    if event["type"] == "request_sent":  # the request as JSON: its question is what to read
        return question_of(note)
    return note


def _plain(codes: dict, value: str) -> str:
    return codes.get(value, value.replace("_", " ").capitalize()) if value else ""


def told_us(submission: dict, personal: dict) -> list[tuple[str, str]]:
    """Everything else the person told us on the form, as (question, answer in words), in the
    order they were asked; questions they did not answer are left out."""
    rows = []
    happened = submission.get("happened_on") or ""
    if happened:
        # An imported record may hold a date in another form: it is then shown as stored.
        with suppress(ValueError):
            happened = date.fromisoformat(happened).strftime("%-d %B %Y")
        rows.append(("When it happened", happened))
    for question, codes, name in (
        ("Happening now", labels.HAPPENING_NOW, "happening_now"),
        ("What they have tried already", labels.TRIED_ALREADY, "tried_already"),
        ("Writing about", labels.ON_BEHALF, "on_behalf"),
        ("Wording they used", labels.VARIANTS, "variant"),
    ):
        if submission.get(name):
            rows.append((question, _plain(codes, submission[name])))
    return rows


def for_someone_else(submission: dict, personal: dict) -> dict | None:
    """Who the person is writing for and whether that person consented, or None when they
    wrote about themselves."""
    if submission.get("on_behalf") != "someone_else":
        return None
    consent = submission.get("consent") or ""
    return {
        "name": personal.get("subject_name") or "",
        "relationship": _plain(labels.RELATIONSHIPS, submission.get("relationship") or ""),
        "consent": _plain(labels.CONSENT, consent) or "Not answered",
        "consent_detail": submission.get("consent_detail") or "",
        "consent_missing": consent in labels.CONSENT_MISSING,
    }


@blueprint.route("/cases/<ref>")
def case(ref):
    case = visible_case(ref)
    submission = parts().store.find(case.ref) or {}
    personal = index().personal(case.ref) or {}
    audit_log(
        "case.view",
        ref=case.ref,
        fields=["submission"] + [f for f in parts().contract.personal_fields if personal.get(f)],
    )
    names = {u.username: u.name for u in users().all()}
    procedure = index().procedure_for(case.procedure)
    due, next_what, next_due, status = index().deadline(case, today())
    timeline = []
    for event in reversed(case.events):
        at = parse_at(event["at"]).astimezone(LONDON)
        timeline.append(
            {
                "when": at.strftime("%-d %b %Y %H:%M"),
                "iso": event["at"],
                "what": labels.EVENTS.get(event["type"], event["type"]),
                "detail": describe(event, case, names),
                "note": _note(event),
                "who": names.get(event["actor"], event["actor"]),
                "letter": event["event_id"] if event["type"] == "letter_sent" else "",
            }
        )
    me = user()
    # A merged case's work goes on in the case it was merged into: only notes are offered here.
    available = [
        a
        for a in ACTIONS.values()
        if a.offered(me, case) and (a.while_restricted or case.status != "merged")
    ]
    needs = [
        labels.NEEDS.get(n, n) for n in (personal.get("communication_needs") or "").split(";") if n
    ]
    advocate = submission.get("advocate") or ""
    steps = checklist(case, sign_off_required=sign_off_required(case), advocate=advocate)
    advocate_task = advocate_step(case, advocate)
    return render(
        "staff/case.html",
        title=f"{labels.KINDS.get(case.kind, case.kind)} {case.ref}",
        case=case,
        submission=submission,
        personal=personal,
        needs=needs,
        procedure=procedure,
        stage_name=procedure.stage(case.stage).name if case.stage else "",
        due=due,
        next_what=next_what,
        next_due=next_due,
        status=status,
        timeline=timeline,
        files=files_section(case.ref, case.events),
        files_offered=files_offered() and not is_restricted(case),
        actions=available,
        steps=steps,
        told=told_us(submission, personal),
        someone_else=for_someone_else(submission, personal),
        advocate=advocate,
        advocate_task=advocate_task,
        advocate_labels=labels.ADVOCATE,
        preferred_contact=_plain(labels.PREFERRED_CONTACT, personal.get("preferred_contact") or ""),
        names=names,
        kinds=labels.KINDS,
        status_labels=labels.STATUS,
        case_status=labels.CASE_STATUS,
        outcome_labels=labels.OUTCOMES,
        flag_labels=labels.FLAGS,
        restrict_reasons=RESTRICT_REASONS,
        channels=labels.CHANNELS,
        languages=labels.LANGUAGES,
        action_status=labels.ACTION_STATUS,
        services={s.code: s.name for s in parts().settings.services},
        theme_names=[
            next((t.name for t in parts().settings.themes if t.code == code), code)
            for code in case.themes
        ],
        messages=case_messages(case.ref),
        today=today(),
        **linking_context(case, personal),
    )
