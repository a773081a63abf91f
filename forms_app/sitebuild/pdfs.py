"""Printable A4 PDFs of the leaflets, printed from the built site with headless Chromium.

The leaflets are ordinary pages of the site (``site/leaflets/*.md`` and their Welsh twins). After
MkDocs has built every language, ``print_leaflets`` opens each built page in Chromium (Debian's
``/usr/bin/chromium`` driven by Playwright, offline) and prints it to A4 with the site's print
styles (``site/stylesheets/site.css``). The large print version is the standard leaflet printed
with the ``app-large-print`` class on the page, which sets the text to 18 point.

Each PDF is tagged (headings, lists and links survive for screen readers), carries the page's
language and title, and has page numbers in the footer.

While MkDocs builds, the hook puts a placeholder file at each PDF's address so that links to
the PDFs are checked like any other link (``placeholder_files``); the real PDFs replace them
once every page exists.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from forms_app.printing.chromium import CHROMIUM, launch_chromium

#: Set to 0 to build without printing (placeholders stay in place): `mkdocs serve` does this.
ENV_SWITCH = "FEEDBACK_SITE_PDFS"
PDF_DIR = "leaflets/pdf"
MARGIN = {"top": "14mm", "bottom": "16mm", "left": "14mm", "right": "14mm"}


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
FOOTER = (
    '<div style="width:100%;text-align:center;font-family:Arial,sans-serif;'
    'font-size:{size}px;color:#333"><span class="pageNumber"></span> / '
    '<span class="totalPages"></span></div>'
)


def enabled() -> bool:
    return os.environ.get(ENV_SWITCH, "1").strip().lower() not in ("0", "no", "false", "off")


def placeholder_path() -> Path:
    """A small file standing in for every PDF until the real ones are printed."""
    path = Path(tempfile.gettempdir()) / "feedback-site-leaflet-placeholder.pdf"
    if not path.exists():
        path.write_bytes(b"%PDF-1.4\n% placeholder: the leaflet is printed after the build\n")
    return path


def print_leaflets(site_dir: Path | str, leaflets=LEAFLETS, chromium: str = CHROMIUM) -> list[Path]:
    """Print every leaflet page under ``site_dir`` to its PDF; return the PDFs written."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    site_dir = Path(site_dir)
    if not Path(chromium).exists():
        raise PdfError(
            f"Chromium ({chromium}) is needed to print the leaflet PDFs: run `make chromium`, "
            f"or build with {ENV_SWITCH}=0 to leave placeholders instead"
        )
    missing = [leaflet.page for leaflet in leaflets if not (site_dir / leaflet.page).exists()]
    if missing:
        raise PdfError(f"leaflet pages missing from {site_dir}: {', '.join(missing)}")

    written = []
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright, chromium)
            try:
                page = browser.new_page()
                page.emulate_media(media="print")
                for leaflet in leaflets:
                    page.goto((site_dir / leaflet.page).as_uri(), wait_until="load")
                    if leaflet.large_print:
                        language = page.evaluate("document.documentElement.lang") or "en"
                        words = LARGE_PRINT_TITLE.get(language, LARGE_PRINT_TITLE["en"])
                        page.evaluate(
                            "words => { document.documentElement.classList.add('app-large-print');"
                            " document.title = document.title + ' (' + words + ')'; }",
                            words,
                        )
                    out = site_dir / leaflet.pdf
                    out.parent.mkdir(parents=True, exist_ok=True)
                    out.unlink(missing_ok=True)  # the placeholder copied by MkDocs
                    page.pdf(
                        path=str(out),
                        format="A4",
                        margin=MARGIN,
                        print_background=True,
                        display_header_footer=True,
                        header_template="<span></span>",
                        footer_template=FOOTER.format(size=14 if leaflet.large_print else 10),
                        tagged=True,
                        outline=True,
                    )
                    written.append(out)
            finally:
                browser.close()
    except PlaywrightError as error:
        raise PdfError(f"Chromium could not print the leaflets: {error}") from error
    return written
