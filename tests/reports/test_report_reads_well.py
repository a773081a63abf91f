"""The published report reads well to the public: every percentage in the summary with its
numerator and denominator, learning actions with context, no empty "none were approved"
sections, dates with their years, only the returns that apply to the organisation, and an
outcomes index that promises only what exists. English and Welsh.

The report is the demo's (``feedback demo-data``, an English care charity), written by
``feedback report`` into temporary folders.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from datetime import date
from html import unescape

import markdown
import pytest
import yaml
from click.testing import CliRunner

from forms_app.cli.group import main
from forms_app.language.welsh import MONTHS
from forms_app.organisation.settings import EXAMPLE_SETTINGS, PROJECT_DIR, load_settings
from forms_app.reports.figures import compute
from forms_app.reports.loading import load
from forms_app.reports.page_sections import summary
from forms_app.reports.periods import financial_year
from tests.support.reports import write_data, write_settings
from tests.walks.welsh import english_on

AS_AT = "2026-11-23"


def feedback(settings, data_dir, *args):
    env = {"FORMS_APP_SETTINGS": str(settings), "FORMS_APP_DATA_DIR": str(data_dir)}
    return CliRunner().invoke(main, list(map(str, args)), env=env, catch_exceptions=False)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("demo-report")
    data = tmp / "data"
    done = feedback(EXAMPLE_SETTINGS, data, "demo-data")
    assert done.exit_code == 0, done.output
    shutil.copytree(PROJECT_DIR / "site", tmp / "site")
    shutil.rmtree(tmp / "site" / "outcomes" / "data", ignore_errors=True)
    for page in (tmp / "site" / "outcomes").glob("20*.md"):
        page.unlink()
    args = ["--as-at", AS_AT, "--site-dir", tmp / "site", "--data-out", tmp / "out"]
    done = feedback(EXAMPLE_SETTINGS, data, "report", "--year", "2025", *args)
    assert done.exit_code == 0, done.output
    outcomes = tmp / "site" / "outcomes"
    return {
        "tmp": tmp,
        "data": data,
        "args": args,
        "en": (outcomes / "2025-26.md").read_text("utf-8"),
        "cy": (outcomes / "2025-26.cy.md").read_text("utf-8"),
        "package": json.loads((tmp / "out" / "2025-26" / "datapackage.json").read_text("utf-8")),
        "outcomes": outcomes,
    }


def summary_lines(page: str) -> list[str]:
    part = re.split(r"^## ", page, flags=re.MULTILINE)[1]  # the first section: the summary
    return [line[2:] for line in part.splitlines() if line.startswith("- ")]


@pytest.mark.parametrize("language", ["en", "cy"])
def test_every_percentage_in_the_summary_has_its_numerator_and_denominator(demo, language):
    lines = summary_lines(demo[language])
    with_pct = [line for line in lines if "%" in line]
    assert len(with_pct) >= 3, lines
    of = r"\b(\d[\d,]*) o'?n? ?(\d[\d,]*)\b" if language == "cy" else r"\b(\d[\d,]*) of\b"
    for line in with_pct:
        assert re.search(of, line) or re.search(r"O'r \d+ .* \d+ \(", line), line
        assert re.search(r"\(\d+(\.\d)?%\)", line), line


def test_the_summary_never_says_0_of_n_done(demo):
    for language in ("en", "cy"):
        for line in summary_lines(demo[language]):
            assert not re.search(r"\b0 of\b|, and 0\b|mae 0 ohonynt", line), line
    referred = next(line for line in summary_lines(demo["en"]) if "referred" in line)
    assert not referred.startswith("0 "), referred
    actions = next(line for line in summary_lines(demo["en"]) if "learning actions" in line)
    assert "none is finished yet" in actions or "are finished" in actions


def test_learning_actions_none_finished_say_when_the_earliest_is_due(tmp_path):
    extra = [
        {"ref": "C1", "at": "2025-06-02T12:00:00+00:00", "type": "action_added",
         "value": "A-0000a1", "note": "Check rotas"},
        {"ref": "C1", "at": "2025-06-02T12:00:00+00:00", "type": "action_target_set",
         "value": "A-0000a1", "note": "2026-09-30"},
        {"ref": "C2", "at": "2025-06-03T12:00:00+00:00", "type": "action_added",
         "value": "A-0000a2", "note": "New leaflet"},
        {"ref": "C2", "at": "2025-06-03T12:00:00+00:00", "type": "action_target_set",
         "value": "A-0000a2", "note": "2026-12-31"},
    ]  # fmt: skip
    settings = load_settings(write_settings(tmp_path, write_data(tmp_path / "data", extra)))
    report = compute(load(settings.data_dir, settings), settings, financial_year(2025),
                     as_at=date(2026, 4, 15))  # fmt: skip
    # Four agreed in 2025-26 (two in the shared data, C12's finished; the two above, open).
    assert "4 learning actions because of complaints; 1 of them (25.0%) are finished" in (
        summary(report, "en")
    )
    assert report.behind["actions_earliest_due"] == date(2026, 9, 30)
    report.headline["actions_completed"] = 0  # as if C12's were not finished
    english, welsh = summary(report, "en"), summary(report, "cy")
    assert "none is finished yet. The earliest is due by September 2026." in english
    assert "erbyn Medi 2026" in welsh
    report.behind["as_at"] = date(2026, 10, 1)
    assert "The earliest was due by September 2026." in summary(report, "en")


@pytest.mark.parametrize("language", ["en", "cy"])
def test_no_section_says_none_were_approved(demo, language):
    page = demo[language]
    assert "None were approved" not in page and "Ni chymeradwywyd" not in page
    assert "You said, we did" not in page and "Dywedoch chi, gwnaethom ni" not in page


@pytest.mark.parametrize("language", ["en", "cy"])
def test_every_month_on_the_page_has_its_year(demo, language):
    page = demo[language]
    # The quarters of a financial year are named by their months, not dates.
    page = page.replace("Q1 is April to June", "").replace("Ch1 yw Ebrill i Fehefin", "")
    months = "|".join(MONTHS[language])
    without_year = [m.group(0) for m in re.finditer(rf"\b(?:fis )?({months})\b(?! \d{{4}})", page)]
    assert without_year == [], without_year
    assert "September 2026" in demo["en"] and "Medi 2026" in demo["cy"]


def test_an_english_charity_publishes_neither_the_spso_nor_the_ko41a_return(demo):
    names = {resource["name"] for resource in demo["package"]["resources"]}
    assert "feedback-by-kind" in names
    assert not {n for n in names if n.startswith(("spso", "ko41a"))}, names
    for language in ("en", "cy"):
        assert "spso" not in demo[language].lower() and "ko41a" not in demo[language].lower()


def returns_for(tmp_path, procedure: str, **organisation) -> set[str]:
    raw = yaml.safe_load(EXAMPLE_SETTINGS.read_text("utf-8"))
    raw["procedure"] = procedure
    raw["organisation"].update(organisation)
    path = tmp_path / f"{procedure}.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    settings = dataclasses.replace(load_settings(path), data_dir=write_data(tmp_path / "data"))
    report = compute(load(settings.data_dir, settings), settings, financial_year(2025),
                     as_at=date(2026, 4, 15))  # fmt: skip
    return set(report.returns)


def test_each_nation_and_sector_gets_its_own_returns(tmp_path):
    assert returns_for(tmp_path, "scotland-spso") == {"spso-indicators"}
    assert returns_for(tmp_path, "england-nhs-social-care-2009") == {
        "annual-return",
        "ko41a-summary",
        "ko41a-subjects",
    }
    council = returns_for(tmp_path, "england-nhs-social-care-2009", sector="council")
    assert council == {"annual-return"}
    assert returns_for(tmp_path, "charity-help-and-care") == {"annual-return"}


def test_the_outcomes_index_lists_quarterly_summaries_only_once_one_exists(demo):
    index = (demo["outcomes"] / "index.md").read_text("utf-8")
    index_cy = (demo["outcomes"] / "index.cy.md").read_text("utf-8")
    assert "quarterly" not in index.lower() and "chwarterol" not in index_cy.lower()
    done = feedback(EXAMPLE_SETTINGS, demo["data"], "report", "--quarter", "2025Q2", *demo["args"])
    assert done.exit_code == 0, done.output
    index = (demo["outcomes"] / "index.md").read_text("utf-8")
    assert "(2025-26-q2.md)" in index and "quarterly report" in index


def _shown_text(page_markdown: str) -> tuple[str, str]:
    """The words a reader of the page sees (text and image descriptions), and its markup."""
    body = page_markdown.split("\n---\n", 1)[1]  # after the front matter
    html = markdown.markdown(body, extensions=["tables", "attr_list", "md_in_html"])
    html = re.sub(r"<style>.*?</style>", " ", html, flags=re.DOTALL)
    shown = re.sub(r'<img[^>]*alt="([^"]*)"[^>]*>', r" \1 ", html)
    return unescape(re.sub(r"<[^>]+>", " ", shown)), html


def test_the_welsh_report_page_and_its_charts_have_no_english_sentence(demo):
    text, html = _shown_text(demo["cy"])
    assert "Cwynion" in text
    assert english_on(text, html) == []
    charts = re.findall(r"\]\((charts/[^)]+\.svg)\)", demo["cy"])
    assert charts and all(chart.endswith("-cy.svg") for chart in charts), charts
    for chart in charts:
        svg = (demo["outcomes"] / chart).read_text("utf-8")
        assert english_on(unescape(re.sub(r"<[^>]+>", " ", svg))) == [], chart


def test_the_welsh_check_finds_the_english_report_page_english(demo):
    """The check above can fail: the English page of the same report is full of English."""
    text, html = _shown_text(demo["en"])
    assert len(english_on(text, html)) >= 5
