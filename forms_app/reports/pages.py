"""The report as Markdown pages, in English and Welsh (``<slug>.md`` and ``<slug>.cy.md``, the
Welsh twin the site's i18n plugin expects), and the list of reports on the outcomes page.

Every table comes with its title, the sentence saying how it is counted, and (where there is
one) its chart, whose description points back to the table. Free text is escaped so that it
can only ever be words: no Markdown, no HTML, no ``{{ placeholders }}``.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .charts import number, worth_drawing
from .figures import Report
from .freetext import Item
from .periods import Period, long_date
from .tables import HIDDEN, NOT_KNOWN, Table
from .words import KIND_LABELS, LANGUAGES, PHRASES
from .words import OUTCOME_LABELS as OL

GENERATED = "feedback report"  # front matter ``generated_by``: pages this module owns

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

T = {
    "en": {
        "year": "annual report {label}",
        "quarter": "quarterly report {label}",
        "custom": "report for {label}",
        "title": "Feedback, complaints and compliments: {what}",
        "intro": (
            "This report covers {span}. It counts the compliments, comments, concerns, "
            "enquiries and complaints {org} received, how quickly and how well we dealt with "
            "complaints, and what we are changing because of them. The figures are as they "
            "stood on {as_at}."
        ),
        "each_table": (
            "Under each table a sentence says how its figures are counted. Each chart shows the "
            "numbers of the table just above it."
        ),
        "summary": "Summary",
        "sum_complaints": "We received {n} complaints, {change} in {before}.",
        "more": "{n} more than",
        "fewer": "{n} fewer than",
        "same": "the same number as",
        "sum_compliments": "We received {n} compliments.",
        "sum_well_founded": (
            "Of the {closed} complaints we closed, {pct} were upheld or partially upheld."
        ),
        "sum_responded": "{pct} of our full responses to complaints were within the target time.",
        "sum_acknowledged": "{pct} of complaints were acknowledged on time.",
        "sum_ombudsman": "{n} complaints were referred to the {ombudsman}.",
        "sum_actions": "We agreed {agreed} learning actions, and {completed} of them are done.",
        "received_h": "Feedback we received",
        "services_h": "Complaints by service",
        "stages_h": "Complaints by stage",
        "outcomes_h": "What we found",
        "themes_h": "What complaints were about",
        "compliments_h": "Compliments",
        "timeliness_h": "How quickly we responded",
        "ombudsman_h": "The ombudsman",
        "learning_h": "Learning from complaints",
        "examples_h": "You said, we did",
        "examples_intro": (
            "Some of the complaints and other feedback we dealt with, and what we did about "
            "them. Each was written for publication and approved by a member of staff who "
            "publishes our reports. Names and other details that could identify anyone have "
            "been replaced with 😊."
        ),
        "compliment_quotes_h": "What people said",
        "compliment_quotes_intro": (
            "Some of the compliments people sent us, approved for publication. Names have "
            "been replaced with 😊."
        ),
        "none_approved": "None were approved for publication for this period.",
        "few_h": "Services with few or no complaints",
        "few_intro": (
            "Few or no complaints about a service may mean it is working well, or that people "
            "who use it find it hard to complain. We look at both."
        ),
        "few_none": "No complaints this period: {list}.",
        "few_few": "Fewer than {n} complaints this period: {list}.",
        "few_nothing": "Every service received {n} or more complaints this period.",
        "plan_h": "Our improvement plan",
        "data_h": "Download the data",
        "data_intro": (
            "The numbers in this report as CSV files you can open in a spreadsheet, with a "
            "description of every file ({datapackage}, a Frictionless Data package). The "
            "files have the same numbers as the page, with small numbers hidden in the same "
            "way."
        ),
        "returns": (
            "Also in the package: the returns we make to regulators. They are counted in the "
            "same way as the tables above."
        ),
        "about_h": "About these figures",
        "about_dates": (
            "A piece of feedback belongs to the period it was received in. A stage of a "
            "complaint belongs to the period it started in, a response to the period it was "
            "given in, and a complaint's final outcome to the period it was closed in. Working "
            "days are Monday to Friday, not counting bank holidays {nation} or days we are "
            "closed."
        ),
        "withheld": (
            "This table is not shown: its numbers are so small that people could be "
            "identified from it, whatever was hidden."
        ),
        "chart_alt": "Bar chart: {title}. The numbers are in the table above.",
        "note": "Note",
        "outcome_label": "Outcome",
        "reports_list_h": "Reports",
        "period": "Period",
    },
    "cy": {
        "year": "adroddiad blynyddol {label}",
        "quarter": "adroddiad chwarterol {label}",
        "custom": "adroddiad ar gyfer {label}",
        "title": "Adborth, cwynion a chanmoliaeth: {what}",
        "intro": (
            "Mae'r adroddiad hwn yn ymdrin â {span}. Mae'n cyfrif y ganmoliaeth, y sylwadau, y "
            "pryderon, yr ymholiadau a'r cwynion a gafodd {org}, pa mor gyflym a pha mor dda y "
            "gwnaethom ddelio â chwynion, a beth rydym yn ei newid o'u herwydd. Mae'r ffigurau "
            "fel yr oeddent ar {as_at}."
        ),
        "each_table": (
            "O dan bob tabl mae brawddeg yn dweud sut mae ei ffigurau'n cael eu cyfrif. Mae "
            "pob siart yn dangos rhifau'r tabl yn union uwch ei phen."
        ),
        "summary": "Crynodeb",
        "sum_complaints": "Cawsom {n} o gwynion, {change} yn {before}.",
        "more": "{n} yn fwy na",
        "fewer": "{n} yn llai na",
        "same": "yr un nifer â",
        "sum_compliments": "Cawsom {n} o ganmoliaethau.",
        "sum_well_founded": (
            "O'r {closed} o gwynion a gaewyd gennym, cafodd {pct} eu cadarnhau neu eu "
            "cadarnhau'n rhannol."
        ),
        "sum_responded": ("Roedd {pct} o'n hymatebion llawn i gwynion o fewn yr amser targed."),
        "sum_acknowledged": "Cafodd {pct} o gwynion eu cydnabod mewn pryd.",
        "sum_ombudsman": "Cafodd {n} o gwynion eu cyfeirio at {ombudsman}.",
        "sum_actions": (
            "Cytunwyd ar {agreed} o gamau dysgu, ac mae {completed} ohonynt wedi'u gwneud."
        ),
        "received_h": "Yr adborth a gawsom",
        "services_h": "Cwynion fesul gwasanaeth",
        "stages_h": "Cwynion fesul cam",
        "outcomes_h": "Beth a ganfuwyd gennym",
        "themes_h": "Am beth roedd cwynion",
        "compliments_h": "Canmoliaeth",
        "timeliness_h": "Pa mor gyflym yr ymatebwyd",
        "ombudsman_h": "Yr ombwdsmon",
        "learning_h": "Dysgu o gwynion",
        "examples_h": "Dywedoch chi, gwnaethom ni",
        "examples_intro": (
            "Rhai o'r cwynion a'r adborth arall y gwnaethom ddelio â nhw, a beth a wnaethom am "
            "y peth. Cafodd pob un ei ysgrifennu i'w gyhoeddi a'i gymeradwyo gan aelod o staff "
            "sy'n cyhoeddi ein hadroddiadau. Mae enwau a manylion eraill a allai adnabod "
            "unrhyw un wedi'u newid am 😊. Maent yn yr iaith y cawsant eu hysgrifennu ynddi."
        ),
        "compliment_quotes_h": "Beth ddywedodd pobl",
        "compliment_quotes_intro": (
            "Rhywfaint o'r ganmoliaeth a anfonodd pobl atom, wedi'i chymeradwyo i'w chyhoeddi. "
            "Mae enwau wedi'u newid am 😊. Mae'n ymddangos yn yr iaith y cafodd ei hysgrifennu "
            "ynddi."
        ),
        "none_approved": "Ni chymeradwywyd dim i'w gyhoeddi ar gyfer y cyfnod hwn.",
        "few_h": "Gwasanaethau heb fawr ddim cwynion, neu ddim o gwbl",
        "few_intro": (
            "Gall ychydig o gwynion am wasanaeth, neu ddim o gwbl, olygu ei fod yn gweithio'n "
            "dda, neu ei bod yn anodd i'r bobl sy'n ei ddefnyddio gwyno. Rydym yn edrych ar y "
            "ddau."
        ),
        "few_none": "Dim cwynion y cyfnod hwn: {list}.",
        "few_few": "Llai na {n} o gwynion y cyfnod hwn: {list}.",
        "few_nothing": "Cafodd pob gwasanaeth {n} neu fwy o gwynion y cyfnod hwn.",
        "plan_h": "Ein cynllun gwella",
        "data_h": "Lawrlwytho'r data",
        "data_intro": (
            "Y rhifau yn yr adroddiad hwn fel ffeiliau CSV y gallwch eu hagor mewn taenlen, "
            "gyda disgrifiad o bob ffeil ({datapackage}, pecyn Frictionless Data). Mae gan y "
            "ffeiliau yr un rhifau â'r dudalen, gyda rhifau bach wedi'u cuddio yn yr un ffordd."
        ),
        "returns": (
            "Hefyd yn y pecyn: y ffurflenni a anfonwn at reoleiddwyr. Maent yn cael eu cyfrif "
            "yn yr un ffordd â'r tablau uchod."
        ),
        "about_h": "Am y ffigurau hyn",
        "about_dates": (
            "Mae darn o adborth yn perthyn i'r cyfnod y daeth i law. Mae cam cwyn yn perthyn i'r "
            "cyfnod y dechreuodd, ymateb i'r cyfnod y cafodd ei roi, a chanlyniad terfynol cwyn "
            "i'r cyfnod y cafodd ei chau. Diwrnodau gwaith yw dydd Llun i ddydd Gwener, heb "
            "gyfrif gwyliau banc {nation} na diwrnodau pan fyddwn ar gau."
        ),
        "withheld": (
            "Nid yw'r tabl hwn yn cael ei ddangos: mae ei rifau mor fach fel y gellid adnabod "
            "pobl ohono, beth bynnag a guddiwyd."
        ),
        "chart_alt": "Siart bar: {title}. Mae'r rhifau yn y tabl uchod.",
        "note": "Nodyn",
        "outcome_label": "Canlyniad",
        "reports_list_h": "Adroddiadau",
        "period": "Cyfnod",
    },
}


_MARKERS = {lang: {PHRASES[lang]["not_shown"], PHRASES[lang]["not_known"]} for lang in LANGUAGES}


@dataclass
class PageSet:
    """What ``render`` made: file name (under the outcomes folder) -> text."""

    files: dict[str, str] = field(default_factory=dict)


def escape_text(text: str) -> str:
    """Plain words for Markdown: HTML, Markdown syntax and ``{{`` made inert."""
    text = html.escape(text, quote=True)
    return re.sub(r"[\\`*_{}\[\]()#+!|~>-]", lambda m: f"&#{ord(m.group())};", text)


def _cell_text(text: str) -> str:
    return html.escape(text, quote=False).replace("|", "&#124;")


def title(period: Period, language: str) -> str:
    what = T[language][period.kind].format(label=period.label(language))
    return T[language]["title"].format(what=what)


def markdown_table(table: Table, language: str) -> str:
    shown = [k for k, c in enumerate(table.columns) if c.on_page]
    columns = [table.columns[k] for k in shown]
    header = [table.row_header[language]] + [c.label[language] for c in columns]
    align = [":---"] + ["---:" if c.kind != "text" else ":---" for c in columns]
    lines = [
        "| " + " | ".join(_cell_text(h) for h in header) + " |",
        "| " + " | ".join(align) + " |",
    ]
    for row in table.rows:
        cells = [row.label[language]] + [
            number(row.values[k], table.columns[k].kind, language) for k in shown
        ]
        # "not shown" kept on one line (a no-break space).
        cells = [
            _cell_text(c).replace(" ", "\u00a0") if c in _MARKERS[language] else _cell_text(c)
            for c in cells
        ]
        if row.total:
            cells = [f"**{c}**" if c else c for c in cells]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def chart_name(report: Report, table: Table, language: str) -> str:
    suffix = "-cy" if language == "cy" else ""
    return f"charts/{report.period.slug}-{table.key}{suffix}.svg"


def _table_block(report: Report, table: Table, language: str, level: int = 3) -> str:
    t = T[language]
    parts = [f"{'#' * level} {table.title[language]}", "", table.how[language], ""]
    if table.withheld:
        parts += [t["withheld"], ""]
        return "\n".join(parts)
    name = html.escape(table.title[language], quote=True)
    parts += [
        f'<div class="app-report-table" markdown="1" tabindex="0" role="region" '
        f'aria-label="{name}">',
        "",
        markdown_table(table, language),
        "",
        "</div>",
        "",
    ]
    for note in table.notes:
        parts += [f"{note[language]}", ""]
    if table.chart and worth_drawing(table):
        alt = t["chart_alt"].format(title=table.title[language])
        alt = alt.replace("[", "(").replace("]", ")").replace("\\", "")
        parts += [f"![{alt}]({chart_name(report, table, language)})", ""]
    return "\n".join(parts)


def _summary(report: Report, language: str, org: str) -> str:
    t = T[language]
    h = report.headline
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
                closed=f"{h['closed']:,}", pct=number(h["well_founded_pct"], "percent", language)
            )
        )
    if h["acknowledged_pct"] not in (NOT_KNOWN, HIDDEN):
        lines.append(
            t["sum_acknowledged"].format(pct=number(h["acknowledged_pct"], "percent", language))
        )
    if h["responded_pct"] not in (NOT_KNOWN, HIDDEN):
        lines.append(t["sum_responded"].format(pct=number(h["responded_pct"], "percent", language)))
    lines.append(
        t["sum_ombudsman"].format(
            n=f"{h['ombudsman']:,}", ombudsman=report.ombudsman_name[language]
        )
    )
    lines.append(
        t["sum_actions"].format(
            agreed=f"{h['actions_agreed']:,}", completed=f"{h['actions_completed']:,}"
        )
    )
    return "\n".join(f"- {line}" for line in lines)


def _items(items: list[Item], language: str) -> str:
    out = []
    for item in items:
        heading = item.service[language]
        if item.kind != "compliment":
            heading += " · " + KIND_LABELS[language][item.kind].rstrip("s")
            if language == "cy":
                heading = item.service[language] + " · " + _singular_cy(item.kind)
        out.append(f"**{_cell_text(heading)}**")
        out.append("")
        paragraphs = [p for p in re.split(r"\n\s*\n", item.text) if p.strip()]
        prefix = "> " if item.kind == "compliment" else ""
        for k, paragraph in enumerate(paragraphs):
            out.append(prefix + escape_text(" ".join(paragraph.split())))
            if k < len(paragraphs) - 1:
                out.append(">" if prefix else "")
        if item.outcome:
            out.append("")
            out.append(f"*{T[language]['outcome_label']}: {OL[language][item.outcome]}*")
        out.append("")
    return "\n".join(out)


def _singular_cy(kind: str) -> str:
    return {
        "complaint": "Cwyn",
        "concern": "Pryder",
        "comment": "Sylw",
        "enquiry": "Ymholiad",
        "compliment": "Canmoliaeth",
    }[kind]


def _few(report: Report, language: str) -> str:
    t = T[language]
    n = report.policy.threshold
    none = [s[language] for s in report.few.get("none", [])]
    few = [s[language] for s in report.few.get("few", [])]
    lines = [t["few_intro"], ""]
    if none:
        lines += [t["few_none"].format(list=_cell_text(", ".join(none))), ""]
    if few:
        lines += [t["few_few"].format(n=n + 1, list=_cell_text(", ".join(few))), ""]
    if not none and not few:
        lines += [t["few_nothing"].format(n=n + 1), ""]
    return "\n".join(lines)


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
    t = T[language]
    tables = report.tables
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
            org=_cell_text(organisation),
            as_at=long_date(report.as_at, language),
        ),
        "",
        t["each_table"] + " " + report.policy.describe(language),
        "",
        f"## {t['summary']}",
        "",
        _summary(report, language, organisation),
        "",
        _table_block(report, tables["feedback-by-kind"], language, 2),
        _table_block(report, tables["complaints-by-service"], language, 2),
        _table_block(report, tables["complaints-by-stage"], language, 2),
        f"## {t['outcomes_h']}",
        "",
        _table_block(report, tables["outcomes"], language),
        _table_block(report, tables["outcomes-by-stage"], language),
    ]
    for key, table in tables.items():
        if key.startswith("outcomes-by-service-"):
            parts.append(_table_block(report, table, language))
    compliments = [i for i in items if i.kind == "compliment"]
    examples = [i for i in items if i.kind != "compliment"]
    parts += [
        _table_block(report, tables["themes"], language, 2),
        *(
            [_table_block(report, tables["themes-by-quarter"], language)]
            if "themes-by-quarter" in tables
            else []
        ),
        f"## {t['compliments_h']}",
        "",
        _table_block(report, tables["compliments-by-service"], language),
        f"### {t['compliment_quotes_h']}",
        "",
        (t["compliment_quotes_intro"] + "\n\n" + _items(compliments, language))
        if compliments
        else t["none_approved"] + "\n",
        f"## {t['timeliness_h']}",
        "",
        _table_block(report, tables["acknowledgement"], language),
        _table_block(report, tables["responses"], language),
        _table_block(report, tables["response-times"], language),
        _table_block(report, tables["ombudsman"], language, 2),
        f"## {t['learning_h']}",
        "",
        _table_block(report, tables["learning-actions"], language),
        f"### {t['examples_h']}",
        "",
        (t["examples_intro"] + "\n\n" + _items(examples, language))
        if examples
        else t["none_approved"] + "\n",
        f"## {t['few_h']}",
        "",
        _few(report, language),
    ]
    if plan:
        plan = re.sub(r"<!--.*?-->", "", _strip_front_matter(plan), flags=re.DOTALL)
        name = html.escape(t["plan_h"], quote=True)
        parts += [
            f"## {t['plan_h']}",
            "",
            f'<div class="app-report-table" markdown="1" tabindex="0" role="region" '
            f'aria-label="{name}">',
            "",
            _shift_headings(plan),
            "",
            "</div>",
            "",
        ]
    package = f"[datapackage.json]({data_base}/datapackage.json)"
    links = []
    for name in data_files:
        key = name.removesuffix(".csv")
        table = tables.get(key) or report.returns.get(key)
        if table is not None:
            links.append(f"- [{table.title[language]}]({data_base}/{name}) (CSV)")
    parts += [
        f"## {t['data_h']}",
        "",
        t["data_intro"].format(datapackage=package),
        "",
        "\n".join(links),
        "",
        t["returns"],
        "",
        f"## {t['about_h']}",
        "",
        t["about_dates"].format(nation=nation_text),
        "",
        report.policy.describe(language),
        "",
    ]
    return "\n".join(parts).rstrip() + "\n"


# The list of reports on the outcomes page --------------------------------------------------

START, END = "<!-- reports: written by feedback report -->", "<!-- /reports -->"
PLACEHOLDERS = {
    "en": "Reports will appear here once they are published.",
    "cy": "Bydd adroddiadau'n ymddangos yma pan fyddant wedi'u cyhoeddi.",
}


def report_pages(outcomes: Path) -> list[tuple[str, str, str]]:
    """(slug, English title, Welsh title) of every generated report page, newest first."""
    found = []
    for path in outcomes.glob("*.md"):
        if path.name.endswith(".cy.md") or path.name == "index.md":
            continue
        text = path.read_text("utf-8")
        if f"generated_by: {GENERATED}" not in text.split("\n---", 1)[0]:
            continue
        english = _front_title(text)
        twin = path.with_name(path.stem + ".cy.md")
        welsh = _front_title(twin.read_text("utf-8")) if twin.exists() else english
        found.append((path.stem, english, welsh))
    return sorted(found, key=lambda f: f[0], reverse=True)


def _front_title(text: str) -> str:
    match = re.search(r'^title: "(.*)"$', text, re.MULTILINE)
    return match.group(1) if match else ""


def index_block(pages: list[tuple[str, str, str]], language: str) -> str:
    lines = [START, ""]
    for slug, english, welsh in pages:
        name = welsh if language == "cy" else english
        lines.append(f"- [{name}]({slug}.md)")
    if not pages:
        lines.append(PLACEHOLDERS[language])
    lines += ["", END]
    return "\n".join(lines)


def update_index(text: str, pages: list[tuple[str, str, str]], language: str) -> str:
    """The outcomes page with its list of reports replaced (its front matter and the rest of
    its words kept). The list goes between markers; the first time, in place of the sentence
    saying reports will appear, or else before the first second-level heading."""
    block = index_block(pages, language)
    if START in text and END in text:
        before, rest = text.split(START, 1)
        after = rest.split(END, 1)[1]
        return before + block + after
    placeholder = PLACEHOLDERS[language]
    if placeholder in text:
        return text.replace(placeholder, block, 1)
    match = re.search(r"^## ", text, re.MULTILINE)
    if match:
        return text[: match.start()] + block + "\n\n" + text[match.start() :]
    return text.rstrip() + "\n\n" + block + "\n"


__all__ = ["render", "update_index", "report_pages", "title", "escape_text", "date"]
