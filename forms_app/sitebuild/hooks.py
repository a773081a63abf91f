"""MkDocs hooks for the published site: the organisation's details, the procedure's timescales,
document information on policies, and the leaflet PDFs.

Listed under ``hooks:`` in ``mkdocs.yml``. They load the settings in force (see
``forms_app.organisation.settings``) and the procedure profile the settings name
(``forms_app.procedures.profiles``), and:

- ``on_config``: set ``site_name`` (and ``site_url`` if unset) from the settings and add the
  brand stylesheet to ``extra_css``;
- ``on_files``: refuse data files under ``site/`` (everything there is published), and stand a
  placeholder at each leaflet PDF's address so links to the PDFs are checked;
- ``on_page_markdown``: replace placeholders such as ``{{ org.name }}``, ``{{ form_url }}``,
  ``{{ pals.phone }}``, ``{{ procedure.table }}`` or ``{{ privacy.retention_years }}`` with
  values from the settings and the procedure profile, in the page's language (``page.cy.md`` is
  Welsh). Only dotted names are allowed, nothing is evaluated, and a placeholder that names
  nothing fails the build. A page whose front matter has ``owner``, ``last_reviewed`` and
  ``next_review`` gets its document information at the end, and a warning under its title
  once the review date has passed;
- ``on_post_page``: mark pages written in a particular style (front matter ``style:
  easy-read``, ``young-people`` or ``leaflet``) so the stylesheet can give them large text;
- ``on_post_build``: write ``stylesheets/brand.css`` (Material's colours set to the brand
  colour), delete the theme's source maps (``forms_app.sitebuild.sourcemaps``) and, once every
  language is built, print the leaflet PDFs (``forms_app.sitebuild.pdfs``).

What each placeholder family holds: ``org``/``contact``/``pals``/``safeguarding``/``advocacy``
are the settings sections (in Welsh, a key ``X_cy`` replaces ``X``: see
``forms_app.language.welsh.localise``); ``procedure`` is ``forms_app.sitebuild.timescales``;
``privacy`` is ``forms_app.sitebuild.privacy``; ``funded`` is ``forms_app.sitebuild.funded``.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, InclusionLevel
from mkdocs.utils import get_relative_url

from forms_app.language.welsh import localise, long_date, month_year
from forms_app.organisation.settings import Settings, SettingsError, load_settings
from forms_app.procedures.profiles import Procedure, ProcedureError, load_procedure

# Absolute, not relative: MkDocs loads this file by its path (``hooks:`` in mkdocs.yml) as a
# module outside any package, where ``from . import`` has no package to look in.
from forms_app.sitebuild import pdfs as site_pdfs
from forms_app.sitebuild.funded import funded
from forms_app.sitebuild.privacy import privacy
from forms_app.sitebuild.procedure_sections import easy_sections
from forms_app.sitebuild.procedure_sections import sections as procedure_sections
from forms_app.sitebuild.sourcemaps import remove_source_maps
from forms_app.sitebuild.timescales import table_css, timescales
from forms_app.storage.vocabulary import LANGUAGES

BRAND_CSS = "stylesheets/brand.css"
#: Placeholders that are empty when nothing applies (no service is publicly funded); every
#: other empty value fails the build, so a setting left blank is noticed.
MAY_BE_EMPTY = frozenset({"funded.routes", "procedures.sections", "procedures.easy_sections"})
STYLES = ("easy-read", "young-people", "leaflet")
LANGUAGE_NAMES = {"en": "English", "cy": "Cymraeg"}
#: Material's search panel is a dialog without a name (axe: aria-dialog-name, serious).
SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog">'
SEARCH_LABEL = {"en": "Search this site", "cy": "Chwilio'r wefan hon"}

#: Files that hold data and must never be published from site/ (it is all published).
DATA_SUFFIXES = (
    ".csv",
    ".tsv",
    ".json",
    ".jsonl",
    ".yaml",
    ".yml",
    ".xlsx",
    ".xls",
    ".ods",
    ".sqlite",
    ".db",
    ".parquet",
    ".zip",
)

#: The one place data may be published: the aggregate tables ``feedback report`` writes after
#: disclosure control, which the PII gate checks before ``feedback publish`` lets them out.
PUBLISHED_DATA = "outcomes/data/"

#: Anything between double braces; what is inside must then be a dotted name.
_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$")

DOCUMENT_INFORMATION = {
    "en": {
        "heading": "Document information",
        "owner": "Owner",
        "approved_by": "Approved by",
        "last_reviewed": "Last reviewed",
        "next_review": "Next review",
        "overdue": (
            '!!! warning "This document is due for review"\n\n'
            "    It should have been reviewed by {date}. Contact us if you need to check that "
            "it is still correct.\n\n"
        ),
    },
    "cy": {
        "heading": "Gwybodaeth am y ddogfen",
        "owner": "Perchennog",
        "approved_by": "Cymeradwywyd gan",
        "last_reviewed": "Adolygwyd ddiwethaf",
        "next_review": "Adolygiad nesaf",
        "overdue": (
            '!!! warning "Mae angen adolygu\'r ddogfen hon"\n\n'
            "    Dylai fod wedi cael ei hadolygu erbyn {date}. Cysylltwch â ni os oes angen i chi "
            "wirio ei bod yn dal yn gywir.\n\n"
        ),
    },
}

_settings: Settings | None = None
_procedure: Procedure | None = None
_contexts: dict[str, dict] = {}
_command = "build"


def _load() -> Settings:
    global _settings
    if _settings is None:
        try:
            _settings = load_settings()
        except SettingsError as error:
            raise PluginError(f"cannot build the site: {error}") from error
    return _settings


def _load_procedure() -> Procedure:
    global _procedure
    if _procedure is None:
        settings = _load()
        try:
            _procedure = load_procedure(settings.procedure)
        except ProcedureError as error:
            raise PluginError(
                f"cannot build the site: the procedure named in {settings.source}: {error}"
            ) from error
    return _procedure


def _reset() -> None:
    global _settings, _procedure
    _settings = None
    _procedure = None
    _contexts.clear()


def context(settings: Settings, language: str = "en", procedure: Procedure | None = None) -> dict:
    """What placeholders can name, in ``language``: ``{{ org.name }}``, ``{{ contact.phone }}``,
    ``{{ procedure.table }}``, ``{{ privacy.retention_years }}`` and so on."""
    if procedure is None:
        procedure = load_procedure(settings.procedure)
    sections = localise(
        {
            "org": settings.organisation,
            "contact": settings.contact,
            "pals": settings.pals,
            "safeguarding": settings.safeguarding,
            "advocacy": settings.advocacy,
        },
        language,
    )
    return {
        **sections,
        "organisation": sections["org"],
        "procedure": timescales(procedure, language, settings.closure_days),
        "privacy": privacy(settings, procedure, language),
        "funded": funded(settings, procedure, language),
        "procedures": {
            "sections": procedure_sections(settings, language),
            "easy_sections": easy_sections(settings, language),
        },
        "form_url": settings.form_url,
        "site_url": settings.site_url,
    }


def _context(language: str) -> dict:
    if language not in _contexts:
        _contexts[language] = context(_load(), language, _load_procedure())
    return _contexts[language]


def substitute(markdown: str, values: dict, where: str = "the page") -> str:
    """Replace each ``{{ dotted.name }}`` with its value; raise PluginError for anything else."""

    def replace(match: re.Match) -> str:
        name = match.group(1).strip()
        line = markdown.count("\n", 0, match.start()) + 1
        if not _DOTTED.match(name):
            raise PluginError(
                f"{where}, line {line}: {match.group(0)!r} is not a placeholder; "
                "placeholders are dotted names like {{ org.name }} or {{ contact.phone }}"
            )
        if name in MAY_BE_EMPTY:
            family, key = name.split(".", 1)
            if (values.get(family) or {}).get(key) == "":
                return ""
        value: object = values
        for part in name.split("."):
            if isinstance(value, dict) and value.get(part) not in (None, ""):
                value = value[part]
            else:
                value = None
                break
        if value is None or isinstance(value, dict | list):
            source = _settings.source if _settings is not None else "the settings"
            raise PluginError(
                f"{where}, line {line}: unknown placeholder {{{{ {name} }}}}: there is no such "
                f"value in the settings ({source}) or the procedure. Known names: "
                + ", ".join(_names(values))
            )
        # Settings are the organisation's own, but keep them from opening raw HTML.
        return str(value).replace("<", "&lt;").replace(">", "&gt;")

    result = _PLACEHOLDER.sub(replace, markdown)
    if "{{" in result or "}}" in result:
        index = result.find("{{") if "{{" in result else result.find("}}")
        line = result.count("\n", 0, index) + 1
        raise PluginError(f"{where}, line {line}: unmatched '{{{{' or '}}}}' in the Markdown")
    return result


def _names(values: dict, prefix: str = "") -> list[str]:
    names = []
    for key, value in values.items():
        if isinstance(value, dict):
            names += _names(value, f"{prefix}{key}.")
        elif value not in (None, "") and not isinstance(value, list):
            names.append(f"{prefix}{key}")
    return names


def page_language(page) -> str:
    """``cy`` for ``page.cy.md`` (mkdocs-static-i18n sets ``file.locale``), else ``en``."""
    locale = getattr(page.file, "locale", None)
    if locale in LANGUAGES:
        return locale
    return "cy" if page.file.src_uri.endswith(".cy.md") else "en"


def review_dates(meta: dict) -> tuple[date, date] | None:
    """(last reviewed, next review) from a page's front matter, or None if it has neither."""
    if "next_review" not in meta and "last_reviewed" not in meta:
        return None
    out = []
    for key in ("last_reviewed", "next_review"):
        value = meta.get(key)
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                value = None
        if not isinstance(value, date):
            raise PluginError(f"front matter {key} must be a date like 2027-11-23, not {value!r}")
        out.append(value)
    return out[0], out[1]


