"""One journey per kind of feedback: what it is called, how it starts, and its pages in order.

The same pages, in the same order, whatever the wording or language: so every variant of a
kind writes exactly the same fields, and the record is the same however it was given.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _

from . import pages
from .model import Journey
from .wording import Text

_ANONYMOUS_LIMITS = Text(
    _(
        "You can stay anonymous. We will still read it and look into it. But we will not be able "
        "to reply to you, tell you what we found, or ask you for more details, and that can make "
        "it harder to look into."
    ),
    _(
        "You do not have to give your name. We will still read it. But we cannot write back "
        "to you. We cannot ask you questions."
    ),
    _(
        "You do not have to give your name. We will still read it. But we cannot tell you "
        "what happens next. We cannot ask you questions."
    ),
)

_TAKES = Text(
    _("It takes about 10 minutes. You can go back to change an answer."),
    _("It takes about 10 minutes. You can go back and change things."),
    _("It takes about 10 minutes. You can go back and change things."),
)

COMPLAINT = Journey(
    kind="complaint",
    slug="complaint",
    name=Text(_("Make a complaint"), _("Tell us something went wrong"), _("Make a complaint")),
    start_title=Text(
        _("Make a complaint"), _("Tell us something went wrong"), _("Make a complaint")
    ),
    start_body=(
        Text(
            _(
                "Tell us when something about our care or services has gone wrong: something we "
                "did, did not do, or a decision we made."
            ),
            _("Tell us when something went wrong. We want to put it right."),
            _(
                "Something not right? Tell us. We want to hear from you. You will not get into "
                "trouble."
            ),
        ),
        Text(
            _(
                "We will tell you we have received it by {acknowledge_by}, and who is looking "
                "into it. {respond_promise}"
            ),
            _("We will get in touch by {acknowledge_by}. We will say who is looking into it."),
            _("We will get in touch by {acknowledge_by}. We will say who is helping you."),
        ),
        _TAKES,
    ),
    pages=(
        pages.urgent_page(),
        pages.sort_it_quickly_page(),
        pages.service_page(),
        pages.details_page(
            "what-happened",
            Text(_("What happened?")),
            Text(
                _(
                    "Tell us in your own words. Include what happened, where, and who was "
                    "involved if you know. Do not worry about getting it perfect."
                ),
                _("Use your own words. Say what happened and where."),
                _("Use your own words. Say what happened. It does not have to be perfect."),
            ),
            Text(_("Tell us what happened")),
            dated=True,
            picture="write",
        ),
        pages.files_page(),
        pages.outcome_page(),
        pages.who_for_page(),
        pages.about_them_page(),
        pages.anonymous_page(_ANONYMOUS_LIMITS),
        pages.contact_page(),
        pages.contact_details_page(),
        pages.communication_page(),
        pages.advocate_page(),
    ),
)

CONCERN = Journey(
    kind="concern",
    slug="concern",
    name=Text(_("Raise a concern"), _("Tell us you are worried"), _("Tell us you are worried")),
    start_title=Text(
        _("Raise a concern"), _("Tell us you are worried"), _("Tell us you are worried")
    ),
    start_body=(
        Text(
            _(
                "A concern is something you would like us to sort out informally and quickly, "
                "without a formal complaint. If it is not sorted out, you can still complain."
            ),
            _("Tell us when something worries you. We will try to sort it out quickly."),
            _("Worried about something? Tell us. We will try to sort it out quickly."),
        ),
        Text(_("We aim to get back to you by {respond_by}.")),
    ),
    pages=(
        pages.urgent_page(),
        pages.sort_it_quickly_page(),
        pages.service_page(),
        pages.details_page(
            "what-happened",
            Text(
                _("What is your concern?"),
                _("What are you worried about?"),
                _("What are you worried about?"),
            ),
            Text(
                _("Tell us in your own words what is worrying you."),
                _("Use your own words."),
                _("Use your own words."),
            ),
            Text(_("Tell us what your concern is")),
            dated=True,
            picture="write",
        ),
        pages.files_page(),
        pages.outcome_page(),
        pages.who_for_page(),
        pages.about_them_page(),
        pages.anonymous_page(_ANONYMOUS_LIMITS),
        pages.contact_page(),
        pages.contact_details_page(),
        pages.communication_page(),
    ),
)

COMMENT = Journey(
    kind="comment",
    slug="comment",
    name=Text(_("Leave a comment"), _("Give us an idea"), _("Give us an idea")),
    start_title=Text(
        _("Leave a comment or suggestion"), _("Give us an idea"), _("Give us an idea")
    ),
    start_body=(
        Text(
            _(
                "Tell us about something that could be better: parking, signs, a venue, how we "
                "share information. Comments help us improve for everyone."
            ),
            _("Tell us how we could do things better."),
            _("Got an idea to make things better? Tell us."),
        ),
    ),
    pages=(
        pages.service_page(
            Text(
                _("Which service is your comment about?"),
                _("Which service is it about?"),
                _("Which service is it about?"),
            )
        ),
        pages.details_page(
            "comment",
            Text(
                _("What would you like to tell us?"),
                _("What is your idea?"),
                _("What is your idea?"),
            ),
            Text(
                _("Your comment or suggestion, in your own words."),
                _("Use your own words."),
                _("Use your own words."),
            ),
            Text(_("Enter your comment")),
            dated=False,
            picture="idea",
        ),
        pages.anonymous_page(
            Text(
                _(
                    "You can stay anonymous. We will still read your comment, but we will not be "
                    "able to reply to you."
                ),
                _("You do not have to give your name. But we cannot write back to you."),
                _("You do not have to give your name. But we cannot write back to you."),
            )
        ),
        pages.contact_page(),
        pages.contact_details_page(),
        pages.communication_page(),
    ),
)

COMPLIMENT = Journey(
    kind="compliment",
    slug="compliment",
    name=Text(_("Pay a compliment"), _("Say thank you"), _("Say thank you")),
    start_title=Text(_("Pay a compliment"), _("Say thank you"), _("Say thank you")),
    start_body=(
        Text(
            _(
                "Tell us when someone has done a good job. We pass every compliment on to the "
                "staff and their manager, and share them with our board."
            ),
            _("Tell us when someone did a good job. We will tell them."),
            _("Did someone do a great job? Tell us and we will tell them."),
        ),
    ),
    pages=(
        pages.service_page(
            Text(
                _("Which service is your compliment about?"),
                _("Which service is it about?"),
                _("Which service is it about?"),
            )
        ),
        pages.thank_page(),
        pages.details_page(
            "message",
            Text(_("Your message"), _("What do you want to say?"), _("What do you want to say?")),
            Text(
                _("What did they do well? We will pass on your words."),
                _("What did they do well? We will tell them."),
                _("What did they do well? We will tell them."),
            ),
            Text(_("Enter your message")),
            dated=False,
            picture="heart",
        ),
        pages.anonymous_page(
            Text(
                _(
                    "You can stay anonymous. We will still pass on your compliment, but we will "
                    "not be able to thank you or reply."
                ),
                _("You do not have to give your name. But we cannot write back to you."),
                _("You do not have to give your name. But we cannot write back to you."),
            )
        ),
        pages.contact_page(),
        pages.contact_details_page(),
    ),
)

ENQUIRY = Journey(
    kind="enquiry",
    slug="pals",
    name=Text(_("Ask PALS for help or advice"), _("Ask PALS for help"), _("Ask PALS for help")),
    start_title=Text(
        _("Ask PALS for help or advice"), _("Ask PALS for help"), _("Ask PALS for help")
    ),
    start_body=(
        Text(
            _(
                "The Patient Advice and Liaison Service (PALS) gives confidential advice and help "
                "with questions about care, and can sort out problems quickly by talking to staff "
                "for you."
            ),
            _("PALS can answer questions about care. PALS can talk to staff for you."),
            _("PALS can answer your questions. PALS can talk to staff for you."),
        ),
        Text(
            _(
                "We aim to get back to you by {respond_by}. You can also call PALS on "
                "{pals_phone} ({pals_hours})."
            ),
            _("We will get back to you by {respond_by}. Or phone PALS on {pals_phone}."),
            _("We will get back to you by {respond_by}. Or phone PALS on {pals_phone}."),
        ),
    ),
    pages=(
        pages.urgent_page(),
        pages.sort_it_quickly_page(),
        pages.service_page(),
        pages.details_page(
            "help",
            Text(
                _("What would you like help or advice with?"),
                _("What do you need help with?"),
                _("What do you need help with?"),
            ),
            Text(
                _("Tell us what you need and anything you have tried already."),
                _("Use your own words."),
                _("Use your own words."),
            ),
            Text(_("Tell us what you need help with")),
            dated=False,
            picture="question",
        ),
        pages.files_page(),
        pages.who_for_page(),
        pages.about_them_page(),
        pages.contact_page(),
        pages.contact_details_page(),
        pages.communication_page(),
    ),
    # PALS has to reach the person to help them.
    fixed={"anonymous": "false"},
)

JOURNEYS = {journey.slug: journey for journey in (COMPLAINT, CONCERN, COMMENT, COMPLIMENT, ENQUIRY)}
KINDS = {journey.kind: journey for journey in JOURNEYS.values()}
