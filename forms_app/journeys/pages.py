"""The pages journeys are made of: the questions of seed 002 §14 and seed 003 §15, in words.

Each text holds three wordings side by side: standard, easy read (short sentences, one idea
each, everyday words, a picture beside each page) and young people (friendly, plain, for
children and young people including those in care). Pages are built by small functions so a
kind of feedback can word a page its own way (a compliment's "message" is a complaint's "what
happened") while the field it fills stays the same.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _
from flask_babel import lazy_pgettext

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
        title=Text(_("Before you start"), _("Is it happening now?"), _("Is it happening now?")),
        picture="clock",
        heading_is_label=False,
        intro=Text(
            _(
                "Some problems are best sorted out straight away, by the staff involved or by "
                "our Patient Advice and Liaison Service (PALS)."
            ),
            _("Some problems can be sorted out today."),
            _("Some problems can be sorted out really quickly."),
        ),
        questions=(
            Question(
                name="happening_now",
                widget="radios",
                label=Text(
                    _("Is the problem happening now, or about care you are still getting?"),
                    _("Is the problem happening now?"),
                    _("Is the problem happening now?"),
                ),
                choices=YES_NO,
                required=True,
                messages={"required": Text(_("Select yes if the problem is happening now"))},
            ),
            Question(
                name="tried_already",
                widget="radios",
                label=Text(
                    _("Have you already tried to sort it out?"),
                    _("Have you told someone about it already?"),
                    _("Have you told anyone about it yet?"),
                ),
                choices=(
                    Choice(
                        "spoke_to_staff",
                        Text(
                            _("Yes, I spoke to the staff involved"),
                            _("Yes, I told the staff"),
                            _("Yes, I told the staff"),
                        ),
                    ),
                    Choice("contacted_pals", Text(_("Yes, I contacted PALS"))),
                    Choice("both", Text(_("Yes, both"))),
                    # Welsh answers "Have you tried?" with "Nac ydw", not the "Nac ydy" of
                    # "Is it happening?": the context keeps the two apart.
                    Choice("no", Text(lazy_pgettext("answer to have you tried", "No"))),
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
        title=Text(
            _("You may be able to sort this out quickly"),
            _("We may be able to help today"),
            _("We might be able to sort this out today"),
        ),
        picture="talk",
        show_if=lambda answers: answers.get("happening_now") == "yes",
        body=(
            Text(
                _(
                    "The quickest way is often to speak to the person in charge of the ward, "
                    "team or service now. They can usually put things right the same day."
                ),
                _("Talk to the person in charge. They can often help straight away."),
                _("Talk to the person in charge, or a worker you trust. They can often help."),
            ),
            Text(
                _(
                    "If you would rather not, or you have tried and it did not help, call PALS "
                    "on {pals_phone} ({pals_hours}). PALS can talk to staff and managers for you."
                ),
                _("Or phone PALS on {pals_phone}. PALS can talk to staff for you."),
                _("Or phone PALS on {pals_phone}. They can talk to staff for you."),
            ),
            Text(
                _(
                    "You can still tell us about it here as well. It will not affect the care "
                    "you or the person you care for receive."
                ),
                _("You can still tell us here too. Your care will not change."),
                _("You can still tell us here too. You will not get into trouble."),
            ),
        ),
    )


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