def document_information(meta: dict, language: str, today: date | None = None) -> str:
    """The document information block for a page with review dates (Markdown), or ''."""
    dates = review_dates(meta)
    if dates is None:
        return ""
    last, next_review = dates
    if not meta.get("owner"):
        raise PluginError("a page with review dates needs an owner in its front matter")
    words = DOCUMENT_INFORMATION[language]
    lines = [f"\n\n## {words['heading']}\n", f"- **{words['owner']}:** {meta['owner']}"]
    if meta.get("approved_by"):
        lines.append(f"- **{words['approved_by']}:** {meta['approved_by']}")
    lines.append(f"- **{words['last_reviewed']}:** {long_date(last, language)}")
    lines.append(f"- **{words['next_review']}:** {month_year(next_review, language)}")
    return "\n".join(lines) + "\n"


def overdue_warning(meta: dict, language: str, today: date | None = None) -> str:
    """A warning for the top of a page whose review date has passed (Markdown), or ''."""
    dates = review_dates(meta)
    if dates is None or dates[1] >= (today or date.today()):
        return ""
    return DOCUMENT_INFORMATION[language]["overdue"].format(date=long_date(dates[1], language))


def _after_title(markdown: str, block: str) -> str:
    """``block`` inserted after the page's first-level heading (or at the top)."""
    if not block:
        return markdown
    match = re.search(r"^# .*$", markdown, re.MULTILINE)
    if match is None:
        return block + "\n" + markdown
    return markdown[: match.end()] + "\n\n" + block + markdown[match.end() :]


