"""The pages journeys are made of: the questions of seed 002 §14 and seed 003 §15, in words.

Pages are built by small functions so each kind of feedback can word a page its own way (a
compliment's "message" is a complaint's "what happened") while the field stays the same.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _

from .model import Choice, Page, Question
from .wording import Text

YES_NO = (Choice("yes", Text(_("Yes"))), Choice("no", Text(_("No"))))


def _someone_else(answers) -> bool:
    return answers.get("on_behalf") == "someone_else"


def _not_anonymous(answers) -> bool:
    return answers.get("anonymous") != "true"


def _prefers(method: str):
    def condition(answers) -> bool:
        return _not_anonymous(answers) and answers.get("preferred_contact") == method

    return condition


def urgent_page() -> Page:
    """Seed 001's first questions: is it happening now, and has the person tried already."""
    return Page(
        slug="is-it-urgent",
        title=Text(_("Before you start")),
        heading_is_label=False,
        intro=Text(
            _(
                "Some problems are best sorted out straight away, by the staff involved or by "
                "our Patient Advice and Liaison Service (PALS)."
            )
        ),
        questions=(
            Question(
                name="happening_now",
                widget="radios",
                label=Text(_("Is the problem happening now, or about care you are still getting?")),
                choices=YES_NO,
                required=True,
                messages={"required": Text(_("Select yes if the problem is happening now"))},
            ),
            Question(
                name="tried_already",
                widget="radios",
                label=Text(_("Have you already tried to sort it out?")),
                choices=(
                    Choice("spoke_to_staff", Text(_("Yes, I spoke to the staff involved"))),
                    Choice("contacted_pals", Text(_("Yes, I contacted PALS"))),
                    Choice("both", Text(_("Yes, both"))),
                    Choice("no", Text(_("No"))),
                ),
                required=True,
                messages={"required": Text(_("Select whether you have tried to sort it out"))},
            ),
        ),
    )


def sort_it_quickly_page() -> Page:
    """Shown when the problem is happening now: how to get it sorted today, then carry on."""
    return Page(
        slug="sort-it-out-now",
        title=Text(_("You may be able to sort this out quickly")),
        show_if=lambda answers: answers.get("happening_now") == "yes",
        body=(
            Text(
                _(
                    "The quickest way is often to speak to the person in charge of the ward, "
                    "team or service now. They can usually put things right the same day."
                )
            ),
            Text(
                _(
                    "If you would rather not, or you have tried and it did not help, call PALS "
                    "on {pals_phone} ({pals_hours}). PALS can talk to staff and managers for you."
                )
            ),
            Text(
                _(
                    "You can still tell us about it here as well. It will not affect the care "
                    "you or the person you care for receive."
                )
            ),
        ),
    )


def service_page(label: Text | None = None) -> Page:
    return Page(
        slug="service",
        title=label or Text(_("Which service is it about?")),
        questions=(
            Question(
                name="service",
                widget="radios",
                label=label or Text(_("Which service is it about?")),
                choices="services",
                required=True,
                messages={"required": Text(_("Select the service, or select not sure"))},
            ),
            Question(
                name="service_detail",
                widget="text",
                label=Text(_("Which ward, team or place (optional)")),
                hint=Text(_("For example, Ward 4 at Riverside Hospital, or the evening care team")),
                messages={
                    "maxLength": Text(_("Ward, team or place must be 200 characters or fewer"))
                },
            ),
        ),
    )


def details_page(slug: str, label: Text, hint: Text, required_message: Text, *, dated: bool):
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
                label=Text(_("When did it happen? (optional)")),
                hint=Text(
                    _("If it went on for a while, give the date it started. For example, 27 3 2025")
                ),
                messages={
                    "date": Text(_("Enter the date as a real date, for example 27 3 2025")),
                    "future": Text(_("The date must be today or in the past")),
                },
            )
        )
    return Page(slug=slug, title=label, questions=tuple(questions))


def outcome_page() -> Page:
    return Page(
        slug="outcome",
        title=Text(_("What would you like to happen?")),
        questions=(
            Question(
                name="outcome_wanted",
                widget="textarea",
                label=Text(_("What would you like to happen?")),
                hint=Text(
                    _(
                        "For example, an explanation, an apology, a change to your care, or "
                        "something done differently for others. It is fine to say you are not sure."
                    )
                ),
                required=True,
                messages={
                    "required": Text(_("Tell us what you would like to happen, or say not sure")),
                    "maxLength": Text(_("Write 5,000 characters or fewer")),
                },
            ),
        ),
    )


