"""The published site builds with MkDocs, and the form app's assets build with Sass.

Both run the real tools: ``mkdocs build --strict`` and GOV.UK Frontend's Sass through
``assets/node_modules/.bin/sass`` (installed by ``make assets``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from forms_app.organisation.branding import AssetsError, build_assets
from forms_app.organisation.settings import EXAMPLE_SETTINGS, PROJECT_DIR, load_settings

pytestmark = pytest.mark.slow

MKDOCS = [sys.executable, "-m", "mkdocs"]
KINDS = ("complaint", "concern", "comment", "compliment", "pals")
NODE_MODULES = PROJECT_DIR / "assets" / "node_modules"


def settings_file(tmp_path: Path, **organisation) -> Path:
    """A copy of the example settings with some organisation values changed."""
    raw = yaml.safe_load(EXAMPLE_SETTINGS.read_text(encoding="utf-8"))
    raw["organisation"].update(organisation)
    raw["form_url"] = "https://forms.example.org/feedback"
    path = tmp_path / "settings.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def mkdocs_build(config: Path, site_dir: Path, settings: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "FORMS_APP_SETTINGS": str(settings),
        "NO_MKDOCS_2_WARNING": "1",
        "FEEDBACK_SITE_PDFS": "0",  # tests/sitebuild/test_published.py builds and checks the PDFs
    }
    return subprocess.run(
        [*MKDOCS, "build", "--strict", "--config-file", str(config), "--site-dir", str(site_dir)],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def built_site(tmp_path_factory) -> tuple[Path, object]:
    tmp = tmp_path_factory.mktemp("site")
    settings_path = settings_file(tmp, name="Hillside Care Trust", brand_colour="#6b2c91")
    result = mkdocs_build(PROJECT_DIR / "mkdocs.yml", tmp / "out", settings_path)
    assert result.returncode == 0, f"mkdocs build failed:\n{result.stdout}\n{result.stderr}"
    return tmp / "out", load_settings(settings_path)


def test_home_page_names_the_organisation_and_links_to_every_form(built_site):
    site_dir, settings = built_site
    html = (site_dir / "index.html").read_text(encoding="utf-8")
    assert "Hillside Care Trust" in html
    assert "<title>" in html and "Hillside Care Trust</title>" in html
    for kind in KINDS:
        assert f'href="https://forms.example.org/feedback/{kind}/"' in html, kind
    for phone in (
        settings.contact["phone"],
        settings.pals["phone"],
        settings.safeguarding["adults_phone"],
        settings.safeguarding["children_phone"],
    ):
        assert phone in html
    assert "999" in html
    assert "stylesheets/brand.css" in html


def test_no_placeholder_survives_anywhere(built_site):
    site_dir, _ = built_site
    pages = list(site_dir.rglob("*.html"))
    assert site_dir / "index.html" in pages
    for page in pages:
        html = page.read_text(encoding="utf-8")
        # Theme scripts hold braces of their own: look at what came from the Markdown.
        article = re.search(r"<article\b.*?</article>", html, re.DOTALL)
        content = article.group(0) if article else ""
        assert "{{" not in content and "}}" not in content, page
        assert not re.search(r"\{\{\s*[\w.]+\s*\}\}", html), page


def test_brand_css_sets_materials_colours_to_the_brand_colour(built_site):
    site_dir, _ = built_site
    css = (site_dir / "stylesheets" / "brand.css").read_text(encoding="utf-8")
    assert "--md-primary-fg-color: #6b2c91;" in css
    assert "--md-typeset-a-color: #6b2c91;" in css


def test_a_data_file_in_the_site_folder_fails_the_build(tmp_path):
    # Everything under docs_dir is published: data must never be there.
    from mkdocs.exceptions import PluginError
    from mkdocs.structure.files import File, Files

    from forms_app.sitebuild import hooks as site_hooks

    files = Files([File("outcomes/cases.csv", str(tmp_path), str(tmp_path / "out"), True)])
    with pytest.raises(PluginError, match="outcomes/cases.csv"):
        site_hooks.on_files(files, config=SimpleNamespace(docs_dir=str(tmp_path)))


def test_an_unknown_placeholder_fails_the_build(tmp_path):
    docs = tmp_path / "docs"
    shutil.copytree(PROJECT_DIR / "site", docs)
    (docs / "oops.md").write_text("# Oops\n\nCall {{ contact.fax }} today.\n", encoding="utf-8")
    config = yaml.safe_load((PROJECT_DIR / "mkdocs.yml").read_text(encoding="utf-8"))
    config["docs_dir"] = str(docs)
    config["hooks"] = [str(PROJECT_DIR / "forms_app" / "sitebuild" / "hooks.py")]
    config_path = tmp_path / "mkdocs.yml"
    config_path.write_text(yaml.safe_dump(config), encoding="utf-8")

    result = mkdocs_build(config_path, tmp_path / "out", settings_file(tmp_path))

    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "unknown placeholder {{ contact.fax }}" in output
    assert "oops.md, line 3" in output


def test_something_that_is_not_a_placeholder_fails_too():
    from mkdocs.exceptions import PluginError

    from forms_app.sitebuild.hooks import substitute

    assert substitute("Ring {{ a.b }}.", {"a": {"b": "0800"}}) == "Ring 0800."
    for bad in ("{{ a.b | upper }}", "{{ __import__('os') }}", "{{ a.b", "}}"):
        with pytest.raises(PluginError):
            substitute(bad, {"a": {"b": "0800"}})


# Assets ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built_assets(tmp_path_factory) -> tuple[Path, list[Path]]:
    """Build into a scratch project (the real Sass sources and node_modules, linked)."""
    if not (NODE_MODULES / ".bin" / "sass").exists():
        pytest.fail(
            f"{NODE_MODULES} is missing GOV.UK Frontend and Sass: run `make assets` first",
            pytrace=False,
        )
    tmp = tmp_path_factory.mktemp("assets")
    (tmp / "assets").mkdir()
    for source in (PROJECT_DIR / "assets").iterdir():
        if source.suffix == ".scss" or source.name == "node_modules":
            (tmp / "assets" / source.name).symlink_to(source)
    settings = load_settings(settings_file(tmp, brand_colour="#8A1538"))
    return tmp / "forms_app" / "static", build_assets(settings, tmp)


def test_css_is_compiled_with_the_brand_colour_and_arial(built_assets):
    static, written = built_assets
    css = (static / "app.css").read_text(encoding="utf-8")
    assert static / "app.css" in written
    assert "--govuk-brand-colour: #8a1538" in css
    assert "--govuk-link-colour: #8a1538" in css
    assert "font-family:arial,sans-serif" in css
    assert ".app-reference" in css and ".app-urgent" in css
    assert "\n" not in css.strip(), "expected compressed CSS"


def test_nothing_reserved_for_govuk_is_built_or_copied(built_assets):
    static, written = built_assets
    css = (static / "app.css").read_text(encoding="utf-8")
    assert "GDS Transport" not in css
    assert "@font-face" not in css
    assert not re.search(r"url\([^)]*(crest|crown|favicon|govuk-icon|fonts/)", css)
    copied = [p.relative_to(static).as_posix() for p in written]
    assert "govuk/govuk-frontend.min.js" in copied
    for path in (static / "govuk").rglob("*"):
        name = path.name.lower()
        assert not name.endswith((".woff", ".woff2")), path
        assert not any(word in name for word in ("crest", "crown", "favicon", "govuk-icon")), path


def test_a_brand_colour_too_light_for_white_text_is_refused(tmp_path):
    settings = load_settings(settings_file(tmp_path, brand_colour="#8fd3ff"))
    with pytest.raises(AssetsError, match="contrast"):
        build_assets(settings, PROJECT_DIR)


def test_missing_node_modules_says_to_run_make_assets(tmp_path):
    settings = load_settings(settings_file(tmp_path))
    with pytest.raises(AssetsError, match="make assets"):
        build_assets(settings, tmp_path)


def test_the_built_site_carries_no_source_maps(built_site):
    site, _ = built_site
    assert list(site.rglob("*.map")) == []
    for path in [*site.rglob("*.js"), *site.rglob("*.css")]:
        assert "sourceMappingURL" not in path.read_text("utf-8", errors="replace"), path


#: Notes a developer leaves in a draft, which a published page must never carry.
DEVELOPER_NOTES = re.compile(r"modelled on|\bTODO\b|\bFIXME\b|\bcheck:|\bseed \d{3}\b", re.I)


def test_no_built_page_carries_a_note_meant_for_the_developer(built_site):
    site, _ = built_site
    pages = list(site.rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        text = re.sub(r"<[^>]+>", " ", page.read_text("utf-8"))
        found = DEVELOPER_NOTES.search(text)
        assert found is None, f"{page.relative_to(site)}: {found and found.group(0)!r}"


def test_publicly_funded_services_name_their_ombudsman_in_english_and_welsh(built_site):
    site, _ = built_site
    for page in ("taking-it-further/index.html", "policy/index.html"):
        english = (site / page).read_text("utf-8")
        welsh = (site / "cy" / page).read_text("utf-8")
        assert "Local Government and Social Care Ombudsman" in english, page
        assert "Parliamentary and Health Service Ombudsman" in english, page
        assert "Home care" in english and "Gofal cartref" in welsh, page
        assert "gallwch hefyd fynd â hi at" in welsh and "you can also take it" not in welsh
        assert "decision is final" not in english, page
