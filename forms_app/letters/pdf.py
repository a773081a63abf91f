"""A letter's printable HTML page to PDF, in this process (``forms_app.printing.pdf``: no
browser). The page's stylesheet is inline and nothing else is fetched.

The letter's stylesheet (``letters/letter.css``) names fonts that cover Welsh (ŵ, ŷ, â) and a
colour emoji font last, so a compliment that says "🌟" prints the star, not an empty box.
"""

from __future__ import annotations

import logging

from forms_app.printing.pdf import PdfError, Printed, print_html

__all__ = ["PdfError", "Printed", "html_to_pdf", "print_letter"]


def print_letter(html: str) -> Printed:
    """The PDF of a whole letter page, with the characters no installed font has."""
    return print_html(string=html)


def html_to_pdf(html: str) -> bytes:
    """The PDF of a whole letter page. A character no font has is logged by its code point
    (never the letter's words); the letter is still printed, with a box for that character."""
    printed = print_letter(html)
    if printed.missing:
        logging.getLogger(__name__).warning(
            "letter PDF printed with empty boxes for characters no font has: %s",
            " ".join(f"U+{ord(c):04X}" for c in printed.missing),
        )
    return printed.pdf
