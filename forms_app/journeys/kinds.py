"""One journey per kind of feedback: what it is called, how it starts, and its pages in order."""

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
    )
)

COMPLAINT = Journey(
    kind="complaint",
    slug="complaint",
    name=Text(_("Make a complaint")),
    start_title=Text(_("Make a complaint")),
    start_body=(
        Text(
            _(
                "Tell us when something about our care or services has gone wrong: something we "
                "did, did not do, or a decision we made."
            )
        ),
        Text(
            _(
                "We will tell you we have received it by {acknowledge_by}, and who is looking "
                "into it. {respond_promise}"
            )
        ),
        Text(_("It takes about 10 minutes. You can come back to a page to change an answer.")),
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
                )
            ),
            Text(_("Tell us what happened")),
            dated=True,
        ),
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
    name=Text(_("Raise a concern")),
    start_title=Text(_("Raise a concern")),
    start_body=(
        Text(
            _(
                "A concern is something you would like us to sort out informally and quickly, "
                "without a formal complaint. If it is not sorted out, you can still complain."
            )
        ),
        Text(_("We aim to get back to you by {respond_by}.")),
    ),
    pages=(
        pages.urgent_page(),
        pages.sort_it_quickly_page(),
        pages.service_page(),
        pages.details_page(
            "what-happened",
            Text(_("What is your concern?")),
            Text(_("Tell us in your own words what is worrying you.")),
            Text(_("Tell us what your concern is")),
            dated=True,
        ),
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
    name=Text(_("Leave a comment")),
    start_title=Text(_("Leave a comment or suggestion")),
    start_body=(
        Text(
            _(
                "Tell us about something that could be better: parking, signs, a venue, how we "
                "share information. Comments help us improve for everyone."
            )
        ),
    ),
    pages=(
        pages.service_page(Text(_("Which service is your comment about?"))),
        pages.details_page(
            "comment",
            Text(_("What would you like to tell us?")),
            Text(_("Your comment or suggestion, in your own words.")),
            Text(_("Enter your comment")),
            dated=False,
        ),
        pages.anonymous_page(
            Text(
                _(
                    "You can stay anonymous. We will still read your comment, but we will not be "
                    "able to reply to you."
                )
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
    name=Text(_("Pay a compliment")),
    start_title=Text(_("Pay a compliment")),
    start_body=(
        Text(
            _(
                "Tell us when someone has done a good job. We pass every compliment on to the "
                "staff and their manager, and share them with our board."
            )
        ),
    ),
    pages=(
        pages.service_page(Text(_("Which service is your compliment about?"))),
        pages.thank_page(),
        pages.details_page(
            "message",
            Text(_("Your message")),
            Text(_("What did they do well? We will pass on your words.")),
            Text(_("Enter your message")),
            dated=False,
        ),
        pages.anonymous_page(
            Text(
                _(
                    "You can stay anonymous. We will still pass on your compliment, but we will "
                    "not be able to thank you or reply."
                )
            )
        ),
        pages.contact_page(),
        pages.contact_details_page(),
    ),
)

ENQUIRY = Journey(
    kind="enquiry",
    slug="pals",
    name=Text(_("Ask PALS for help or advice")),
    start_title=Text(_("Ask PALS for help or advice")),
    start_body=(
        Text(
            _(
                "The Patient Advice and Liaison Service (PALS) gives confidential advice and help "
                "with questions about care, and can sort out problems quickly by talking to staff "
                "for you."
            )
        ),
        Text(
            _(
                "We aim to get back to you by {respond_by}. You can also call PALS on "
                "{pals_phone} ({pals_hours})."
            )
        ),
    ),
    pages=(
        pages.urgent_page(),
        pages.sort_it_quickly_page(),
        pages.service_page(),
        pages.details_page(
            "help",
            Text(_("What would you like help or advice with?")),
            Text(_("Tell us what you need and anything you have tried already.")),
            Text(_("Tell us what you need help with")),
            dated=False,
        ),
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