def who_for_page() -> Page:
    return Page(
        slug="who-for",
        title=Text(_("Who is this about?")),
        questions=(
            Question(
                name="on_behalf",
                widget="radios",
                label=Text(_("Who is this about?")),
                choices=(
                    Choice("self", Text(_("Me"))),
                    Choice(
                        "someone_else",
                        Text(_("Someone else")),
                        Text(_("For example, someone you care for, a relative or a friend")),
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
        title=Text(_("About the person you are writing for")),
        heading_is_label=False,
        show_if=_someone_else,
        intro=Text(
            _(
                "We need their agreement to share their information with you. If they cannot "
                "agree, tell us why and we will still look into what you tell us."
            )
        ),
        questions=(
            Question(
                name="subject_name",
                resource="personal",
                widget="text",
                label=Text(_("Their full name")),
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
                label=Text(_("How are you related to them?")),
                choices=(
                    Choice("parent", Text(_("Parent or guardian"))),
                    Choice("partner", Text(_("Husband, wife or partner"))),
                    Choice("relative", Text(_("Another relative"))),
                    Choice("carer", Text(_("Unpaid carer"))),
                    Choice("friend", Text(_("Friend or neighbour"))),
                    Choice("advocate", Text(_("Advocate"))),
                    Choice("professional", Text(_("Professional, for example a social worker"))),
                    Choice("other", Text(_("Other"))),
                ),
                required=_someone_else,
                messages={"required": Text(_("Select how you are related to them"))},
            ),
            Question(
                name="consent",
                widget="radios",
                label=Text(_("Do they agree to you doing this for them?")),
                choices=(
                    Choice("agreed", Text(_("Yes, they agree"))),
                    Choice(
                        "lacks_capacity",
                        Text(_("They are not able to agree")),
                        Text(_("For example, because of an illness or disability")),
                    ),
                    Choice("child", Text(_("They are a child and I am their parent or guardian"))),
                    Choice("deceased", Text(_("They have died"))),
                    Choice("not_yet", Text(_("I have not asked them yet"))),
                    Choice("other", Text(_("Another reason"))),
                ),
                required=_someone_else,
                messages={"required": Text(_("Select whether they agree"))},
            ),
            Question(
                name="consent_detail",
                widget="textarea",
                label=Text(_("Anything you want to tell us about this (optional)")),
                rows=3,
                messages={"maxLength": Text(_("Write 1,000 characters or fewer"))},
            ),
        ),
    )


def anonymous_page(limits: Text) -> Page:
    return Page(
        slug="your-details",
        title=Text(_("Do you want to give your name and contact details?")),
        questions=(
            Question(
                name="anonymous",
                widget="radios",
                label=Text(_("Do you want to give your name and contact details?")),
                hint=limits,
                choices=(
                    Choice("false", Text(_("Yes, give my details"))),
                    Choice("true", Text(_("No, I want to stay anonymous"))),
                ),
                required=True,
                messages={"required": Text(_("Select whether you want to give your details"))},
            ),
        ),
    )


def contact_page() -> Page:
    return Page(
        slug="contact",
        title=Text(_("How can we contact you?")),
        heading_is_label=False,
        show_if=_not_anonymous,
        questions=(
            Question(
                name="name",
                resource="personal",
                widget="text",
                label=Text(_("Full name")),
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
                label=Text(_("How would you like us to contact you?")),
                choices=(
                    Choice("email", Text(_("Email"))),
                    Choice("phone", Text(_("Phone"))),
                    Choice("post", Text(_("Post"))),
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
        heading_is_label=False,
        show_if=_not_anonymous,
        questions=(
            Question(
                name="email",
                resource="personal",
                show_if=_prefers("email"),
                widget="email",
                label=Text(_("Email address")),
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
                label=Text(_("Phone number")),
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
                label=Text(_("Address")),
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
        ("large_print", _("Large print")),
        ("easy_read", _("Easy read")),
        ("bsl", _("British Sign Language (BSL) interpreter")),
        ("braille", _("Braille")),
        ("audio", _("Audio")),
        ("interpreter", _("An interpreter for another language")),
        ("hearing_loop", _("Hearing loop at meetings")),
        ("other", _("Something else")),
    )
    return Page(
        slug="communication",
        title=Text(_("Do you need us to communicate with you in a particular way?")),
        show_if=_not_anonymous,
        questions=(
            Question(
                name="communication_needs",
                resource="personal",
                widget="checkboxes",
                label=Text(_("Do you need us to communicate with you in a particular way?")),
                hint=Text(_("Select all that apply, or none")),
                choices=tuple(Choice(code, Text(label)) for code, label in needs),
            ),
            Question(
                name="communication_detail",
                resource="personal",
                widget="textarea",
                label=Text(_("Tell us more (optional)")),
                hint=Text(_("For example, which language an interpreter should speak")),
                rows=3,
                messages={"maxLength": Text(_("Write 500 characters or fewer"))},
            ),
        ),
    )


def advocate_page() -> Page:
    return Page(
        slug="advocate",
        title=Text(_("Would you like help from an advocate?")),
        questions=(
            Question(
                name="advocate",
                widget="radios",
                label=Text(_("Would you like help from an advocate?")),
                hint=Text(
                    _(
                        "An advocate is independent of us. They can help you say what you want "
                        "and support you through the complaint, for free. {advocacy_name} can "
                        "help: call {advocacy_phone}."
                    )
                ),
                choices=(
                    Choice("yes", Text(_("Yes, please put me in touch"))),
                    Choice("no", Text(_("No, thank you"))),
                    Choice("already_have", Text(_("I already have an advocate"))),
                ),
                required=True,
                messages={"required": Text(_("Select whether you would like an advocate"))},
            ),
        ),
    )


def thank_page() -> Page:
    return Page(
        slug="who-to-thank",
        title=Text(_("Who would you like to thank?")),
        questions=(
            Question(
                name="thank_who",
                widget="text",
                label=Text(_("Who would you like to thank?")),
                hint=Text(_("A name, a job, or a team. For example, the night staff on Ward 4")),
                required=True,
                messages={
                    "required": Text(_("Tell us who you would like to thank")),
                    "maxLength": Text(_("Write 300 characters or fewer")),
                },
            ),
        ),
    )
