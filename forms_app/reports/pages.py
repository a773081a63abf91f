"""The report as Markdown pages, in English and Welsh (``<slug>.md`` and ``<slug>.cy.md``, the
Welsh twin the site's i18n plugin expects): the page put together from its sections
(``page_sections``), in the order a reader meets them.

Every table comes with its title, the sentence saying how it is counted, and (where there is
one) its chart, whose description points back to the table. The list of reports on the
outcomes page is ``report_list``.
"""

from __future__ import annotations

from .figures import Report
from .freetext import Item
from .page_returns import returns_section
from .page_sections import (
    cell_text,
    chart_name,
    data_links,
    escape_text,
    few_complaints,
    free_text,
    improvement_plan,
    summary,
    table_block,
)
from .page_words import PAGE_WORDS
from .periods import Period, long_date
from .report_list import GENERATED, PLACEHOLDERS, report_pages, update_index

#: The tables each procedure has of its own when the cases follow several procedures
#: (``figures.by_procedure``).
PER_PROCEDURE = ("acknowledgement-", "responses-", "response-times-")

#: Tighter table cells than the theme's, so that the report's tables fit beside the site's
#: menus on a desktop screen (they scroll sideways on a phone, as the theme's tables do).
#: The wrapper of each table is the part that scrolls sideways (not the theme's own wrapper),
#: so that it can take the keyboard focus (tabindex) and has a name (axe:
#: scrollable-region-focusable).
STYLE = (
    "<style>.md-typeset .app-report-table table:not([class]) th,"
    ".md-typeset .app-report-table table:not([class]) td{padding:.55em .6em}"
    ".md-typeset .app-report-table table:not([class]) th{vertical-align:bottom;min-width:0}"
    ".md-typeset .app-report-table{overflow-x:auto;margin:1em 0}"
    ".md-typeset .app-report-table .md-typeset__scrollwrap{overflow:visible;margin:0}"
    ".md-typeset .app-report-table .md-typeset__table{padding:0;display:block;margin:0}"
    ".md-typeset .app-report-table table:not([class]){display:table;max-width:none;"
    "overflow:visible;margin:0}"
    ".md-typeset .app-report-table:focus-visible{outline:3px solid #fd0;"
    "outline-offset:2px}</style>"
)


def title(period: Period, language: str) -> str:
    t = PAGE_WORDS[language]
    return t["title"].format(what=t[period.kind].format(label=period.label(language)))


def render(
    report: Report,
    *,
    language: str,
    organisation: str,
    nation_text: str,
    data_base: str,
    data_files: list[str],
    items: list[Item],
    plan: str | None,
) -> str:
    """One report page in ``language``."""
    t = PAGE_WORDS[language]
    tables = report.tables

    def block(key: str, level: int = 3) -> str:
        return table_block(report, tables[key], language, level)

    period = report.period
    page_title = title(period, language)
    front = [
        "---",
        f'title: "{page_title}"',
        f"generated_by: {GENERATED}",
        f"period: {period.slug}",
        f"as_at: {report.as_at.isoformat()}",
    ]
    if language == "cy":
        front += [
            "# Welsh written by a developer: a Welsh speaker should review this page.",
            "welsh_review: pending",
        ]
    front.append("---")
    parts = [
        "\n".join(front),
        "",
        STYLE,
        "",
        f"# {page_title}",
        "",
        t["intro"].format(
            span=period.span(language),
            org=cell_text(organisation),
            as_at=long_date(report.as_at, language),
        ),
        "",
        t["each_table"] + " " + report.policy.describe(language),
        "",
        f"## {t['summary']}",
        "",
        summary(report, language),
        "",
        block("feedback-by-kind", 2),
        block("complaints-by-service", 2),
        block("complaints-by-stage", 2),
        f"## {t['outcomes_h']}",
        "",
        block("outcomes"),
        block("outcomes-by-stage"),
        *(block(key) for key in tables if key.startswith("outcomes-by-service-")),
        block("themes", 2),
        *([block("themes-by-quarter")] if "themes-by-quarter" in tables else []),
        f"## {t['compliments_h']}",
        "",
        block("compliments-by-service"),
        *_approved(
            t["compliment_quotes_h"],
            [i for i in items if i.kind == "compliment"],
            t["compliment_quotes_intro"],
            language,
        ),
        f"## {t['timeliness_h']}",
        "",
        block("acknowledgement"),
        block("responses"),
        block("response-times"),
        *(block(key) for key in tables if key.startswith(PER_PROCEDURE)),
        block("ombudsman", 2),
        f"## {t['learning_h']}",
        "",
        block("learning-actions"),
        *_approved(
            t["examples_h"],
            [i for i in items if i.kind != "compliment"],
            t["examples_intro"],
            language,
        ),
        block("satisfaction", 2),
        block("equality", 2),
        f"## {t['few_h']}",
        "",
        few_complaints(report, language),
    ]
    if plan:
        parts += improvement_plan(plan, language)
    package = f"[datapackage.json]({data_base}/datapackage.json)"
    parts += [
        f"## {t['data_h']}",
        "",
        t["data_intro"].format(datapackage=package),
        "",
        data_links(report, language, data_base, data_files),
        "",
        *returns_section(report, language),
        f"## {t['about_h']}",
        "",
        t["about_dates"].format(nation=nation_text),
        "",
        report.policy.describe(language),
        "",
    ]
    return "\n".join(parts).rstrip() + "\n"


def _approved(heading: str, items: list[Item], intro: str, language: str) -> list[str]:
    """Approved free text under its heading and introduction; nothing at all when none was
    approved (an empty section tells a reader nothing)."""
    if not items:
        return []
    return [f"### {heading}", "", intro + "\n\n" + free_text(items, language)]


__all__ = [
    "render",
    "title",
    "chart_name",
    "escape_text",
    "GENERATED",
    "PLACEHOLDERS",
    "report_pages",
    "update_index",
]
