"""Changes that add to a case's record without moving it on: contacts (a letter posted or
emailed among them), notes, flags, learning actions and the summary approved for publication.

Like ``transitions``, each change takes the case, the ``Actor`` making it and the values, and
returns the event rows to append or raises ``Refused`` with the reason. While the case's
processing is restricted (UK GDPR Article 18) only a note and lifting the restriction are
allowed.
"""

from __future__ import annotations

from datetime import date

from .actions import new_action_id
from .flags import RESTRICTED
from .state import CHANNELS, FLAGS, Case
from .transitions import (
    ACKNOWLEDGED_BY_LETTER,
    Actor,
    Refused,
    acknowledge,
    can_acknowledge,
    refuse_while_restricted,
    stage_code,
)


def log_contact(case: Case, actor: Actor, channel: str, summary: str) -> list[dict]:
    """A phone call, letter, email or meeting with the person, and what was said."""
    refuse_while_restricted(case, actor, "logging a contact")
    if channel not in CHANNELS:
        raise Refused(f"Unknown way of contact {channel!r}: use {', '.join(CHANNELS)}", "channel")
    return [
        actor.event(case, "contact_logged", stage=stage_code(case), value=channel, note=summary)
    ]


def add_note(case: Case, actor: Actor, note: str) -> list[dict]:
    return [actor.event(case, "note", stage=stage_code(case), note=note)]


def set_flag(
    case: Case, actor: Actor, flag: str, detail: str, review: date | None = None
) -> list[dict]:
    """Flag the case (safeguarding, unacceptable conduct...). Unacceptable conduct needs the
    date its contact plan will be reviewed."""
    refuse_while_restricted(case, actor, "setting a flag")
    if flag not in FLAGS:
        raise Refused(f"Unknown flag {flag!r}: use {', '.join(FLAGS)}", "flag")
    if flag == "unacceptable_conduct" and not isinstance(review, date):
        raise Refused("Enter the date the contact plan will be reviewed", "review")
    rows = [actor.event(case, "flag_set", value=flag, note=detail)]
    if isinstance(review, date):
        rows.append(
            actor.event(
                case, "review_set", value=review.isoformat(), note="Review the contact plan"
            )
        )
    return rows


def clear_flag(case: Case, actor: Actor, flag: str, reason: str) -> list[dict]:
    if flag != RESTRICTED:
        refuse_while_restricted(case, actor, "clearing a flag other than the restriction")
    if flag not in case.flags:
        raise Refused(f"The case has no flag {flag!r}", "flag")
    return [actor.event(case, "flag_cleared", value=flag, note=reason)]


def add_learning_action(
    case: Case, actor: Actor, description: str, owner: str, target: date
) -> list[dict]:
    """An action to stop it happening again, with its owner (a person or team) and target,
    which cannot be in the past."""
    refuse_while_restricted(case, actor, "adding a learning action")
    if target < actor.today:
        raise Refused("The target date must be today or in the future", "target")
    ident = new_action_id()
    return [
        actor.event(case, "action_added", value=ident, note=description),
        actor.event(case, "action_owner_set", value=ident, note=owner),
        actor.event(case, "action_target_set", value=ident, note=target.isoformat()),
    ]


def has_open_learning_actions(case: Case) -> bool:
    return any(not a.completed for a in case.actions.values())


def update_learning_action(
    case: Case, actor: Actor, ident: str, progress: str, *, completed: bool
) -> list[dict]:
    """Progress on a learning action, or its completion with the evidence."""
    refuse_while_restricted(case, actor, "updating a learning action")
    action = case.actions.get(ident)
    if action is None or action.completed:
        raise Refused("That learning action is not open", "action")
    kind = "action_completed" if completed else "action_updated"
    return [actor.event(case, kind, value=ident, note=progress)]


def approve_publication(case: Case, actor: Actor, summary: str) -> list[dict]:
    """The public summary of a closed case, approved for publication."""
    refuse_while_restricted(case, actor, "approving it for publication")
    return [actor.event(case, "publication_approved", note=summary)]


#: How a produced letter reaches the person, as the contact it makes on the timeline.
LETTER_CHANNELS = {"letter": "Posted the letter", "email": "Emailed the letter"}


def send_letter(
    case: Case, actor: Actor, *, channel: str, title: str, acknowledges: bool
) -> list[dict]:
    """A produced letter was posted or emailed (``channel`` "letter" or "email"): a contact on
    the timeline and, when the letter acknowledges the feedback (an acknowledgement, or the
    thank-you for a compliment) and the current stage is not acknowledged yet, the
    acknowledgement today, so nobody has to record it a second time."""
    refuse_while_restricted(case, actor, "sending a letter")
    if channel not in LETTER_CHANNELS:
        raise Refused(f"Unknown way of sending {channel!r}: use {', '.join(LETTER_CHANNELS)}")
    rows = [
        actor.event(
            case,
            "contact_logged",
            stage=stage_code(case),
            value=channel,
            note=f"{LETTER_CHANNELS[channel]}: {title}",
        )
    ]
    if acknowledges and can_acknowledge(case):
        # The letter is the acknowledgement: no "started on it" message goes with it.
        rows += [{**row, "note": ACKNOWLEDGED_BY_LETTER} for row in acknowledge(case, actor)]
    return rows
