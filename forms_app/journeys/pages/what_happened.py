"""The pages about the feedback itself: which service, what happened, what the person would like
to happen, and whom a compliment thanks."""

from __future__ import annotations

from flask_babel import lazy_gettext as _

from ..model import Page, Question
from ..wording import Text


def service_page(label: Text | None = None) -> Page:
    label = label or Text(
        _("Which service is it about?"),
        _("Which service is it about?"),
        _("Which service is it about?"),
    )
    return Page(
        slug="service",
        title=label,
        picture="building",
        questions=(
            Question(
                name="service",
                widget="radios",
                label=label,
                choices="services",
                required=True,
                messages={"required": Text(_("Select the service, or select not sure"))},
            ),
            Question(
                name="service_detail",
                widget="text",
                label=Text(
                    _("Which ward, team or place (optional)"),
                    _("Where was it? (you do not have to say)"),
                    _("Where was it? (you do not have to say)"),
                ),
                hint=Text(
                    _("For example, Ward 4 at Riverside Hospital, or the evening care team"),
                    _("For example, Ward 4, or the home care team."),
                    _("For example, your children's home, or the youth team."),
                ),
                messages={
                    "maxLength": Text(_("Ward, team or place must be 200 characters or fewer"))
                },
            ),
        ),
    )


def details_page(
    slug: str, label: Text, hint: Text, required_message: Text, *, dated: bool, picture: str
) -> Page:
    questions = [
        Question(
            name="details",
            widget="textarea",
            label=label,
            hint=hint,
            required=True,
            rows=10,
            messages={
                "required": required_message,
                "maxLength": Text(_("Write 10,000 characters or fewer")),
            },
        )
    ]
    if dated:
        questions.append(
            Question(
                name="happened_on",
                widget="date",
                label=Text(
                    _("When did it happen? (optional)"),
                    _("When did it happen? (you do not have to say)"),
                    _("When did it happen? (you do not have to say)"),
                ),
                hint=Text(
                    _(
                        "If it went on for a while, give the date it started. "
                        "For example, 27 3 2025"
                    ),
                    _("Put the day, month and year. For example, 27 3 2025."),
                    _("Put the day, month and year. For example, 27 3 2025."),
                ),
                messages={
                    "date": Text(_("Enter the date as a real date, for example 27 3 2025")),
                    "future": Text(_("The date must be today or in the past")),
                },
            )
        )
    return Page(
        slug=slug,
        title=label,
        questions=tuple(questions),
        picture=picture,
    )


def outcome_page() -> Page:
    label = Text(
        _("What would you like to happen?"),
        _("What would you like us to do?"),
        _("What would you like to happen now?"),
    )
    return Page(
        slug="outcome",
        title=label,
        picture="star",
        questions=(
            Question(
                name="outcome_wanted",
                widget="textarea",
                label=label,
                hint=Text(
                    _(
                        "For example, an explanation, an apology, a change to your care, or "
                        "something done differently for others. It is fine to say you are not sure."
                    ),
                    _("For example, say sorry, or change something. You can say you are not sure."),
                    _("For example, a change, or a sorry. It is OK to say you are not sure."),
                ),
                required=True,
                messages={
                    "required": Text(_("Tell us what you would like to happen, or say not sure")),
                    "maxLength": Text(_("Write 5,000 characters or fewer")),
                },
            ),
        ),
    )


def thank_page() -> Page:
    label = Text(
        _("Who would you like to thank?"),
        _("Who do you want to thank?"),
        _("Who do you want to thank?"),
    )
    return Page(
        slug="who-to-thank",
        title=label,
        picture="heart",
        questions=(
            Question(
                name="thank_who",
                widget="text",
                label=label,
                hint=Text(
                    _("A name, a job, or a team. For example, the night staff on Ward 4"),
                    _("A name, a job or a team. For example, the night staff."),
                    _("A name, a job or a team. For example, your key worker."),
                ),
                required=True,
                messages={
                    "required": Text(_("Tell us who you would like to thank")),
                    "maxLength": Text(_("Write 300 characters or fewer")),
                },
            ),
        ),
    )
