"""The pages about getting back to the person: whether they give their details, how to contact
them, how they need us to communicate, and help from an advocate."""

from __future__ import annotations

from flask_babel import lazy_gettext as _

from ..model import Choice, Page, Question
from ..wording import Text


def _not_anonymous(answers) -> bool:
    return answers.get("anonymous") != "true"


def _prefers(method: str):
    def condition(answers) -> bool:
        return _not_anonymous(answers) and answers.get("preferred_contact") == method

    return condition


def anonymous_page(limits: Text) -> Page:
    label = Text(
        _("Do you want to give your name and contact details?"),
        _("Do you want to tell us who you are?"),
        _("Do you want to tell us who you are?"),
    )
    return Page(
        slug="your-details",
        title=label,
        picture="person",
        questions=(
            Question(
                name="anonymous",
                widget="radios",
                label=label,
                hint=limits,
                choices=(
                    Choice(
                        "false",
                        Text(
                            _("Yes, give my details"),
                            _("Yes, I will tell you who I am"),
                            _("Yes, I will tell you who I am"),
                        ),
                    ),
                    Choice(
                        "true",
                        Text(
                            _("No, I want to stay anonymous"),
                            _("No, I do not want to give my name"),
                            _("No, I do not want to give my name"),
                        ),
                    ),
                ),
                required=True,
                messages={"required": Text(_("Select whether you want to give your details"))},
            ),
        ),
    )


def contact_page() -> Page:
    return Page(
        slug="contact",
        title=Text(
            _("How can we contact you?"),
            _("How can we get in touch?"),
            _("How can we get in touch?"),
        ),
        picture="phone",
        heading_is_label=False,
        show_if=_not_anonymous,
        questions=(
            Question(
                name="name",
                resource="personal",
                widget="text",
                label=Text(_("Full name"), _("Your name"), _("Your name")),
                autocomplete="name",
                required=_not_anonymous,
                messages={
                    "required": Text(_("Enter your full name")),
                    "maxLength": Text(_("Name must be 200 characters or fewer")),
                },
            ),
            Question(
                name="preferred_contact",
                resource="personal",
                widget="radios",
                label=Text(
                    _("How would you like us to contact you?"),
                    _("How should we get in touch?"),
                    _("How should we get in touch?"),
                ),
                choices=(
                    Choice("email", Text(_("Email"))),
                    Choice("phone", Text(_("Phone"))),
                    Choice("post", Text(_("Post"), _("Letter"), _("Letter"))),
                ),
                required=_not_anonymous,
                messages={"required": Text(_("Select how you would like us to contact you"))},
            ),
        ),
    )


def contact_details_page() -> Page:
    """Only the detail needed for the way they chose (one thing per page)."""
    return Page(
        slug="contact-details",
        title=Text(_("Your contact details")),
        picture="phone",
        heading_is_label=False,
        show_if=_not_anonymous,
        questions=(
            Question(
                name="email",
                resource="personal",
                show_if=_prefers("email"),
                widget="email",
                label=Text(_("Email address"), _("Your email address"), _("Your email address")),
                autocomplete="email",
                required=_prefers("email"),
                messages={
                    "required": Text(_("Enter your email address, or choose another way")),
                    "pattern": Text(
                        _("Enter an email address in the correct format, like name@example.com")
                    ),
                    "maxLength": Text(_("Email address must be 254 characters or fewer")),
                },
            ),
            Question(
                name="phone",
                resource="personal",
                show_if=_prefers("phone"),
                widget="tel",
                label=Text(_("Phone number"), _("Your phone number"), _("Your phone number")),
                hint=Text(_("For example, 07700 900 982 or 029 2018 0123")),
                autocomplete="tel",
                width="20",
                required=_prefers("phone"),
                messages={
                    "required": Text(_("Enter your phone number, or choose another way")),
                    "pattern": Text(
                        _("Enter a phone number, like 07700 900 982 or +44 7700 900 982")
                    ),
                    "maxLength": Text(_("Phone number must be 30 characters or fewer")),
                },
            ),
            Question(
                name="address",
                resource="personal",
                show_if=_prefers("post"),
                widget="textarea",
                label=Text(_("Address"), _("Your address"), _("Your address")),
                autocomplete="street-address",
                rows=3,
                required=_prefers("post"),
                messages={
                    "required": Text(_("Enter your address, or choose another way")),
                    "maxLength": Text(_("Address must be 500 characters or fewer")),
                },
            ),
            Question(
                name="postcode",
                resource="personal",
                show_if=_prefers("post"),
                widget="postcode",
                label=Text(_("Postcode")),
                autocomplete="postal-code",
                width="10",
                required=_prefers("post"),
                messages={
                    "required": Text(_("Enter your postcode")),
                    "pattern": Text(_("Enter a real postcode, like CF10 1AA")),
                    "maxLength": Text(_("Enter a real postcode, like CF10 1AA")),
                },
            ),
        ),
    )


