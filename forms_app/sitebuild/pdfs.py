"""Printable A4 PDFs of the leaflets, printed from the built site in this process with
WeasyPrint (``forms_app.printing.pdf``: no browser, so the site builds with only the runtime
dependencies installed).

The leaflets are ordinary pages of the site (``site/leaflets/*.md`` and their Welsh twins). After
MkDocs has built every language, ``print_leaflets`` prints each built page to A4 with the site's
print styles (``site/stylesheets/site.css``, ``@media print``) and the few rules in
``PRINT_CSS`` below: the page size and margins, page numbers in the footer, and plain block
layout where the theme's screen layout (flex boxes, the picture-beside-text grid) does not suit
paper. The large print version is the standard leaflet printed with the ``app-large-print``
class on the page, which sets the text to 18 point.

Each PDF is tagged (headings, lists and tables survive for screen readers), carries the page's
language and title, and reads only files of the built site (nothing from the network).

While MkDocs builds, the hook puts a placeholder file at each PDF's address so that links to
the PDFs are checked like any other link (``placeholder_files``); the real PDFs replace them
once every page exists.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from forms_app.printing.pdf import PdfError as PrintingError
from forms_app.printing.pdf import print_html

#: Set to 0 to build without printing (placeholders stay in place): `mkdocs serve` does this.
ENV_SWITCH = "FEEDBACK_SITE_PDFS"
PDF_DIR = "leaflets/pdf"


class PdfError(RuntimeError):
    """A leaflet could not be printed."""


@dataclass(frozen=True)
class Leaflet:
    page: str  # the built page, relative to the site directory
    pdf: str  # where the PDF goes, relative to the site directory
    large_print: bool = False


LEAFLETS = (
    Leaflet("leaflets/standard/index.html", f"{PDF_DIR}/feedback-leaflet.pdf"),
    Leaflet("leaflets/standard/index.html", f"{PDF_DIR}/feedback-leaflet-large-print.pdf", True),
    Leaflet("leaflets/easy-read/index.html", f"{PDF_DIR}/feedback-leaflet-easy-read.pdf"),
    Leaflet("leaflets/young-people/index.html", f"{PDF_DIR}/feedback-leaflet-young-people.pdf"),
    Leaflet("cy/leaflets/standard/index.html", f"{PDF_DIR}/taflen-adborth.pdf"),
    Leaflet("cy/leaflets/standard/index.html", f"{PDF_DIR}/taflen-adborth-print-bras.pdf", True),
    Leaflet("cy/leaflets/easy-read/index.html", f"{PDF_DIR}/taflen-adborth-hawdd-ei-deall.pdf"),
    Leaflet("cy/leaflets/young-people/index.html", f"{PDF_DIR}/taflen-adborth-pobl-ifanc.pdf"),
)

LARGE_PRINT_TITLE = {"en": "large print", "cy": "print bras"}
# Paper only. The theme lays the page out with flex boxes and a "skip to content" link for
# screens; on paper everything is one column. A picture beside its text is placed in the first
# column of its grid explicitly (WeasyPrint's grid does not place it there by itself).
PRINT_CSS = """
@page {
  size: A4;
  margin: 14mm 14mm 16mm;
  @bottom-center {
    content: counter(page) " / " counter(pages);
    font-family: Arial, "Liberation Sans", "DejaVu Sans", sans-serif;
    font-size: %(footer)s;
    color: #333;
  }
}
.md-skip, .md-header, .md-tabs, .md-sidebar, .md-footer, .md-top, .md-search, .md-dialog,
.md-content__button, .md-source-file, .md-feedback, .app-no-print { display: none !important; }
html, body, .md-container, .md-main, .md-main__inner, .md-content { display: block !important; }
.md-typeset .app-point > p:first-child { grid-column: 1; grid-row: 1 / -1; }
"""
_HTML_TAG = re.compile(r"<html\b([^>]*)>", re.IGNORECASE)
_CLASS = re.compile(r"""\bclass=(["'])(.*?)\1""", re.IGNORECASE | re.DOTALL)
_LANG = re.compile(r"""\blang=(["'])(.*?)\1""", re.IGNORECASE)
_TITLE = re.compile(r"<title>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def enabled() -> bool:
    return os.environ.get(ENV_SWITCH, "1").strip().lower() not in ("0", "no", "false", "off")


def placeholder_path() -> Path:
    """A small file standing in for every PDF until the real ones are printed."""
    path = Path(tempfile.gettempdir()) / "feedback-site-leaflet-placeholder.pdf"
    if not path.exists():
        path.write_bytes(b"%PDF-1.4\n% placeholder: the leaflet is printed after the build\n")
    return path


def large_print_page(html: str) -> str:
    """The page with the ``app-large-print`` class on ``<html>`` and "(large print)" in its
    title, in the page's language."""
    tag = _HTML_TAG.search(html)
    if tag is None:
        raise PdfError("the leaflet page has no <html> tag")
    attributes = tag.group(1)
    language = _LANG.search(attributes)
    words = LARGE_PRINT_TITLE.get(language.group(2) if language else "en", LARGE_PRINT_TITLE["en"])
    classes = _CLASS.search(attributes)
    if classes:
        attributes = _CLASS.sub(
            lambda m: f'class="{m.group(2)} app-large-print"', attributes, count=1
        )
    else:
        attributes += ' class="app-large-print"'
    html = html[: tag.start()] + f"<html{attributes}>" + html[tag.end() :]
    return _TITLE.sub(lambda m: f"<title>{m.group(1)} ({words})</title>", html, count=1)


def print_leaflets(site_dir: Path | str, leaflets=LEAFLETS) -> list[Path]:
    """Print every leaflet page under ``site_dir`` to its PDF; return the PDFs written."""
    site_dir = Path(site_dir)
    missing = [leaflet.page for leaflet in leaflets if not (site_dir / leaflet.page).exists()]
    if missing:
        raise PdfError(f"leaflet pages missing from {site_dir}: {', '.join(missing)}")
    written = []
    for leaflet in leaflets:
        source = site_dir / leaflet.page
        stylesheet = PRINT_CSS % {"footer": "14px" if leaflet.large_print else "10px"}
        try:
            if leaflet.large_print:
                html = large_print_page(source.read_text("utf-8"))
                printed = print_html(
                    string=html, base_url=source.as_uri(), stylesheet=stylesheet, folder=site_dir
                )
            else:
                printed = print_html(path=source, stylesheet=stylesheet, folder=site_dir)
        except PrintingError as error:
            raise PdfError(f"{leaflet.page} could not be printed: {error}") from error
        if printed.missing:
            codes = " ".join(f"U+{ord(c):04X}" for c in printed.missing)
            raise PdfError(f"{leaflet.page} has characters no installed font has: {codes}")
        out = site_dir / leaflet.pdf
        out.parent.mkdir(parents=True, exist_ok=True)
        out.unlink(missing_ok=True)  # the placeholder copied by MkDocs
        out.write_bytes(printed.pdf)
        written.append(out)
    return written
