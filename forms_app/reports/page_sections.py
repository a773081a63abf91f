"""The parts a report's page is made of, as Markdown: a table with its title, its sentence and
its chart; the summary; the approved free text; the services with few complaints; the
organisation's improvement plan; the links to the data.

Free text is escaped so that it can only ever be words: no Markdown, no HTML, no
``{{ placeholders }}``.
"""

from __future__ import annotations

import html
import re

from forms_app.language.welsh import month_year

from .charts import number, worth_drawing
from .figures import Report
from .freetext import Item
from .page_words import PAGE_WORDS, SINGULAR_CY
from .tables import HIDDEN, NOT_KNOWN, TEXT, Table, percent
from .words import KIND_LABELS, LANGUAGES, OUTCOME_LABELS, PHRASES

_MARKERS = {lang: {PHRASES[lang]["not_shown"], PHRASES[lang]["not_known"]} for lang in LANGUAGES}


def escape_text(text: str) -> str:
    """Plain words for Markdown: HTML, Markdown syntax and ``{{`` made inert.

    One pass over the characters: escaping HTML first and Markdown after would escape the
    ``#`` of the HTML's own entities (an apostrophe would show as ``&#x27;``)."""
    return re.sub(r"[\\`*_{}\[\]()#+!|~>&<\"'-]", lambda m: f"&#{ord(m.group())};", text)


def cell_text(text: str) -> str:
    """Words for a table cell (or a line of the page): HTML escaped, and no ``|``."""
    return html.escape(text, quote=False).replace("|", "&#124;")


def markdown_table(table: Table, language: str) -> str:
    shown = [k for k, c in enumerate(table.columns) if c.on_page]
    columns = [table.columns[k] for k in shown]
    header = [table.row_header[language]] + [c.label[language] for c in columns]
    align = [":---"] + ["---:" if c.kind != TEXT else ":---" for c in columns]
    lines = [
        "| " + " | ".join(cell_text(h) for h in header) + " |",
        "| " + " | ".join(align) + " |",
    ]
    for row in table.rows:
        cells = [row.label[language]] + [
            number(row.values[k], table.columns[k].kind, language) for k in shown
        ]
        # "not shown" kept on one line (a no-break space).
        cells = [
            cell_text(c).replace(" ", "\u00a0") if c in _MARKERS[language] else cell_text(c)
            for c in cells
        ]
        if row.total:
            cells = [f"**{c}**" if c else c for c in cells]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def chart_name(report: Report, table: Table, language: str) -> str:
    suffix = "-cy" if language == "cy" else ""
    return f"charts/{report.period.slug}-{table.key}{suffix}.svg"


def _region(name: str, markdown: str) -> list[str]:
    """``markdown`` in a wrapper that scrolls sideways on its own (not the theme's wrapper),
    so that it can take the keyboard focus and has a name (axe:
    scrollable-region-focusable)."""
    label = html.escape(name, quote=True)
    return [
        f'<div class="app-report-table" markdown="1" tabindex="0" role="region" '
        f'aria-label="{label}">',
        "",
        markdown,
        "",
        "</div>",
        "",
    ]


def table_block(report: Report, table: Table, language: str, level: int = 3) -> str:
    """A table under its heading and the sentence saying how it is counted, then its notes
    and its chart; or, for a table too small to publish in any form, a sentence saying so."""
    t = PAGE_WORDS[language]
    parts = [f"{'#' * level} {table.title[language]}", "", table.how[language], ""]
    if table.withheld:
        parts += [t["withheld"], ""]
        return "\n".join(parts)
    parts += _region(table.title[language], markdown_table(table, language))
    for note in table.notes:
        parts += [f"{note[language]}", ""]
    if table.chart and worth_drawing(table):
        alt = t["chart_alt"].format(title=table.title[language])
        alt = alt.replace("[", "(").replace("]", ")").replace("\\", "")
        parts += [f"![{alt}]({chart_name(report, table, language)})", ""]
    return "\n".join(parts)


def summary(report: Report, language: str) -> str:
    """The headline figures as a list of sentences."""
    t = PAGE_WORDS[language]
    h = {**report.behind, **report.headline}
    before = report.periods[-2].label(language)
    diff = h["complaints"] - h["complaints_before"]
    if diff > 0:
        change = t["more"].format(n=f"{diff:,}")
    elif diff < 0:
        change = t["fewer"].format(n=f"{-diff:,}")
    else:
        change = t["same"]
    lines = [
        t["sum_complaints"].format(n=f"{h['complaints']:,}", change=change, before=before),
        t["sum_compliments"].format(n=f"{h['compliments']:,}"),
    ]
    if h["closed"]:
        lines.append(
            t["sum_well_founded"].format(
                n=f"{h['well_founded']:,}",
                closed=f"{h['closed']:,}",
                pct=number(h["well_founded_pct"], "percent", language),
            )
        )
    for key, part, whole, pct in (
        ("sum_acknowledged", "acknowledged_on_time", "acknowledged_due", "acknowledged_pct"),
        ("sum_responded", "responded_within", "responded_total", "responded_pct"),
    ):
        if _shown(h[part], h[whole], h[pct]):
            lines.append(
                t[key].format(
                    n=f"{h[part]:,}",
                    total=f"{h[whole]:,}",
                    pct=number(h[pct], "percent", language),
                )
            )
    referred = t["sum_ombudsman"] if h["ombudsman"] else t["sum_ombudsman_none"]
    ombudsman = report.ombudsman_name[language]
    lines.append(referred.format(n=f"{h['ombudsman']:,}", ombudsman=ombudsman))
    lines.append(_actions(h, language))
    return "\n".join(f"- {line}" for line in lines)


