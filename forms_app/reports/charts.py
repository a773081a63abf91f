"""Accessible SVG bar charts, with no script: a visible title, a short description, and each
bar's name written above it and its number at its end, so nothing depends on colour or on
reading a scale. Names sit above the bars (not beside them) so that a chart scaled down to a
phone's width keeps its text large enough to read. The page puts the table of the same numbers
just above each chart.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from .tables import HIDDEN, NOT_KNOWN, PERCENT, RATE, Table
from .words import PHRASES

WIDTH = 440
VALUE_SPACE = 96  # room after the longest bar for its number
TITLE_HEIGHT = 34
LABEL_HEIGHT = 20
BAR_HEIGHT = 18
ROW_GAP = 14
TEXT = "#0b0c0c"
AXIS = "#505a5f"
MAX_LABEL = 52

_DESC = {
    "en": "A bar for each row of the table above this chart, with its name above it and its "
    "number at its end. It shows: {column}.",
    "cy": "Bar ar gyfer pob rhes o'r tabl uwchben y siart hon, gyda'i enw uwch ei ben a'i rif ar "
    "ei ddiwedd. Mae'n dangos: {column}.",
}


def number(value, kind: str, language: str = "en") -> str:
    """A value as the page writes it: 1,234 · 45.6% · 12.3 · 'not shown' · 'not known'."""
    if value is HIDDEN:
        return PHRASES[language]["not_shown"]
    if isinstance(value, dict):
        return value.get(language, "")
    if value == NOT_KNOWN:
        return PHRASES[language]["not_known"]
    if kind == PERCENT:
        return f"{value:,.1f}%"
    if isinstance(value, float) or kind == RATE:
        return f"{value:,.1f}"
    if kind == "change":
        return f"{value:+,}" if value else "0"
    return f"{value:,}"


def worth_drawing(table: Table) -> bool:
    """A chart needs at least two bars with something to show (not all hidden or zero)."""
    index = table.column(table.chart)
    shown = [r.values[index] for r in table.rows if not r.total and r.in_chart]
    return sum(isinstance(v, int | float) and v > 0 for v in shown) >= 2


def bar_chart(table: Table, language: str, colour: str) -> str:
    """An SVG bar chart of ``table``'s chart column (every row but totals and parts)."""
    index = table.column(table.chart)
    column = table.columns[index]
    rows = [r for r in table.rows if not r.total and r.in_chart]
    values = [r.values[index] for r in rows]
    numeric = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    top = max(numeric, default=0) or 1
    row_height = LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP
    height = TITLE_HEIGHT + len(rows) * row_height + 4
    plot = WIDTH - VALUE_SPACE
    key = f"chart-{table.key}-{language}"
    heading = f"{table.title[language]}: {column.label[language]}"
    desc = _DESC[language].format(column=column.label[language])
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-labelledby="{key}-t {key}-d" '
        f'lang="{language}" font-family="Arial, Helvetica, sans-serif" font-size="15">',
        f'<title id="{key}-t">{escape(heading)}</title>',
        f'<desc id="{key}-d">{escape(desc)}</desc>',
        f'<text x="0" y="18" font-size="16" font-weight="bold" fill="{TEXT}">'
        f"{escape(_short(heading, 56))}</text>",
    ]
    for k, (row, value) in enumerate(zip(rows, values, strict=True)):
        y = TITLE_HEIGHT + k * row_height
        label = row.label[language]
        out.append("<g>")
        if _short(label, MAX_LABEL) != label:
            out.append(f"<title>{escape(label)}</title>")
        out.append(
            f'<text x="0" y="{y + 15}" fill="{TEXT}">{escape(_short(label, MAX_LABEL))}</text>'
        )
        bar_y = y + LABEL_HEIGHT
        width = 0.0
        if isinstance(value, int | float) and value > 0:
            width = max(2.0, plot * value / top)
            out.append(
                f'<rect x="0" y="{bar_y}" width="{width:.1f}" height="{BAR_HEIGHT}" '
                f'fill="{colour}"/>'
            )
        else:
            out.append(
                f'<line x1="0.5" y1="{bar_y}" x2="0.5" y2="{bar_y + BAR_HEIGHT}" stroke="{AXIS}"/>'
            )
        out.append(
            f'<text x="{width + 6:.1f}" y="{bar_y + 14}" fill="{TEXT}">'
            f"{escape(number(value, column.kind, language))}</text>"
        )
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