def brand_css(colour: str) -> str:
    """Material's primary and accent colours set to the brand colour and its shades."""
    light = _mix(colour, "#ffffff", 0.2)
    dark = _mix(colour, "#000000", 0.2)
    darker = _mix(colour, "#000000", 0.5)
    return (
        "/* Generated by forms_app/sitebuild/hooks.py from the organisation's brand colour. */\n"
        ":root > * {\n"
        f"  --md-primary-fg-color: {colour};\n"
        f"  --md-primary-fg-color--light: {light};\n"
        f"  --md-primary-fg-color--dark: {dark};\n"
        "  --md-primary-bg-color: #ffffff;\n"
        "  --md-primary-bg-color--light: #ffffffb3;\n"
        f"  --md-accent-fg-color: {darker};\n"
        f"  --md-accent-fg-color--transparent: {colour}1a;\n"
        "  --md-accent-bg-color: #ffffff;\n"
        "  --md-accent-bg-color--light: #ffffffb3;\n"
        f"  --md-typeset-a-color: {colour};\n"
        "}\n"
        "/* Plain type for the public: bold dark headings, body-size tables and notes. */\n"
        ".md-typeset h1, .md-typeset h2, .md-typeset h3 {\n"
        "  color: var(--md-default-fg-color); font-weight: 700; letter-spacing: normal;\n"
        "}\n"
        ".md-typeset table:not([class]), .md-typeset .admonition { font-size: 0.8rem; }\n"
        "/* Links stay underlined, as on GOV.UK, so they do not rely on colour alone. */\n"
        ".md-typeset a { text-decoration: underline; text-underline-offset: 0.1em; }\n"
        ".md-typeset a:hover { text-decoration-thickness: 0.15em; }\n"
    )


