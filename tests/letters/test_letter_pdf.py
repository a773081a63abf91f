"""Letter PDFs are printed in this process, without a browser: tagged, titled, in the letter's
language, with fonts for Welsh and for emoji, and without reading anything from outside."""

from __future__ import annotations

import html as html_module
import logging
import re
import subprocess
import sys
import threading
import types
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from forms_app.letters import catalogue
from forms_app.letters.document import page
from forms_app.letters.pdf import print_letter
from tests.support.pdf_objects import embedded_fonts, pdf_objects
from tests.support.staff import csrf, submit

CSS = (catalogue.DEFAULT_DIR / "letter.css").read_text("utf-8")
META = {
    "language": "cy",
    "ref": "ABCD-2345",
    "date": "4 Mawrth 2025",
    "name": "Siân Example",
    "address": ["1 Heol y Felin", "CF99 1ZZ"],
    "org": {"name": "Gofal Glan yr Afon", "address": "Tŷ Glan yr Afon", "phone": "07700 900123"},
}
WELSH = "Annwyl Siân Example,\n\nDiolch am eich neges. Ŵyn, ŷd, â, ê, î, ô, û, ẁ, ỳ.\n\nYn gywir,"


def _letter_pdf(text: str, **meta) -> bytes:
    printed = print_letter(page(text, {**META, **meta}, inline_css=CSS))
    assert printed.missing == (), f"printed as boxes: {printed.missing}"
    return printed.pdf


def test_a_compliment_that_says_a_star_prints_the_star_not_a_box():
    printed = print_letter(page("🌟 Diolch yn fawr i'r staff nos!", META, inline_css=CSS))
    assert printed.missing == (), "no installed font has the emoji: run `make fonts`"
    assert any("Emoji" in font for font in embedded_fonts(printed.pdf)), embedded_fonts(printed.pdf)


def test_phone_numbers_and_dates_print_in_the_letter_font_not_as_emoji_pictures():
    data = _letter_pdf("Ffoniwch 07700 900123 erbyn 31 Mawrth 2025.")
    assert not [font for font in embedded_fonts(data) if "Emoji" in font], embedded_fonts(data)


def test_a_welsh_letter_is_tagged_titled_and_in_welsh_with_every_accent_in_a_font():
    data = _letter_pdf(WELSH)
    objects = pdf_objects(data)
    assert data.startswith(b"%PDF-")
    assert b"/StructTreeRoot" in objects and b"/Marked true" in objects
    assert b"/Lang (cy)" in objects
    assert b"/Title (Llythyr ABCD-2345)" in objects
    english = pdf_objects(_letter_pdf("Dear Siân Example,\n\nThank you.", language="en"))
    assert b"/Lang (en)" in english and b"/Title (Letter ABCD-2345)" in english


def test_a_letter_reads_nothing_from_the_network_or_the_disk(tmp_path):
    asked = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        # The letter's body is escaped, so only the page's own stylesheet could ask: the most
        # a template author could do.
        css = f'{CSS}\n@import url("{url}/a.css");\nbody {{ background: url("{url}/b.png"); }}'
        css += f'\nhtml {{ background: url("{secret.as_uri()}"); }}'
        printed = print_letter(page("Dear Siân,", META, inline_css=css))
    finally:
        server.shutdown()
        thread.join(timeout=5)
    assert printed.pdf.startswith(b"%PDF-")
    assert asked == []


@pytest.fixture
def no_browser(monkeypatch):
    """Chromium cannot be started: its launcher fails loudly, Playwright cannot be imported
    and no child process can be started (the letters once printed in a child browser)."""

    def refuse(*args, **kwargs):
        raise AssertionError("a browser or a child process was started to print a letter")

    chromium = types.ModuleType("forms_app.printing.chromium")
    chromium.launch_chromium = refuse
    chromium.CHROMIUM = "/nonexistent/chromium"
    chromium.CHROMIUM_ARGS = []
    monkeypatch.setitem(sys.modules, "forms_app.printing.chromium", chromium)
    for name in ("playwright", "playwright.sync_api"):
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setattr(subprocess, "Popen", refuse)


def test_staff_get_a_letter_pdf_without_any_browser(no_browser, signed_in, app_parts, caplog):
    client = signed_in("olive")
    ref = submit(app_parts, kind="compliment", language="cy", name="Dafydd Example")
    draft = client.get(f"/staff/cases/{ref}/letters/new/compliment_thanks")
    assert draft.status_code == 200
    text = re.search(r"<textarea[^>]*>(.*?)</textarea>", draft.text, re.S).group(1)
    text = html_module.unescape(text) + "\n🌟 Diolch o galon, Dafydd!\n"
    produced = client.post(
        f"/staff/cases/{ref}/letters/new/compliment_thanks",
        data={"text": text, "language": "cy", "csrf_token": csrf(draft.text)},
    )
    assert produced.status_code == 302
    letter_id = produced.headers["Location"].rsplit("/", 1)[1]
    with caplog.at_level(logging.WARNING):
        pdf = client.get(f"/staff/cases/{ref}/letters/{letter_id}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF-")
    assert b"/Lang (cy)" in pdf_objects(pdf.data)
    assert not [r for r in caplog.records if "empty boxes" in r.getMessage()]
    assert any("Emoji" in font for font in embedded_fonts(pdf.data))


PDF_STEP = """
import sys
sys.modules["playwright"] = None
sys.modules["playwright.sync_api"] = None
from pathlib import Path
from forms_app.letters.document import page
from forms_app.letters.pdf import html_to_pdf
from forms_app.sitebuild.pdfs import Leaflet, print_leaflets

site = Path(sys.argv[1])
letter = html_to_pdf(page("Dear Siân Example,", {"language": "en", "ref": "ABCD-2345"}))
assert letter.startswith(b"%PDF-"), letter[:20]
written = print_leaflets(site, (Leaflet("leaflet/index.html", "pdf/leaflet.pdf"),))
print(len(letter), [p.read_bytes()[:5].decode() for p in written])
"""


def test_letters_and_leaflets_print_with_playwright_unimportable(tmp_path):
    (tmp_path / "leaflet").mkdir()
    (tmp_path / "leaflet" / "index.html").write_text(
        '<!doctype html><html lang="cy"><head><meta charset="utf-8"><title>Taflen</title></head>'
        "<body><h1>Dywedwch wrthym</h1><p>Ffoniwch 07700 900123.</p></body></html>",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-c", PDF_STEP, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "['%PDF-']" in result.stdout
    assert b"/Lang (cy)" in pdf_objects((tmp_path / "pdf" / "leaflet.pdf").read_bytes())