def communication_page() -> Page:
    needs = (
        ("large_print", Text(_("Large print"), _("Big writing"), _("Big writing"))),
        ("easy_read", Text(_("Easy read"))),
        (
            "bsl",
            Text(
                _("British Sign Language (BSL) interpreter"),
                _("British Sign Language (BSL)"),
                _("British Sign Language (BSL)"),
            ),
        ),
        ("braille", Text(_("Braille"))),
        ("audio", Text(_("Audio"), _("Listen, not read"), _("Audio"))),
        (
            "interpreter",
            Text(
                _("An interpreter for another language"),
                _("Someone to speak my language"),
                _("Someone to speak my language"),
            ),
        ),
        ("hearing_loop", Text(_("Hearing loop at meetings"))),
        ("other", Text(_("Something else"))),
    )
    label = Text(
        _("Do you need us to communicate with you in a particular way?"),
        _("Do you need help to read or talk with us?"),
        _("Do you need help to read or talk with us?"),
    )
    return Page(
        slug="communication",
        title=label,
        picture="ear",
        show_if=_not_anonymous,
        questions=(
            Question(
                name="communication_needs",
                resource="personal",
                widget="checkboxes",
                label=label,
                hint=Text(
                    _("Select all that apply, or none"),
                    _("Pick all you need. Or pick none."),
                    _("Pick all you need. Or pick none."),
                ),
                choices=tuple(Choice(code, text) for code, text in needs),
            ),
            Question(
                name="communication_detail",
                resource="personal",
                widget="textarea",
                label=Text(
                    _("Tell us more (optional)"),
                    _("Tell us more (you do not have to)"),
                    _("Tell us more (you do not have to)"),
                ),
                hint=Text(
                    _("For example, which language an interpreter should speak"),
                    _("For example, which language you speak."),
                    _("For example, which language you speak."),
                ),
                rows=3,
                messages={"maxLength": Text(_("Write 500 characters or fewer"))},
            ),
        ),
    )


def advocate_page() -> Page:
    label = Text(
        _("Would you like help from an advocate?"),
        _("Would you like someone to help you?"),
        _("Would you like an advocate to help you?"),
    )
    return Page(
        slug="advocate",
        title=label,
        picture="helper",
        questions=(
            Question(
                name="advocate",
                widget="radios",
                label=label,
                hint=Text(
                    _(
                        "An advocate is independent of us. They can help you say what you want "
                        "and support you through the complaint, for free. {advocacy_name} can "
                        "help: call {advocacy_phone}."
                    ),
                    _(
                        "An advocate helps you say what you want. They do not work for us. "
                        "It is free. Phone {advocacy_name} on {advocacy_phone}."
                    ),
                    _(
                        "An advocate is on your side. They help you say what you want. They do "
                        "not work for us. It is free. {young_advocacy_name} can help: phone "
                        "{young_advocacy_phone}."
                    ),
                ),
                choices=(
                    Choice(
                        "yes",
                        Text(
                            _("Yes, please put me in touch"),
                            _("Yes, please"),
                            _("Yes, please"),
                        ),
                    ),
                    Choice("no", Text(_("No, thank you"))),
                    Choice(
                        "already_have",
                        Text(
                            _("I already have an advocate"),
                            _("I have an advocate already"),
                            _("I have an advocate already"),
                        ),
                    ),
                ),
                required=True,
                messages={"required": Text(_("Select whether you would like an advocate"))},
            ),
        ),
    )
