"""The pages before the questions: is it happening now, and how to get it sorted today if so."""

from __future__ import annotations

from flask_babel import lazy_gettext as _
from flask_babel import lazy_pgettext

from ..model import Choice, Page, Question
from ..wording import Text

YES_NO = (Choice("yes", Text(_("Yes"))), Choice("no", Text(_("No"))))


def urgent_page() -> Page:
    """The first questions: is it happening now, and has the person tried to sort it out already."""
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
