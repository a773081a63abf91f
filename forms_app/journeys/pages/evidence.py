"""The page where the person may add files (photos, scanned letters, documents), and the words
for each reason a file is not taken.

The page is offered only where the service can check files for viruses (the public file pages
decide, from the settings); it is optional, and comes after the person has said what happened.
"""

from __future__ import annotations

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _

from ..model import Page
from ..wording import Text

#: The app's setting that says files can be taken (set by the public pages when a scanner is
#: configured, or "no scanner" is allowed outside production).
OFFERED_SETTING = "EVIDENCE_OFFERED"


def _offered(_answers) -> bool:
    return has_app_context() and bool(current_app.config.get(OFFERED_SETTING))


def files_page() -> Page:
    return Page(
        slug="add-files",
        title=Text(
            _("Add photos or documents (optional)"),
            _("Add photos or letters (you do not have to)"),
            _("Add photos or files (you do not have to)"),
        ),
        intro=Text(
            _(
                "You can add photos, scanned letters or documents that help explain what "
                "happened. You do not have to."
            ),
            _("You can add photos or letters. They help us understand. You do not have to."),
            _("You can add photos or files that help us understand. You do not have to."),
        ),
        body=(
            Text(
                _(
                    "You can add up to {max_files} files. Each must be a photo (JPEG, PNG or "
                    "HEIC), a PDF, a Word document (.docx) or a text file, and smaller than "
                    "{max_size}."
                ),
                _(
                    "You can add up to {max_files} files. "
                    "Each file must be smaller than {max_size}."
                ),
                _(
                    "You can add up to {max_files} files. "
                    "Each file must be smaller than {max_size}."
                ),
            ),
        ),
        show_if=_offered,
        heading_is_label=False,
        picture="write",
        files=True,
    )


#: What the person is told about a file that was not taken, by ``evidence.Refusal`` code.
#: ``{name}`` is the file's name, ``{max_files}`` and ``{max_size}`` the limits.
FILE_PROBLEMS = {
    "empty": Text(
        _("The file {name} is empty"),
        _("The file {name} has nothing in it"),
        _("The file {name} is empty"),
    ),
    "too_large": Text(
        _("The file {name} must be smaller than {max_size}"),
        _("The file {name} is too big. It must be smaller than {max_size}"),
        _("The file {name} is too big. It must be smaller than {max_size}"),
    ),
    "total_too_large": Text(
        _(
            "The files you chose are too big together. Add them a few at a time, each smaller "
            "than {max_size}"
        ),
        _("The files are too big. Add them one at a time"),
        _("The files are too big. Add them one at a time"),
    ),
    "too_many": Text(
        _("You can add up to {max_files} files. The file {name} was not added"),
        _("You can add {max_files} files. The file {name} was not added"),
        _("You can add {max_files} files. The file {name} was not added"),
    ),
    "not_allowed": Text(
        _(
            "The file {name} must be a photo (JPEG, PNG or HEIC), a PDF, a Word document "
            "(.docx) or a text file"
        ),
        _("We cannot take the file {name}. Send a photo, a PDF or a Word document"),
        _("We cannot take the file {name}. Send a photo, a PDF or a Word document"),
    ),
    "executable": Text(
        _("The file {name} is a program, not a photo or document. Programs cannot be added"),
        _("The file {name} is a program. We cannot take it"),
        _("The file {name} is a program. We cannot take it"),
    ),
    "pdf_script": Text(
        _(
            "The PDF {name} contains code that runs when it is opened, so it cannot be added. "
            "Print it to a new PDF, or scan or photograph it, and add that instead"
        ),
        _("We cannot take the PDF {name}. Send a photo of it instead"),
        _("We cannot take the PDF {name}. Send a photo of it instead"),
    ),
    "docx_bomb": Text(
        _(
            "The Word document {name} is damaged or too big when opened. Save it again as a PDF "
            "and add that instead"
        ),
        _("We cannot open the Word document {name}. Send it as a PDF"),
        _("We cannot open the Word document {name}. Send it as a PDF"),
    ),
    "docx_macros": Text(
        _(
            "The Word document {name} contains macros, so it cannot be added. Save it again "
            "as a PDF and add that instead"
        ),
        _("We cannot take the Word document {name}. Send it as a PDF"),
        _("We cannot take the Word document {name}. Send it as a PDF"),
    ),
    "damaged": Text(
        _("The file {name} is damaged and cannot be opened"),
        _("The file {name} is broken. We cannot open it"),
        _("The file {name} is broken. We cannot open it"),
    ),
    "infected": Text(
        _(
            "The file {name} contains a virus, so it was not added. Check your device with "
            "virus protection software"
        ),
        _("The file {name} has a virus. We did not add it"),
        _("The file {name} has a virus. We did not add it"),
    ),
}
