"""``feedback report`` and ``feedback publish`` end to end, as a person runs them: the pages in
English and Welsh, the charts, the data package (validated by frictionless), the site built
with ``mkdocs build --strict``, the PII gate passing on it and failing on personal details
planted in every place a page can carry them, nothing written when it fails, and axe in a real
browser.

Each run works on a copy of ``site/`` and writes into temporary folders, never into the
project's own ``site/`` or ``build/``.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from forms_app.organisation.settings import PROJECT_DIR, load_settings
from forms_app.reports.pii_gate import Gate
from tests.support.reports import DETAILS, write_data, write_settings

pytestmark = pytest.mark.slow

AS_AT = "2026-04-15"


def feedback(*args, settings: Path, wait: bool = True):
    """Run ``feedback`` as a person would; with ``wait=False``, the running process."""
    env = {**os.environ, "FORMS_APP_SETTINGS": str(settings), "NO_MKDOCS_2_WARNING": "1"}
    env.pop("FORMS_APP_DATA_DIR", None)
    code = "import sys; from forms_app.cli.group import main; sys.exit(main())"
    process = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return finish(process) if wait else process


def finish(process) -> subprocess.CompletedProcess:
    stdout, stderr = process.communicate(timeout=600)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("publish")
    data = write_data(tmp / "data")
    settings = write_settings(tmp, data, returns=["spso", "annual", "ko41a"])
    shutil.copytree(PROJECT_DIR / "site", tmp / "site")
    return tmp, settings


@pytest.fixture(scope="module")
def reported(world):
    tmp, settings = world
    done = feedback(
        "report",
        "--year",
        "2025",
        "--as-at",
        AS_AT,
        "--site-dir",
        str(tmp / "site"),
        "--data-out",
        str(tmp / "data-out"),
        settings=settings,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return tmp / "site" / "outcomes", tmp / "data-out" / "2025-26", done.stdout


@pytest.fixture(scope="module")
def publishes(world):
    """Two publishes at once: one of a clean site, one where a page names a person."""
    tmp, settings = world
    runs = {}
    for name in ("clean", "leaky"):
        site = tmp / f"{name}-site"
        shutil.copytree(PROJECT_DIR / "site", site)
        out = tmp / f"{name}-out" / "site"
        if name == "leaky":
            with (site / "pals.md").open("a", encoding="utf-8") as handle:
                handle.write("\nOur volunteer Ifor Penhallow can help.\n")
            out.mkdir(parents=True)
            (out / "index.html").write_text("the site as it was", "utf-8")
        before = snapshot(site)
        process = feedback(
            "publish",
            "--year",
            "2025",
            "--as-at",
            AS_AT,
            "--no-pdfs",
            "--site-dir",
            str(site),
            "--site-out",
            str(out),
            "--data-out",
            str(tmp / f"{name}-data"),
            settings=settings,
            wait=False,
        )
        runs[name] = (process, site, out, tmp / f"{name}-data", before)
    return {
        name: (finish(process), site, out, data, before)
        for name, (process, site, out, data, before) in runs.items()
    }


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def published(world, publishes):
    _, settings = world
    done, _, out, _, _ = publishes["clean"]
    assert done.returncode == 0, done.stdout + done.stderr
    return out, load_settings(settings)


# feedback report ------------------------------------------------------------------------------


def test_report_writes_both_languages_charts_and_a_valid_data_package(reported):
    outcomes, data, output = reported
    english = (outcomes / "2025-26.md").read_text("utf-8")
    welsh = (outcomes / "2025-26.cy.md").read_text("utf-8")
    assert english.startswith("---\n") and "generated_by: feedback report" in english
    assert "# Feedback, complaints and compliments: annual report 2025-26" in english
    assert "# Adborth, cwynion a chanmoliaeth: adroddiad blynyddol 2025-26" in welsh
    assert "welsh_review: pending" in welsh
    charts = sorted(p.name for p in (outcomes / "charts").glob("2025-26-*.svg"))
    drawn = ("feedback-by-kind", "complaints-by-stage", "outcomes", "themes")
    assert charts == sorted(f"2025-26-{key}{cy}.svg" for key in drawn for cy in ("", "-cy"))
    # Complaints by service: every bar but one is hidden (small numbers), so no chart; the
    # table says "not shown".
    assert "charts/2025-26-complaints-by-service.svg" not in english
    from frictionless import Package

    report = Package(str(data / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    package = json.loads((data / "datapackage.json").read_text("utf-8"))
    names = {r["name"] for r in package["resources"]}
    assert {
        "feedback-by-kind",
        "complaints-by-service",
        "themes",
        "spso-indicators",
        "annual-return",
        "ko41a-summary",
        "ko41a-subjects",
    } <= names
    # The page offers every CSV and the descriptor for download.
    for resource in package["resources"]:
        assert f"/outcomes/data/2025-26/{resource['path']})" in english
    assert "/outcomes/data/2025-26/datapackage.json" in english
    assert "36 files written" in output or "files written" in output


def test_the_csv_holds_the_same_protected_numbers_as_the_page(reported):
    outcomes, data, _ = reported
    csv_text = (data / "complaints-by-service.csv").read_text("utf-8")
    assert "carers-support,Carers' support,Cymorth i ofalwyr,0,5,45.5,950,5.3" in csv_text
    assert "home-care,Home care,Gofal cartref,,,,1350," in csv_text  # hidden: empty
    english = (outcomes / "2025-26.md").read_text("utf-8")
    assert "| Home care | not\u00a0shown | not\u00a0shown | not\u00a0shown | 1,350 |" in english


def test_every_table_has_its_sentence_and_the_welsh_page_is_complete(reported):
    outcomes, _, _ = reported
    english = (outcomes / "2025-26.md").read_text("utf-8")
    welsh = (outcomes / "2025-26.cy.md").read_text("utf-8")
    assert english.count("\n| :--- |") == welsh.count("\n| :--- |") >= 14
    english_headings = re.findall(r"^#{2,3} (.+)$", english, re.MULTILINE)
    welsh_headings = re.findall(r"^#{2,3} (.+)$", welsh, re.MULTILINE)
    assert len(english_headings) == len(welsh_headings)
    for heading in english_headings:
        if heading not in ("Our improvement plan",):
            assert heading not in welsh_headings, heading
    for word in ("Complaints", "Upheld", "Total", "not shown", "Stage 1"):
        assert f"| {word}" not in welsh, word
    # A sentence saying how it is counted between each table's title and the table.
    for text in (english, welsh):
        for block in re.split(r"^#{2,3} ", text, flags=re.MULTILINE)[1:]:
            if "| :--- |" in block:
                sentence = block.split("\n\n")[1]
                assert len(sentence.split()) >= 12 and "|" not in sentence, block[:80]


def test_charts_are_accessible_svg_without_script(reported):
    outcomes, _, _ = reported
    for path in (outcomes / "charts").glob("2025-26-*.svg"):
        svg = path.read_text("utf-8")
        assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg, path
        assert "<script" not in svg and "on" not in re.findall(r"<\w+ (\w+)=", svg)
        assert svg.count("<text") >= 3
        assert ('lang="cy"' in svg) == path.stem.endswith("-cy")
    welsh = (outcomes / "charts" / "2025-26-themes-cy.svg").read_text("utf-8")
    assert "Cyfathrebu" in welsh and "Am beth roedd cwynion" in welsh


def test_only_approved_free_text_is_published_with_details_replaced(reported):
    outcomes, _, output = reported
    english = (outcomes / "2025-26.md").read_text("utf-8")
    assert "You told us the morning visits were often late" in english  # C12, by a publisher
    assert "😊 wrote: the carers were so kind to Mam, and 😊 rang every week" in english
    assert "07700" not in english and "Ffion" not in english and "Oakenshaw" not in english
    assert "The nurse was wonderful" not in english  # approved by an officer only
    assert "2 approved free-text item(s) published" in output


def test_the_outcomes_page_lists_the_report_and_keeps_its_own_words(reported):
    outcomes, _, _ = reported
    index = (outcomes / "index.md").read_text("utf-8")
    welsh = (outcomes / "index.cy.md").read_text("utf-8")
    assert "- [Feedback, complaints and compliments: annual report 2025-26](2025-26.md)" in index
    assert "(2025-26.md)" in welsh and "adroddiad blynyddol 2025-26" in welsh
    original = (PROJECT_DIR / "site" / "outcomes" / "index.cy.md").read_text("utf-8")
    front = original.split("\n---", 1)[0]
    assert welsh.startswith(front)  # front matter kept
    assert "## What the reports show, and what they never show" in index


def test_nothing_is_written_when_the_gate_finds_a_personal_detail(tmp_path):
    data = write_data(tmp_path / "data")
    plan = tmp_path / "plan.md"
    plan.write_text("# Plan\n\nThank you to Bronwen Tudur-Hall for her ideas.\n", "utf-8")
    settings = write_settings(tmp_path, data, improvement_plan=str(plan))
    shutil.copytree(PROJECT_DIR / "site", tmp_path / "site")
    before = snapshot(tmp_path / "site")
    done = feedback(
        "report",
        "--year",
        "2025",
        "--as-at",
        AS_AT,
        "--site-dir",
        str(tmp_path / "site"),
        "--data-out",
        str(tmp_path / "data-out"),
        settings=settings,
    )
    assert done.returncode == 1
    assert "PII gate" in done.stderr and "2025-26.md: name" in done.stderr
    assert "Tudur" not in done.stderr + done.stdout
    assert snapshot(tmp_path / "site") == before
    assert not any((tmp_path / "data-out").rglob("*.csv"))


def test_nothing_is_written_when_frictionless_finds_the_package_invalid(tmp_path, monkeypatch):
    """The package is validated in a second process while the gate runs: a problem found
    there still stops the report before anything is put in place."""
    from forms_app.reports import datapackage
    from forms_app.reports.build import build_report
    from forms_app.reports.periods import financial_year

    data = write_data(tmp_path / "data")
    settings = load_settings(write_settings(tmp_path, data))
    shutil.copytree(PROJECT_DIR / "site", tmp_path / "site")
    before = snapshot(tmp_path / "site")
    monkeypatch.setattr(
        datapackage, "problems", lambda _folder: ["themes: type-error: not a number"]
    )
    with pytest.raises(datapackage.DataPackageError, match="themes: type-error"):
        build_report(
            settings, financial_year(2025), site_dir=tmp_path / "site", data_out=tmp_path / "out"
        )
    assert snapshot(tmp_path / "site") == before
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.csv"))


# feedback publish -------------------------------------------------------------------------------


def test_publish_builds_the_site_with_the_report_and_its_data(published):
    site, _ = published
    page = (site / "outcomes" / "2025-26" / "index.html").read_text("utf-8")
    welsh = (site / "cy" / "outcomes" / "2025-26" / "index.html").read_text("utf-8")
    assert '<html lang="cy"' in welsh and "Cwynion fesul gwasanaeth" in welsh
    for src in re.findall(r'<img alt="[^"]+" src="([^"]+)"', page + welsh):
        assert src.endswith(".svg")
    assert (site / "outcomes" / "data" / "2025-26" / "datapackage.json").exists()
    for href in re.findall(r'href="(/outcomes/data/[^"]+)"', page):
        assert (site / href.lstrip("/")).exists(), href
    index = json.loads((site / "search" / "search_index.json").read_text("utf-8"))
    assert any("outcomes/2025-26" in doc["location"] for doc in index["docs"])


CANARIES = {
    # file in the built site: (text planted, where in the file, kind of finding expected)
    "outcomes/2025-26/index.html": "<p>&#90;ebedee Quarrington&#45;Wyn</p>",
    "cy/outcomes/2025-26/index.html": "<p>Zebe<span>dee</span> Quarring<b>ton</b>-Ŵyn</p>",
    "outcomes/charts/2025-26-feedback-by-kind.svg": "<text>BRONWEN TUDUR-HALL</text>",
    "outcomes/data/2025-26/themes.csv": "x,Zebedee Quarrington-Wyn,,,\n",
    "outcomes/data/2025-26/datapackage.json": '{"note": "bronwen.th\\u0040example.com"}',
    "search/search_index.json": '{"text": "Ifor Penhall\\u00f6w and Zebe\\u200bdee"}',
    "sitemap.xml": "<loc>https://x.example/Mrs-Tudur-Hall</loc>",
    "404.html": '<img alt="Ifor Penhallow at the day centre" src="a.png">',
    "index.html": "<p>Gethin\u00a0Tudur-Hall</p>",
    "cy/index.html": '<a href="mailto:ifor.penhallow%40example.com">e</a>',
    "pals/index.html": "<p>NHS number 999 000 0018</p>",
    "privacy/index.html": "<p>Ring 01632 960123</p>",
    "accessibility/index.html": "<p>SW1A 2AA</p>",
    "complain/index.html": "<p>" + " ".join(DETAILS["C1"].split()[1:10]) + "</p>",
    "cy/complain/index.html": "<p>ffoniwch +44 7700 900456</p>",
    "assets/javascripts/bundle.a5f9d56c.min.js": ';var who="olive.officer";',
    "charter/index.html": "<p>Olive Oakenshaw helped</p>",
}


def test_the_gate_finds_every_canary_planted_in_the_built_site(published, tmp_path):
    """Canaries (invented personal details) in every published place and disguise; the clean
    site passed (publish ran the same gate over it), so each file flagged here is flagged for
    its canary."""
    site, settings = published
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    js = next((copy / "assets" / "javascripts").glob("bundle.*.min.js"))
    canaries = dict(CANARIES)
    canaries[js.relative_to(copy).as_posix()] = canaries.pop(
        "assets/javascripts/bundle.a5f9d56c.min.js"
    )
    for name, text in canaries.items():
        path = copy / name
        assert path.exists(), name
        with path.open("a", encoding="utf-8") as handle:
            handle.write(text)
    with gzip.open(copy / "sitemap.xml.gz", "ab") as handle:
        handle.write(b"<loc>zebedee.q@example.com</loc>")
    canaries["sitemap.xml.gz"] = "email"
    # The organisation's own details are allowed wherever they appear.
    allowed = copy / "give-feedback" / "index.html"
    with allowed.open("a", encoding="utf-8") as handle:
        handle.write(
            f"<p>{settings.contact['email']} {settings.contact['phone']} "
            f"{settings.contact['address']}</p>"
        )
    gate = Gate.for_data(settings, settings.data_dir)
    flagged = {f.where for f in gate.scan_files(copy)}
    assert set(canaries) <= flagged, sorted(set(canaries) - flagged)
    assert flagged == set(canaries)  # nothing else, and not the allowed details


def test_publish_fails_and_changes_nothing_when_the_built_site_leaks(publishes):
    done, site, out, data, before = publishes["leaky"]
    assert done.returncode == 1
    assert "pals/index.html: name" in done.stderr
    assert [p.name for p in out.iterdir()] == ["index.html"]
    assert snapshot(site) == before  # site/ exactly as it was
    assert not data.exists() or not any(data.iterdir())
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no staging left


# In a real browser --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(published):
    site, _ = published

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(site))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    thread.join(timeout=5)


@pytest.mark.browser
def test_axe_finds_no_serious_problem_on_the_report_pages(served):
    from playwright.sync_api import sync_playwright

    from tests.support.browser import launch_chromium, serious_violations

    problems = {}
    overflowing = {}
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        for width in (1280, 390):
            page = browser.new_page(viewport={"width": width, "height": 900})
            for path in ("outcomes/2025-26/", "cy/outcomes/2025-26/"):
                page.goto(served + path, wait_until="load")
                found = serious_violations(page)
                if found:
                    problems[f"{path} at {width}"] = found
                if width == 1280:
                    overflowing[path] = page.evaluate(
                        "() => [...document.querySelectorAll('.app-report-table')]"
                        ".filter(t => t.scrollWidth > t.clientWidth + 1)"
                        ".map(t => t.getAttribute('aria-label'))"
                    )
            page.close()
        browser.close()
    assert problems == {}
    # On a desktop screen every table fits beside the menus (on a phone they scroll).
    assert overflowing == {"outcomes/2025-26/": [], "cy/outcomes/2025-26/": []}


def test_a_plain_mkdocs_build_after_a_report_serves_its_data_downloads(world):
    """``feedback report`` keeps the data package beside its pages, so ``mkdocs build --strict``
    alone (``make site``) publishes it: every download link on the report pages resolves to a
    file. Any other data file in the package folder makes the build fail, naming it."""
    from forms_app.reports.publish import PublishError, mkdocs_config, run_mkdocs

    tmp, settings = world
    site = tmp / "plain-site"
    shutil.copytree(PROJECT_DIR / "site", site)
    shutil.rmtree(site / "outcomes" / "data")
    done = feedback(
        "report", "--year", "2025", "--as-at", AS_AT, "--site-dir", str(site), settings=settings
    )
    assert done.returncode == 0, done.stdout + done.stderr

    def build(into: Path) -> None:
        """``mkdocs build --strict`` as publishing runs it (PublishError if it fails)."""
        config = mkdocs_config(site, into, tmp / f"{into.name}.yml")
        run_mkdocs(config, load_settings(settings), pdfs=False)

    built = tmp / "plain-built"
    build(built)  # raises, with mkdocs's output, if the build fails
    base = urllib_path(load_settings(settings).site_url)
    links = []
    for page in ("outcomes/2025-26/index.html", "cy/outcomes/2025-26/index.html"):
        html = (built / page).read_text("utf-8")
        links += re.findall(r'href="([^"]*outcomes/data/[^"]+)"', html)
    assert links
    for href in links:
        path = href.split("://", 1)[-1].split("/", 1)[-1] if "://" in href else href
        path = path.lstrip("/").removeprefix(base)
        assert (built / path).is_file(), href
    package = site / "outcomes" / "data" / "2025-26"
    wanted = {"datapackage.json"} | {
        r["path"]
        for r in json.loads((package / "datapackage.json").read_text("utf-8"))["resources"]
    }
    assert {p.name for p in (built / "outcomes" / "data" / "2025-26").iterdir()} == wanted

    (package / "stray-personal.csv").write_text("name\nIfor Penhallow\n", "utf-8")
    with pytest.raises(PublishError) as refused:
        build(tmp / "plain-refused")
    assert "outcomes/data/2025-26/stray-personal.csv" in str(refused.value)
    assert not (
        tmp / "plain-refused" / "outcomes" / "data" / "2025-26" / "stray-personal.csv"
    ).exists()


def urllib_path(url: str) -> str:
    """The path of the site's address without slashes at either end, then one after it
    (``""`` for a site at the root)."""
    from urllib.parse import urlsplit

    path = urlsplit(url).path.strip("/")
    return f"{path}/" if path else ""
