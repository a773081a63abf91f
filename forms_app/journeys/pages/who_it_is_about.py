"""The pages about whom the feedback is for: the person themselves, or someone else (then who,
and whether they agree)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _

from ..model import Choice, Page, Question
from ..wording import Text


def _someone_else(answers) -> bool:
    return answers.get("on_behalf") == "someone_else"


def who_for_page() -> Page:
    label = Text(_("Who is this about?"))
    return Page(
        slug="who-for",
        title=label,
        picture="people",
        questions=(
            Question(
                name="on_behalf",
                widget="radios",
                label=label,
                choices=(
                    Choice("self", Text(_("Me"))),
                    Choice(
                        "someone_else",
                        Text(_("Someone else")),
                        Text(
                            _("For example, someone you care for, a relative or a friend"),
                            _("For example, a friend or someone in your family."),
                            _("For example, a friend, a brother or a sister."),
                        ),
                    ),
                ),
                required=True,
                messages={"required": Text(_("Select who this is about"))},
            ),
        ),
    )


def about_them_page() -> Page:
    return Page(
        slug="about-them",
        title=Text(
            _("About the person you are writing for"),
            _("About the other person"),
            _("About the other person"),
        ),
        picture="people",
        heading_is_label=False,
        show_if=_someone_else,
        intro=Text(
            _(
                "We need their agreement to share their information with you. If they cannot "
                "agree, tell us why and we will still look into what you tell us."
            ),
            _("We need to know if they are happy for you to tell us. We will still listen."),
            _("We need to know if they are OK with you telling us. We will still listen."),
        ),
        questions=(
            Question(
                name="subject_name",
                resource="personal",
                widget="text",
                label=Text(_("Their full name"), _("Their name"), _("Their name")),
                required=_someone_else,
                autocomplete="off",
                messages={
                    "required": Text(_("Enter the name of the person this is about")),
                    "maxLength": Text(_("Name must be 200 characters or fewer")),
                },
            ),
            Question(
                name="relationship",
                widget="radios",
                label=Text(
                    _("How are you related to them?"),
                    _("Who are they to you?"),
                    _("Who are they to you?"),
                ),
                choices=(
                    Choice("parent", Text(_("Parent or guardian"))),
                    Choice("partner", Text(_("Husband, wife or partner"))),
                    Choice("relative", Text(_("Another relative"), _("Family"), _("Family"))),
                    Choice(
                        "carer", Text(_("Unpaid carer"), _("I care for them"), _("I care for them"))
                    ),
                    Choice("friend", Text(_("Friend or neighbour"))),
                    Choice("advocate", Text(_("Advocate"))),
                    Choice(
                        "professional",
                        Text(
                            _("Professional, for example a social worker"),
                            _("I work with them"),
                            _("I work with them, for example a social worker"),
                        ),
                    ),
                    Choice("other", Text(_("Other"))),
                ),
                required=_someone_else,
                messages={"required": Text(_("Select how you are related to them"))},
            ),
            Question(
                name="consent",
                widget="radios",
                label=Text(
                    _("Do they agree to you doing this for them?"),
                    _("Are they happy for you to tell us?"),
                    _("Are they OK with you telling us?"),
                ),
                choices=(
                    Choice("agreed", Text(_("Yes, they agree"), _("Yes"), _("Yes"))),
                    Choice(
                        "lacks_capacity",
                        Text(_("They are not able to agree"), _("They cannot say")),
                        Text(
                            _("For example, because of an illness or disability"),
                            _("For example, because they are very ill."),
                        ),
                    ),
                    Choice(
                        "child",
                        Text(
                            _("They are a child and I am their parent or guardian"),
                            _("They are my child"),
                            _("They are a child and I look after them"),
                        ),
                    ),
                    Choice("deceased", Text(_("They have died"))),
                    Choice(
                        "not_yet",
                        Text(_("I have not asked them yet"), _("I have not asked them")),
                    ),
                    Choice("other", Text(_("Another reason"))),
                ),
                required=_someone_else,
                messages={"required": Text(_("Select whether they agree"))},
            ),
            Question(
                name="consent_detail",
                widget="textarea",
                label=Text(
                    _("Anything you want to tell us about this (optional)"),
                    _("Anything else to tell us? (you do not have to)"),
                    _("Anything else to tell us? (you do not have to)"),
                ),
                rows=3,
                messages={"maxLength": Text(_("Write 1,000 characters or fewer"))},
            ),
        ),
    )