def _mix(colour: str, other: str, amount: float) -> str:
    a = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(other[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * amount):02x}" for x, y in zip(a, b, strict=True))


def _is_final_build(config) -> bool:
    """False inside mkdocs-static-i18n's nested build of another language."""
    i18n = config.plugins.get("i18n")
    return not getattr(i18n, "building", False)


# MkDocs event hooks ---------------------------------------------------------------------------


def on_startup(command, dirty):
    # `mkdocs serve` rebuilds in one process: read the settings afresh for each build.
    global _command
    _command = command
    _reset()


def report_package_files(docs_dir: Path) -> set[str]:
    """The files ``feedback report`` keeps in the site (``outcomes/data/<period>/``): each
    ``datapackage.json`` and the CSV files it names as its resources. Any other data file in
    the site folder would be published as it is, so the build refuses it."""
    import json

    named = set()
    for package in sorted(docs_dir.glob(PUBLISHED_DATA + "*/datapackage.json")):
        folder = package.parent.relative_to(docs_dir).as_posix()
        try:
            resources = json.loads(package.read_text("utf-8")).get("resources") or []
        except (ValueError, AttributeError) as error:
            raise PluginError(f"{folder}/datapackage.json cannot be read: {error}") from error
        named.add(f"{folder}/datapackage.json")
        for resource in resources:
            path = resource.get("path") if isinstance(resource, dict) else None
            if isinstance(path, str) and path.endswith(".csv") and "/" not in path:
                named.add(f"{folder}/{path}")
    return named


def on_config(config):
    _reset()
    settings = _load()
    _load_procedure()
    config.site_name = settings.organisation["name"]
    if not config.site_url:
        config.site_url = settings.site_url + "/"
    if BRAND_CSS not in config.extra_css:
        config.extra_css.append(BRAND_CSS)
    return config


def on_files(files, config):
    named = report_package_files(Path(config.docs_dir))
    data = [
        f.src_uri
        for f in files
        if f.src_uri.lower().endswith(DATA_SUFFIXES) and f.src_uri not in named
    ]
    if data:
        raise PluginError(
            "data files must never be published from the site folder (everything in it is "
            "published), except the files each report's datapackage.json names under "
            f"{PUBLISHED_DATA}<period>/: {', '.join(sorted(data))}"
        )
    placeholder = str(site_pdfs.placeholder_path())
    for pdf in sorted({leaflet.pdf for leaflet in site_pdfs.LEAFLETS}):
        if files.get_file_from_path(pdf) is None:
            files.append(
                File.generated(
                    config, pdf, abs_src_path=placeholder, inclusion=InclusionLevel.INCLUDED
                )
            )
    return files


