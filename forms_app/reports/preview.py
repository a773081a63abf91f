"""What staff see before a report is published, as plain data (kept as JSON, so any server
process can show it): the report's pages as the public will read them, which cells disclosure
control hid and why, and what the PII gate found.

The pages are the staged Markdown pages themselves turned into HTML by the same Markdown
extensions the site uses, without the site's theme: the figures, tables and words are exactly
those that would be published. Charts are left out (each one draws the table above it), and
links are shown as their words (what they point to is not published yet).
"""

from __future__ import annotations

import re

import markdown

from .build import Staged
from .pii_gate import Finding
from .tables import COUNT, HIDDEN
from .words import LANGUAGES

#: The site's Markdown extensions (``mkdocs.yml``), less the table of contents.
EXTENSIONS = ["admonition", "attr_list", "def_list", "md_in_html", "tables"]

_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)
_STYLE = re.compile(r"<style>.*?</style>", re.S)
_IMAGE = re.compile(r"^!\[[^\]]*\]\([^)]*\)\s*$", re.M)
_LINK = re.compile(r"<a\b[^>]*>(.*?)</a>", re.S)
#: GOV.UK Frontend's classes for what the Markdown makes, so the preview reads like a page.
_CLASSES = [
    ("<p>", '<p class="govuk-body">'),
    ("<ul>", '<ul class="govuk-list govuk-list--bullet">'),
    ("<ol>", '<ol class="govuk-list govuk-list--number">'),
    ('class="app-report-table"', 'class="app-report-table app-table-wrapper"'),
    ("<table>", '<table class="govuk-table app-preview-table">'),
    ("<thead>", '<thead class="govuk-table__head">'),
    ("<tbody>", '<tbody class="govuk-table__body">'),
    ("<tr>", '<tr class="govuk-table__row">'),
    ("<th", '<th class="govuk-table__header"'),
    ("<td", '<td class="govuk-table__cell"'),
]


def page_html(text: str) -> str:
    """A staged report page (Markdown) as HTML for the staff preview: no front matter, no
    style block (the staff pages allow no inline styles), no chart images."""
    text = _FRONT_MATTER.sub("", text, count=1)
    text = _IMAGE.sub("", _STYLE.sub("", text))
    converter = markdown.Markdown(
        extensions=EXTENSIONS, extension_configs={"tables": {"use_align_attribute": True}}
    )
    html = _LINK.sub(r"\1", converter.convert(text))
    for plain, styled in _CLASSES:
        html = html.replace(plain, styled)
    # Headings one level down: the staff page has its own level-one heading.
    return _HEADING.sub(_lower, html)


_HEADING = re.compile(r"<(/?)h([1-5])\b")
_HEADING_CLASS = {2: "govuk-heading-l", 3: "govuk-heading-m"}


def _lower(match: re.Match) -> str:
    closing, level = match.group(1), int(match.group(2)) + 1
    if closing:
        return f"</h{level}"
    return f'<h{level} class="{_HEADING_CLASS.get(level, "govuk-heading-s")}"'


def suppressed(staged: Staged, language: str = "en") -> list[dict]:
    """Each table with cells hidden by disclosure control (or withheld whole): the hidden cells
    (row and column), grouped by the reason they are hidden."""
    report = staged.report
    policy = report.policy
    if policy.mode == "round":
        counted = (
            f"A number from 1 to {policy.threshold} (every other number in this table is "
            f"rounded to the nearest {policy.round_to})"
        )
    else:
        counted = (
            f"A number from 1 to {policy.threshold}, or a number hidden so that another "
            "hidden number cannot be worked out from the totals"
        )
    derived = "Worked out from a hidden number (a percentage or a rate)"
    out = []
    for table in [*report.tables.values(), *report.returns.values()]:
        if table.withheld:
            whole = (
                "The whole table is left out: so few people are in it that no pattern of "
                "hidden numbers could protect them"
            )
            out.append({"title": table.title[language], "groups": [{"why": whole, "cells": []}]})
            continue
        groups = {counted: [], derived: []}
        for row in table.rows:
            for column, value in zip(table.columns, row.values, strict=False):
                if value is HIDDEN and column.on_page:
                    why = counted if column.kind == COUNT else derived
                    groups[why].append(f"{row.label[language]}, {column.label[language]}")
        if any(groups.values()):
            out.append(
                {
                    "title": table.title[language],
                    "groups": [{"why": w, "cells": c} for w, c in groups.items() if c],
                }
            )
    return out


def preview(staged: Staged) -> dict:
    """The whole preview of a report that passed the PII gate."""
    report = staged.report
    pages = {}
    for language in LANGUAGES:
        name = f"{staged.slug}.md" if language == "en" else f"{staged.slug}.cy.md"
        pages[language] = page_html((staged.staged_outcomes / name).read_text("utf-8"))
    return {
        "slug": staged.slug,
        "label": report.period.label(),
        "span": report.period.span(),
        "as_at": report.as_at.isoformat(),
        "pages": pages,
        "policy": report.policy.describe("en"),
        "suppressed": suppressed(staged),
        "gate_passed": True,
        "findings": [],
        "items": len(staged.items),
        "untranslated": list(report.untranslated),
    }


def refused(findings: list[Finding]) -> dict:
    """The preview of a report the PII gate stopped: what it found (each finding names the
    file, the kind of detail and a masked hint, never the detail itself)."""
    return {
        "gate_passed": False,
        "findings": [{"where": f.where, "kind": f.kind, "hint": f.hint} for f in findings[:200]],
        "more_findings": max(0, len(findings) - 200),
        "pages": {},
        "suppressed": [],
    }
