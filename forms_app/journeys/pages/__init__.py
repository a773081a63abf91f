"""The pages journeys are made of, in words, grouped by what they ask about.

Each text holds three wordings side by side: standard, easy read (short sentences, one idea
each, everyday words, a picture beside each page) and young people (friendly, plain, for
children and young people including those in care). Pages are built by small functions so a
kind of feedback can word a page its own way (a compliment's "message" is a complaint's "what
happened") while the field it fills stays the same.
"""

from .before_you_start import YES_NO, sort_it_quickly_page, urgent_page
from .contact import (
    advocate_page,
    anonymous_page,
    communication_page,
    contact_details_page,
    contact_page,
)
from .evidence import FILE_PROBLEMS, files_page
from .what_happened import details_page, outcome_page, service_page, thank_page
from .who_it_is_about import about_them_page, who_for_page

__all__ = [
    "FILE_PROBLEMS",
    "YES_NO",
    "about_them_page",
    "advocate_page",
    "anonymous_page",
    "communication_page",
    "contact_details_page",
    "contact_page",
    "details_page",
    "files_page",
    "outcome_page",
    "service_page",
    "sort_it_quickly_page",
    "thank_page",
    "urgent_page",
    "who_for_page",
]