def on_page_markdown(markdown, page, config, files):
    where = page.file.abs_src_path or page.file.src_uri
    language = page_language(page)
    try:
        info = document_information(page.meta, language)
        warning = overdue_warning(page.meta, language)
    except PluginError as error:
        raise PluginError(f"{where}: {error}") from error
    markdown = substitute(markdown, _context(language), where=where)
    return _after_title(markdown, warning) + info


def language_link(page) -> str:
    """A visible link to the page in the other language (Welsh Language Standards: Welsh is
    not hidden behind an icon), or '' if the page has no twin."""
    here = page_language(page)
    other = "en" if here == "cy" else "cy"
    twin = (getattr(page.file, "alternates", None) or {}).get(other)
    if twin is None or getattr(twin, "locale", other) != other:
        return ""
    href = get_relative_url(twin.url, page.url)
    return (
        f'<p class="app-language app-no-print"><a href="{href}" lang="{other}" '
        f'hreflang="{other}">{LANGUAGE_NAMES[other]}</a></p>'
    )


def _name_search_dialog(output: str, language: str) -> str:
    return output.replace(
        SEARCH_DIALOG, SEARCH_DIALOG[:-1] + f' aria-label="{SEARCH_LABEL[language]}">', 1
    )


def on_post_template(output, template_name, config):
    # The 404 page is a template, not a page. mkdocs-static-i18n renders it again for each
    # language into the same file: keep the English one, with a line of Welsh and links home.
    if template_name != "404.html":
        return output
    existing = Path(config.site_dir) / "404.html"
    if config.theme.get("language") != "en" and existing.exists():
        return existing.read_text(encoding="utf-8")
    base = urlsplit(config.site_url or "/").path.rstrip("/") + "/"
    heading = "<h1>404 - Not found</h1>"
    links = (
        f'<p><a href="{base}">Go to the home page</a>.</p>'
        f'<p lang="cy">Nid yw\'r dudalen hon yn bodoli. '
        f'<a href="{base}cy/" hreflang="cy">Ewch i\'r hafan Gymraeg</a>.</p>'
    )
    return _name_search_dialog(output, "en").replace(heading, heading + links, 1)


def on_post_page(output, page, config):
    style = page.meta.get("style")
    if style is not None and style not in STYLES:
        raise PluginError(f"{page.file.src_uri}: style must be one of {', '.join(STYLES)}")
    output = _name_search_dialog(output, page_language(page))
    marker = 'class="md-content__inner md-typeset"'
    classes = "md-content__inner md-typeset" + (f" app-style-{style}" if style else "")
    start = output.find(marker)
    if start == -1:
        return output
    end = output.find(">", start) + 1
    return (
        output[:start]
        + f'class="{classes}"'
        + output[start + len(marker) : end]
        + language_link(page)
        + output[end:]
    )


# Lowest priority: after mkdocs-static-i18n (-100), whose post-build step builds the other
# languages, so the leaflets are printed once, when every page of every language exists.
@event_priority(-110)
def on_post_build(config):
    path = Path(config.site_dir) / BRAND_CSS
    path.parent.mkdir(parents=True, exist_ok=True)
    css = brand_css(_load().brand_colour.lower())
    css += "/* Labels for the stacked stage table on narrow screens (sitebuild/timescales.py). */\n"
    path.write_text(css + table_css(), encoding="utf-8")
    # After every language is built (this hook runs last), so no map survives in any of them.
    remove_source_maps(config.site_dir)

    if _command == "serve" or not site_pdfs.enabled() or not _is_final_build(config):
        return
    try:
        site_pdfs.print_leaflets(config.site_dir)
    except site_pdfs.PdfError as error:
        raise PluginError(str(error)) from error