def _shown(*values) -> bool:
    return all(v not in (NOT_KNOWN, HIDDEN, None) for v in values)


def _actions(h: dict, language: str) -> str:
    """The learning actions in a sentence that says where they stand: how many are finished,
    or, when none is yet, when the earliest is due."""
    t = PAGE_WORDS[language]
    agreed, completed = h["actions_agreed"], h["actions_completed"]
    if not agreed:
        return t["sum_no_actions"]
    if completed:
        pct = number(percent(completed, agreed), "percent", language)
        return t["sum_actions"].format(agreed=f"{agreed:,}", completed=f"{completed:,}", pct=pct)
    line = t["sum_actions_none_done"].format(agreed=f"{agreed:,}")
    due = h.get("actions_earliest_due")
    if due is not None:
        key = "sum_actions_overdue" if due < h["as_at"] else "sum_actions_due"
        line += t[key].format(when=month_year(due, language))
    return line


def free_text(items: list[Item], language: str) -> str:
    """Approved free text, each under the service (and kind) it is about: compliments as
    quotations, other feedback with its outcome."""
    out = []
    for item in items:
        heading = item.service[language]
        if item.kind != "compliment":
            heading += " · " + KIND_LABELS[language][item.kind].rstrip("s")
            if language == "cy":
                heading = item.service[language] + " · " + SINGULAR_CY[item.kind]
        out.append(f"**{cell_text(heading)}**")
        out.append("")
        paragraphs = [p for p in re.split(r"\n\s*\n", item.text) if p.strip()]
        prefix = "> " if item.kind == "compliment" else ""
        for k, paragraph in enumerate(paragraphs):
            out.append(prefix + escape_text(" ".join(paragraph.split())))
            if k < len(paragraphs) - 1:
                out.append(">" if prefix else "")
        if item.outcome:
            out.append("")
            label = PAGE_WORDS[language]["outcome_label"]
            out.append(f"*{label}: {OUTCOME_LABELS[language][item.outcome]}*")
        out.append("")
    return "\n".join(out)


def few_complaints(report: Report, language: str) -> str:
    """The services with no complaints, or fewer than the disclosure threshold allows to be
    shown, named (their counts are not)."""
    t = PAGE_WORDS[language]
    n = report.policy.threshold
    none = [s[language] for s in report.few.get("none", [])]
    few = [s[language] for s in report.few.get("few", [])]
    lines = [t["few_intro"], ""]
    if none:
        lines += [t["few_none"].format(list=cell_text(", ".join(none))), ""]
    if few:
        lines += [t["few_few"].format(n=n + 1, list=cell_text(", ".join(few))), ""]
    if not none and not few:
        lines += [t["few_nothing"].format(n=n + 1), ""]
    return "\n".join(lines)


def improvement_plan(plan: str, language: str) -> list[str]:
    """The organisation's improvement plan under its own heading: without its front matter and
    comments, its headings moved down under the report's."""
    heading = PAGE_WORDS[language]["plan_h"]
    plan = re.sub(r"<!--.*?-->", "", _strip_front_matter(plan), flags=re.DOTALL)
    return [f"## {heading}", "", *_region(heading, _shift_headings(plan))]


def _shift_headings(markdown: str, by: int = 2) -> str:
    """The improvement plan's headings moved down under the report's own."""
    out = []
    fenced = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        if not fenced and re.match(r"^#{1,4} ", line):
            line = "#" * by + line
        out.append(line)
    return "\n".join(out).strip()


def _strip_front_matter(text: str) -> str:
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end != -1:
            return text[end + 4 :].lstrip("\n")
    return text


def data_links(report: Report, language: str, data_base: str, data_files: list[str]) -> str:
    """A link to each CSV file of the data package that holds one of the report's tables or
    returns, by the table's title."""
    links = []
    for name in data_files:
        key = name.removesuffix(".csv")
        table = report.tables.get(key) or report.returns.get(key)
        if table is not None:
            links.append(f"- [{table.title[language]}]({data_base}/{name}) (CSV)")
    return "\n".join(links)
