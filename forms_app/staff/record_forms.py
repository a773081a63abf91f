"""The staff actions that add to a case's record without moving it on (contacts, notes,
flags, learning actions, the publication summary): for each, what its page asks for, who may
use it, and which casework change (``forms_app.casework.annotations``) it calls."""

from __future__ import annotations

from forms_app.casework import annotations
from forms_app.casework.flags import RESTRICTED, is_restricted
from forms_app.casework.state import CHANNELS, FLAGS

from . import labels
from .access import CASE_ROLES
from .action_forms import StaffAction, date_or_none
from .fields import Field


class LogContact(StaffAction):
    name, title, button = "contact", "Log a contact", "Log contact"

    def fields(self, case):
        return [
            Field(
                "channel",
                "How was the contact made",
                "radios",
                tuple((c, labels.CHANNELS[c]) for c in CHANNELS),
            ),
            Field("summary", "What was said or agreed", "textarea", max_length=10_000, rows=5),
        ]

    def perform(self, case, v, actor):
        return annotations.log_contact(case, actor, v["channel"], v["summary"])


class AddNote(StaffAction):
    name, title, button = "note", "Add a note", "Add note"
    while_restricted = True

    def fields(self, case):
        return [Field("note", "Note", "textarea", max_length=10_000, rows=6)]

    def perform(self, case, v, actor):
        return annotations.add_note(case, actor, v["note"])


class SetFlag(StaffAction):
    name, title, button = "flag", "Set a flag", "Set flag"

    def fields(self, case):
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

    def perform(self, case, v, actor):
        return annotations.set_flag(case, actor, v["flag"], v["detail"], date_or_none(v["review"]))


class ClearFlag(StaffAction):
    name, title, button = "unflag", "Clear a flag", "Clear flag"
    while_restricted = True

    def allowed(self, u, case):
        return u.has(*CASE_ROLES) and bool(case.flags)

    def fields(self, case):
        # While restricted, lifting the restriction is the only flag that may change.
        flags = [RESTRICTED] if is_restricted(case) else case.flags
        return [
            Field(
                "flag",
                "Flag to clear",
                "radios",
                tuple((f, labels.FLAGS.get(f, f)) for f in flags),
            ),
            Field("reason", "Reason", "textarea", max_length=10_000),
        ]

    def perform(self, case, v, actor):
        return annotations.clear_flag(case, actor, v["flag"], v["reason"])


class AddLearningAction(StaffAction):
    name, title, button = "learning-action", "Add a learning action", "Add action"
    intro = (
        "An action to stop it happening again, authorised by a manager, with an owner "
        "who follows it up and a target date."
    )

    def allowed(self, u, case):
        return u.has("officer", "manager")

    def fields(self, case):
        return [
            Field("description", "Action", "textarea", max_length=5_000),
            Field("owner", "Owner (person or team)", "text", max_length=200),
            Field("target", "Target date", "date", hint="For example, 27 3 2026"),
        ]

    def perform(self, case, v, actor):
        return annotations.add_learning_action(
            case, actor, v["description"], v["owner"], v["target"]
        )


class UpdateLearningAction(StaffAction):
    name, title, button = "action-progress", "Update a learning action", "Save"

    def allowed(self, u, case):
        return u.has("officer", "manager") and annotations.has_open_learning_actions(case)

    def fields(self, case):
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

    def perform(self, case, v, actor):
        return annotations.update_learning_action(
            case, actor, v["action"], v["progress"], completed=v["completed"] == "yes"
        )


class ApprovePublication(StaffAction):
    """Not on the case page: publishers reach it from the publication list."""

    name, title, button = "publish", "Approve for publication", "Approve"

    def allowed(self, u, case):
        return True  # the publication page checks can_publish before showing it

    def fields(self, case):
        return [
            Field(
                "summary",
                "Public summary",
                "textarea",
                max_length=2_000,
                rows=6,
                default=case.publication_summary,
                hint="What the person told us and what we did, in a few sentences, with no "
                "names, ages, exact dates or places.",
            ),
        ]

    def perform(self, case, v, actor):
        return annotations.approve_publication(case, actor, v["summary"])
