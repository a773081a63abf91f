"""The published site as people get it: built once with the real ``mkdocs build --strict`` (leaflet
PDFs included), then read as files and in a real browser.

- every page has its Welsh twin, and Welsh pages say ``<html lang="cy">``;
- policies carry an owner and review dates, and no review date has passed;
- the leaflet PDFs are built, A4, tagged, linked, and the large print one has bigger text;
- nothing but pages, pictures, styles and MkDocs' own search index is published, and the search
  index holds no personal data; Welsh search does not mangle Welsh words;
- axe finds no serious or critical problem on any page;
- from the home page, one click reaches how to complain, how long it takes and who can help;
- easy read pages keep to short sentences and large text.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import subprocess
import sys
import threading
import time
import zlib
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from forms_app.organisation.settings import EXAMPLE_SETTINGS, PROJECT_DIR, load_settings
from forms_app.procedures.profiles import load_procedure
from forms_app.sitebuild.pdfs import LEAFLETS
from forms_app.sitebuild.timescales import timescales
from tests.support.pdf_objects import pdf_objects

pytestmark = pytest.mark.slow

SITE_SOURCE = PROJECT_DIR / "site"
FORM_URL = "https://forms.example.org/feedback"
KINDS = ("complaint", "concern", "comment", "compliment", "pals")
VARIANTS = ("", "easy-read/", "young-people/")
#: Pages that are policies: each needs an owner and review dates.
POLICIES = (
    "policy.md",
    "easy-read.md",
    "young-people.md",
    "charter.md",
    "unacceptable-conduct.md",
    "privacy.md",
    "accessibility.md",
)
EASY_READ = ("easy-read", "leaflets/easy-read")
A4 = (595.3, 841.9)  # points


# The build -----------------------------------------------------------------------------------


def mkdocs_build(site_dir: Path, settings: Path, pdfs: bool = True, config: Path | None = None):
    env = {
        **os.environ,
        "FORMS_APP_SETTINGS": str(settings),
        "NO_MKDOCS_2_WARNING": "1",
        "FEEDBACK_SITE_PDFS": "1" if pdfs else "0",
    }
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)]
    if config is not None:
        command += ["--config-file", str(config)]
    return subprocess.Popen(
        command,
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def settings_file(directory: Path, **changes) -> Path:
    raw = yaml.safe_load(EXAMPLE_SETTINGS.read_text(encoding="utf-8"))
    raw["form_url"] = FORM_URL
    raw.update(changes)
    path = directory / "settings.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


OTHER_PROFILE = "scotland-spso"


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """Two builds at once: the example settings (the charity's profile) with the leaflet PDFs,
    and the same settings with another procedure profile, without PDFs."""
    tmp = tmp_path_factory.mktemp("published")
    started = time.monotonic()
    processes = {}
    for name, changes, pdfs in (("main", {}, True), ("other", {"procedure": OTHER_PROFILE}, False)):
        (tmp / name).mkdir()
        settings = settings_file(tmp / name, **changes)
        processes[name] = (settings, mkdocs_build(tmp / name / "site", settings, pdfs=pdfs))
    out = {}
    for name, (settings, process) in processes.items():
        output, _ = process.communicate(timeout=300)
        assert process.returncode == 0, f"mkdocs build ({name}) failed:\n{output}"
        out[name] = (tmp / name / "site", load_settings(settings), time.monotonic() - started)
    return out


@pytest.fixture(scope="module")
def built(builds):
    """The site as configured by the example settings: (directory, settings, seconds)."""
    return builds["main"]


@pytest.fixture(scope="module")
def served(built):
    """The built site over real HTTP on a free loopback port."""
    site_dir = built[0]

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(site_dir))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    from tests.support.browser import launch_chromium

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


class _Text(HTMLParser):
    """The text of a page's article (what the Markdown made), and its links."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.parts: list[str] = []
        self.links: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "article":
            self.depth += 1
        if self.depth and tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if self.depth and tag in ("p", "li", "h1", "h2", "h3", "td", "th", "dt", "dd", "div"):
            self.parts.append("\n")
        if self.depth and (tag in ("script", "style") or "app-no-print" in attrs.get("class", "")):
            self.skip += 1

    def handle_endtag(self, tag):
        if tag == "article":
            self.depth -= 1
        if self.depth and tag in ("script", "style", "p") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if self.depth and not self.skip:
            self.parts.append(data)


def article(html: str) -> _Text:
    parser = _Text()
    parser.feed(html)
    return parser


def page_html(site_dir: Path, page: str, language: str = "en") -> str:
    prefix = "cy/" if language == "cy" else ""
    path = site_dir / prefix / page / "index.html" if page else site_dir / prefix / "index.html"
    return path.read_text(encoding="utf-8")


def front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        return {}
    return yaml.safe_load(text[4 : text.index("\n---", 4)]) or {}


def sources(language: str) -> list[Path]:
    pages = sorted(SITE_SOURCE.rglob("*.md"))
    if language == "cy":
        return [p for p in pages if p.name.endswith(".cy.md")]
    return [p for p in pages if not p.name.endswith(".cy.md")]


# Both languages ------------------------------------------------------------------------------


def test_every_page_has_its_welsh_twin_and_every_twin_its_english_page():
    english = {p.relative_to(SITE_SOURCE).as_posix()[:-3] for p in sources("en")}
    welsh = {p.relative_to(SITE_SOURCE).as_posix()[:-6] for p in sources("cy")}
    assert len(english) >= 18
    assert sorted(english - welsh) == [], "pages without a Welsh twin (page.cy.md)"
    assert sorted(welsh - english) == [], "Welsh pages without an English page"


def test_welsh_pages_are_built_as_welsh(built):
    site_dir, _, _ = built
    pages = list(site_dir.rglob("index.html"))
    welsh = [p for p in pages if p.relative_to(site_dir).parts[0] == "cy"]
    assert len(welsh) == len(sources("cy"))
    for path in pages:
        html = path.read_text(encoding="utf-8")
        expected = "cy" if path in welsh else "en"
        assert f'<html lang="{expected}"' in html, path
        # A visible link to the other language, not only Material's icon.
        other = "en" if expected == "cy" else "cy"
        assert 'class="app-language app-no-print"><a href="' in html, path
        assert f'lang="{other}" hreflang="{other}">' in html, path
    # The Welsh home page is in Welsh, with Welsh navigation.
    home = page_html(site_dir, "", "cy")
    assert "Dywedwch wrthym beth rydych chi" in home
    assert "Ein polisïau" in home and "Help a chymorth" in home


def test_every_form_in_every_version_and_language_is_linked(built):
    site_dir, _, _ = built
    for language in ("en", "cy"):
        links = set(article(page_html(site_dir, "give-feedback", language)).links)
        for kind in KINDS:
            for variant in VARIANTS:
                for prefix in ("", "cy/"):
                    url = f"{FORM_URL}/{prefix}{variant}{kind}/"
                    assert url in links, (language, url)


# Policies and review dates -------------------------------------------------------------------


def test_policies_have_an_owner_and_review_dates_in_both_languages():
    for name in POLICIES:
        for path in (SITE_SOURCE / name, SITE_SOURCE / name.replace(".md", ".cy.md")):
            meta = front_matter(path)
            assert meta.get("owner"), f"{path}: no owner"
            assert isinstance(meta.get("last_reviewed"), date), f"{path}: no last_reviewed"
            assert isinstance(meta.get("next_review"), date), f"{path}: no next_review"
        english, welsh = (
            front_matter(SITE_SOURCE / name),
            front_matter(SITE_SOURCE / name.replace(".md", ".cy.md")),
        )
        for key in ("last_reviewed", "next_review"):
            assert english[key] == welsh[key], f"{name}: the Welsh {key} differs"


def test_no_review_date_has_passed():
    today = date.today()
    for path in sorted(SITE_SOURCE.rglob("*.md")):
        meta = front_matter(path)
        if "next_review" in meta:
            assert meta["next_review"] > today, (
                f"{path.relative_to(PROJECT_DIR)} was due for review on {meta['next_review']}: "
                "review it, then set last_reviewed and next_review"
            )
            assert meta["last_reviewed"] <= today, path


def test_the_document_information_is_on_the_page(built):
    site_dir, _, _ = built
    html = page_html(site_dir, "policy")
    assert "Document information" in html and "Next review:</strong> November 2027" in html
    welsh = page_html(site_dir, "policy", "cy")
    assert "Gwybodaeth am y ddogfen" in welsh and "Adolygiad nesaf:</strong> Tachwedd 2027" in welsh


def test_the_charter_links_to_the_unacceptable_conduct_policy(built):
    site_dir, _, _ = built
    for language in ("en", "cy"):
        assert "../unacceptable-conduct/" in article(page_html(site_dir, "charter", language)).links


def test_timescales_are_never_typed_into_a_page():
    # They come from the procedure profile (see tests/sitebuild/test_timescales.py), so they
    # cannot drift.
    typed = re.compile(
        r"\b\d+\s+(working\s+)?(day|days|week|weeks)\b|\b\d+\s+(d+iwrnod|wythnos)", re.IGNORECASE
    )
    for path in sorted(SITE_SOURCE.rglob("*.md")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert not typed.search(line), f"{path.relative_to(PROJECT_DIR)}:{number}: {line}"


# Published files -----------------------------------------------------------------------------


def report_packages(root: Path) -> set[str]:
    """The files of the reports' aggregate data packages under ``root``: each
    ``outcomes/data/<period>/datapackage.json`` (valid, by frictionless) and the CSV files it
    names. These, and nothing else, are data the site may publish."""
    from frictionless import Package

    allowed = set()
    for descriptor in sorted(root.glob("outcomes/data/*/datapackage.json")):
        report = Package(str(descriptor)).validate()
        assert report.valid, report.flatten(["rowNumber", "fieldName", "type"])
        folder = descriptor.parent.relative_to(root).as_posix()
        names = [r["path"] for r in json.loads(descriptor.read_text("utf-8"))["resources"]]
        allowed |= {f"{folder}/datapackage.json", *(f"{folder}/{name}" for name in names)}
    return allowed


def test_no_data_file_is_published_but_the_reports_packages(built):
    site_dir, _, _ = built
    data = {
        p.relative_to(site_dir).as_posix()
        for p in site_dir.rglob("*")
        if p.suffix.lower() in (".csv", ".json", ".tsv", ".xlsx", ".yaml", ".yml", ".sqlite")
    }
    packages = report_packages(site_dir)
    assert packages, "the published report's data package is missing from the built site"
    assert data == {"search/search_index.json"} | packages


def test_only_pages_pictures_styles_and_report_data_are_kept_in_the_site_folder():
    # Everything under docs_dir is published: data, scripts or stray files must never be there,
    # except each report's checked data package, kept beside its pages.
    allowed = {".md", ".svg", ".css"}
    others = {
        p.relative_to(SITE_SOURCE).as_posix()
        for p in SITE_SOURCE.rglob("*")
        if p.is_file() and p.suffix not in allowed
    }
    assert others == report_packages(SITE_SOURCE)


def test_every_download_link_of_a_report_page_resolves(built):
    site_dir, _, _ = built
    pages = [p for p in site_dir.glob("**/outcomes/*/index.html") if "data" not in p.parts]
    links = [
        (page, href)
        for page in pages
        for href in re.findall(r'href="([^"]*outcomes/data/[^"]+)"', page.read_text("utf-8"))
    ]
    assert links, "no report page offers its data"
    for page, href in links:
        target = (page.parent / href).resolve() if not href.startswith("/") else None
        target = target or site_dir / href.lstrip("/")
        assert target.is_file(), f"{page.relative_to(site_dir)}: {href} is not in the site"


def test_the_search_index_holds_no_personal_data(built):
    site_dir, settings, _ = built
    index = json.loads((site_dir / "search" / "search_index.json").read_text(encoding="utf-8"))
    text = " ".join(f"{doc['title']} {doc['text']}" for doc in index["docs"])
    known_emails = {settings.contact["email"], settings.pals["email"]}
    assert set(re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", text)) <= known_emails
    procedure = load_procedure(settings.procedure)
    known_phones = {
        settings.contact["phone"],
        settings.pals["phone"],
        settings.advocacy["phone"],
        settings.advocacy["young_people_phone"],
        *(settings.safeguarding.values()),
        procedure.escalation["phone"],
        "0800 1111",  # Childline
        "0303 123 1113",  # the ICO
    }
    digits = {re.sub(r"\D", "", phone) for phone in known_phones}
    for phone in re.findall(r"(?<![\d/])0\d{2,4}[ \d]{6,10}\d", text):
        assert re.sub(r"\D", "", phone) in digits, phone
    assert not re.search(r"\b\d{3} ?\d{3} ?\d{4}\b", text), "something like an NHS number"
    postcodes = set(re.findall(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b", text))
    assert postcodes <= {"EX1 1AA"}  # the organisation's own address


def test_search_keeps_welsh_words_whole(built):
    site_dir, _, _ = built
    index = json.loads((site_dir / "search" / "search_index.json").read_text(encoding="utf-8"))
    # No stemmer (English rules mangle Welsh) and no trimmer (it strips ŷ, ŵ, ô at word edges).
    assert index["config"]["pipeline"] == []
    assert any(doc["location"].startswith("cy/") for doc in index["docs"])


# Leaflet PDFs --------------------------------------------------------------------------------


def pdf_font_sizes(data: bytes) -> list[float]:
    """Font sizes (the ``Tf`` operator) used in a PDF's page streams."""
    sizes = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.DOTALL):
        try:
            stream = zlib.decompress(match.group(1))
        except zlib.error:
            continue
        sizes += [float(size) for size in re.findall(rb"/[\w+-]+ ([\d.]+) Tf", stream)]
    return sizes


def body_size(data: bytes) -> float:
    """The most used font size, in points: the body text. WeasyPrint writes sizes in CSS pixels
    under a 0.75 scale (96 pixels to the inch, 72 points)."""
    sizes = [round(size * 0.75, 1) for size in pdf_font_sizes(data)]
    return max(set(sizes), key=sizes.count)


def test_every_leaflet_pdf_is_built_on_a4_tagged_and_in_its_language(built):
    site_dir, settings, _ = built
    assert len(LEAFLETS) == 8
    for leaflet in LEAFLETS:
        data = pdf_objects((site_dir / leaflet.pdf).read_bytes())
        assert data.startswith(b"%PDF-") and len(data) > 5000, leaflet.pdf
        boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", data)
        assert boxes, leaflet.pdf
        for width, height in boxes:
            assert abs(float(width) - A4[0]) < 2 and abs(float(height) - A4[1]) < 2, boxes
        assert b"/StructTreeRoot" in data, f"{leaflet.pdf} is not tagged"
        language = "cy" if leaflet.page.startswith("cy/") else "en"
        assert f"/Lang ({language})".encode() in data, leaflet.pdf
        assert pdf_font_sizes(data), leaflet.pdf


def test_the_large_print_leaflets_have_bigger_text(built):
    site_dir, _, _ = built
    for standard, large in (
        ("feedback-leaflet.pdf", "feedback-leaflet-large-print.pdf"),
        ("taflen-adborth.pdf", "taflen-adborth-print-bras.pdf"),
    ):
        normal = body_size((site_dir / "leaflets/pdf" / standard).read_bytes())
        bigger = body_size((site_dir / "leaflets/pdf" / large).read_bytes())
        assert normal <= 12.5
        assert bigger >= 17.5, "large print is at least 16 point (we use 18)"
        assert bigger > normal * 1.4
    easy = body_size((site_dir / "leaflets/pdf/feedback-leaflet-easy-read.pdf").read_bytes())
    assert easy >= 14, "easy read text is at least 14 point"


def test_every_pdf_is_linked_from_the_leaflets_pages(built):
    site_dir, _, _ = built
    for language in ("en", "cy"):
        links = {
            link.split("/")[-1] for link in article(page_html(site_dir, "leaflets", language)).links
        }
        for leaflet in LEAFLETS:
            assert leaflet.pdf.split("/")[-1] in links, (language, leaflet.pdf)
    standard = article(page_html(site_dir, "leaflets/standard")).links
    assert "../pdf/feedback-leaflet.pdf" in standard
    assert "../pdf/feedback-leaflet-large-print.pdf" in standard


# Easy read -----------------------------------------------------------------------------------


def sentences(text: str) -> list[str]:
    text = re.sub(r"https?://\S+|\S+@\S+", "link", text)
    parts = re.split(r"(?<=[.!?:])\s+|\n+", text)
    return [p.strip() for p in parts if re.search(r"\w", p)]


@pytest.mark.parametrize("language", ["en", "cy"])
def test_easy_read_sentences_are_short(built, language):
    site_dir, _, _ = built
    for page in EASY_READ:
        text = "".join(article(page_html(site_dir, page, language)).parts)
        text = text.split("Document information")[0].split("Gwybodaeth am y ddogfen")[0]
        long = [s for s in sentences(text) if len(s.split()) > 15]
        assert long == [], f"{language} {page}: sentences over 15 words"


def test_every_picture_has_alt_text(built):
    site_dir, _, _ = built
    for path in site_dir.rglob("index.html"):
        for tag in re.findall(r"<img\b[^>]*>", path.read_text(encoding="utf-8")):
            alt = re.search(r'\balt="([^"]*)"', tag)
            assert alt and alt.group(1).strip(), f"{path}: {tag}"


def flesch_reading_ease(text: str) -> float:
    """textstat's Flesch reading ease, counting syllables with its Pyphen hyphenation rules.
    (textstat prefers NLTK's CMU dictionary, which it would download from the internet.)"""
    import textstat
    from textstat.backend.counts import _count_syllables

    original = _count_syllables.get_cmudict
    _count_syllables.get_cmudict = lambda lang: None
    try:
        return textstat.flesch_reading_ease(text)
    finally:
        _count_syllables.get_cmudict = original


def test_reading_ease(built):
    """The easy read and young people's pages read more easily than the policy."""
    site_dir, _, _ = built

    def ease(page):
        text = "".join(article(page_html(site_dir, page)).parts)
        return flesch_reading_ease(text.split("Document information")[0])

    scores = {page: ease(page) for page in ("policy", "easy-read", "young-people")}
    print("Flesch reading ease:", scores)
    assert scores["easy-read"] > scores["policy"] + 10
    assert scores["young-people"] > scores["policy"]
    assert scores["easy-read"] >= 75


# In a real browser ---------------------------------------------------------------------------


@pytest.mark.browser
def test_axe_finds_no_serious_problem_on_any_page(built, served, browser):
    from tests.support.browser import serious_violations

    site_dir, _, _ = built
    pages = sorted(p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*.html"))
    assert len(pages) >= 37
    page = browser.new_page()
    problems = {}
    for path in pages:
        page.goto(served + path, wait_until="load")
        violations = serious_violations(page)
        if violations:
            problems[path] = violations
    page.close()
    assert problems == {}


@pytest.mark.browser
def test_easy_read_text_is_large(served, browser):
    page = browser.new_page()
    for path in ("easy-read/", "cy/easy-read/"):
        page.goto(served + path)
        size = page.evaluate(
            "parseFloat(getComputedStyle(document.querySelector('.app-point p:nth-child(2)'))"
            ".fontSize)"
        )
        assert size >= 18.6, f"{path}: easy read text is {size}px, under 14 point"
    page.close()


@pytest.mark.browser
@pytest.mark.parametrize(
    ("language", "link", "help_words"),
    [
        ("en", "How to make a complaint", ("PALS", "advocate")),
        ("cy", "Sut i wneud cwyn", ("PALS", "eiriolwr")),
    ],
)
def test_two_clicks_from_home_say_how_to_complain_how_long_and_who_can_help(
    built, served, browser, language, link, help_words
):
    site_dir, settings, _ = built
    words = timescales(load_procedure(settings.procedure), language, settings.closure_days)
    page = browser.new_page()
    page.goto(served + ("cy/" if language == "cy" else ""))
    page.get_by_role("link", name=link).first.click()  # one click
    page.wait_for_load_state("load")
    text = page.inner_text("article")
    form = f"{FORM_URL}/{'cy/' if language == 'cy' else ''}complaint/"
    assert page.locator(f'article a[href="{form}"]').count() >= 1, "how to complain"
    assert words["summary"] in text, "how long it takes, from the procedure profile"
    assert words["stage1"]["respond"] in text
    for word in help_words:
        assert word in text, "who can help"
    assert settings.pals["phone"] in text and settings.advocacy["name"] in text
    page.close()


@pytest.mark.browser
@pytest.mark.parametrize("query", ["ôl", "gŵyn", "eiriolwr"])
def test_welsh_search_finds_welsh_words(served, browser, query):
    # "ôl" is what lunr's trimmer would have cut to "l": the search would find nothing.
    page = browser.new_page()
    page.goto(served + "cy/")
    page.focus("input.md-search__input")
    page.keyboard.type(query)
    results = page.locator(".md-search-result__item")
    results.first.wait_for(timeout=5000)
    hrefs = [results.nth(i).locator("a").first.get_attribute("href") for i in range(3)]
    assert any("/cy/" in href for href in hrefs), hrefs
    page.close()


def test_changing_the_profile_changes_the_site(builds):
    """The timescales on every page come from the procedure profile named in the settings."""
    charity, settings, _ = builds["main"]
    scotland, _, _ = builds["other"]
    assert settings.procedure == "charity-help-and-care"
    for page in ("complain", "policy", "leaflets/standard", "charter", "taking-it-further"):
        for language in ("en", "cy"):
            assert page_html(charity, page, language) != page_html(scotland, page, language)

    complain = page_html(charity, "complain")
    assert "within 28 days of receiving your complaint" in complain
    assert "Appeal" in complain and "Charity Commission for England and Wales" in complain
    spso = page_html(scotland, "complain")
    assert "within 5 working days of receiving your complaint" in spso
    assert "28 days" not in spso and "Appeal" not in spso
    assert "Scottish Public Services Ombudsman" in spso
    assert "bank holidays in Scotland" in spso
    assert "28 days" in page_html(charity, "leaflets/standard")
    assert "28 days" not in page_html(scotland, "leaflets/standard")

    welsh = page_html(scotland, "complain", "cy")
    assert "o fewn 5 diwrnod gwaith ar ôl cael eich cwyn" in welsh
    assert "yn yr Alban" in welsh
    assert "o fewn 28 diwrnod ar ôl cael eich cwyn" in page_html(charity, "complain", "cy")

    assert "legitimate interests" in page_html(charity, "privacy")
    assert "public task" in page_html(scotland, "privacy")


def test_the_build_is_quick(built):
    _, _, seconds = built
    print(f"mkdocs build with 8 leaflet PDFs: {seconds:.1f} s")
    assert seconds < 60
