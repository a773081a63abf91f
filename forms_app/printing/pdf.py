"""HTML to PDF in this process with WeasyPrint (no browser): the letters and the leaflets.

Every PDF is PDF/UA-1: tagged (headings, paragraphs, lists and tables survive for screen
readers), with the page's ``<title>`` as the title a reader shows and the language of
``<html lang>`` (``cy`` for Welsh). WeasyPrint draws text with the system's fonts (pango and
fontconfig); a character that no installed font has is printed as an empty box, and is
reported in ``Printed.missing`` so the caller can say so.

Nothing is fetched from the network. A page given as a string may fetch nothing at all; a
page read from a folder (a built site) may read files inside that folder only.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

#: The PDF variant: PDF/UA-1 turns tagging on and records the conformance in the metadata.
PDF_VARIANT = "pdf/ua-1"
# WeasyPrint logs this (with the character) when no installed font has a character.
_MISSING_GLYPH = ".notdef glyph rendered"


class PdfError(RuntimeError):
    """The PDF could not be made (WeasyPrint or pango missing, or WeasyPrint failed)."""


@dataclass(frozen=True)
class Printed:
    pdf: bytes
    #: Characters that no installed font has: each printed as an empty box.
    missing: tuple[str, ...]


class _MissingGlyphs(logging.Handler):
    """Collects WeasyPrint's missing-glyph warnings made by this thread only (a web worker
    prints several letters at once, one per thread)."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.characters: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread and str(record.msg).startswith(_MISSING_GLYPH):
            self.characters.append(str(record.args[0]) if record.args else "\ufffd")


def _weasyprint():
    try:
        import weasyprint
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError) as error:  # OSError: pango is not installed
        raise PdfError(f"WeasyPrint cannot be loaded: {error}") from error
    return weasyprint, URLFetcher


def _fetcher(url_fetcher_class, folder: Path | None):
    """A URL fetcher that reads only files inside ``folder`` (nothing at all without one)."""

    class FolderOnly(url_fetcher_class):
        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if folder is None or parts.scheme != "file":
                raise ValueError(f"not fetched when printing: {url}")
            path = Path(unquote(parts.path)).resolve()
            if not path.is_relative_to(folder):
                raise ValueError(f"outside {folder}: {url}")
            return super().fetch(url, headers)

    return FolderOnly(allowed_protocols=frozenset({"file"}) if folder else frozenset())


def print_html(
    *,
    string: str | None = None,
    path: Path | None = None,
    base_url: str | None = None,
    stylesheet: str = "",
    folder: Path | None = None,
) -> Printed:
    """Print a page, given as ``string`` (its links relative to ``base_url``) or read from
    ``path``, with an extra ``stylesheet`` (CSS text, after the page's own). Files may be read
    only inside ``folder``."""
    weasyprint, url_fetcher_class = _weasyprint()
    folder = Path(folder).resolve() if folder else None
    fetcher = _fetcher(url_fetcher_class, folder)
    logger = logging.getLogger("weasyprint")
    watcher = _MissingGlyphs()
    logger.addHandler(watcher)
    try:
        if path is not None:
            document = weasyprint.HTML(filename=str(path), url_fetcher=fetcher)
        else:
            document = weasyprint.HTML(string=string, base_url=base_url, url_fetcher=fetcher)
        extra = [weasyprint.CSS(string=stylesheet, url_fetcher=fetcher)] if stylesheet else []
        pdf = document.write_pdf(stylesheets=extra, pdf_variant=PDF_VARIANT)
    except Exception as error:  # WeasyPrint raises many kinds; callers need one
        raise PdfError(f"WeasyPrint could not print the page: {error}") from error
    finally:
        logger.removeHandler(watcher)
    return Printed(pdf, tuple(dict.fromkeys(watcher.characters)))
