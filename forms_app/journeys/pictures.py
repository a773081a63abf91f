"""The easy-read pictograms and what each shows, for the alt text.

Easy Read guidance (Department of Health 2010, Mencap): a picture beside each point. The SVG
files are in ``forms_app/static/pictures/``; a test fails if a page names a picture that has no
file or no words here.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _

from .wording import Text

PICTURES = {
    "clock": Text(_("A clock")),
    "talk": Text(_("Two people talking")),
    "building": Text(_("A building where we give care")),
    "write": Text(_("A person writing")),
    "star": Text(_("A star")),
    "people": Text(_("Two people")),
    "person": Text(_("A person")),
    "phone": Text(_("A phone and a letter")),
    "ear": Text(_("An ear and an eye")),
    "helper": Text(_("A helper beside a person")),
    "heart": Text(_("A heart")),
    "idea": Text(_("A light bulb")),
    "question": Text(_("A question mark in a speech bubble")),
    "check": Text(_("A list with ticks")),
    "done": Text(_("A big tick")),
    "warning": Text(_("A warning sign")),
}
