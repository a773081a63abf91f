"""The returns to regulators on a report's page: a section for each return that applies to the
organisation (the SPSO indicators, the England and Wales annual figures, the LGSCO annual
figures, NHS England's KO41a), each table as the page shows every other table (small numbers
hidden), and for KO41a what is still needed before it can be sent, named without numbers or
references (those are for staff: ``feedback returns ko41a``)."""

from __future__ import annotations

from . import return_words as w
from .figures import Report
from .page_sections import escape_text, table_block


def returns_section(report: Report, language: str) -> list[str]:
    """The section's Markdown lines; nothing when no return applies."""
    returns = report.returns
    if not returns:
        return []
    parts = [f"## {w.RETURNS_HEADING[language]}", "", w.RETURNS_INTRO[language], ""]
    if "spso-indicators" in returns:
        parts += [f"### {w.SPSO_HEADING[language]}", "", w.SPSO_INTRO[language], ""]
        parts.append(table_block(report, returns["spso-indicators"], language, 4))
    if "annual-return" in returns:
        parts.append(table_block(report, returns["annual-return"], language, 3))
    if "lgsco-annual" in returns:
        parts += [f"### {w.LGSCO_HEADING[language]}", "", w.LGSCO_INTRO[language], ""]
        parts.append(table_block(report, returns["lgsco-annual"], language, 4))
    if "ko41a-summary" in returns:
        parts += [f"### {w.KO41A_HEADING[language]}", "", w.KO41A_INTRO[language], ""]
        parts += _ko41a_readiness(report, language)
        parts.append(table_block(report, returns["ko41a-summary"], language, 4))
        if "ko41a-subjects" in returns:
            parts.append(table_block(report, returns["ko41a-subjects"], language, 4))
    return parts


def _ko41a_readiness(report: Report, language: str) -> list[str]:
    """What the KO41a return still needs before it can be sent, and what it cannot say."""
    ret = report.ko41a
    if ret is None:
        return []
    lines = []
    if ret.missing:
        lines += [w.KO41A_GAPS[language], ""]
        lines += [f"- {escape_text(gap.what[language])}" for gap in ret.missing]
    else:
        lines.append(w.KO41A_READY[language])
    lines.append("")
    for note in ret.notes:
        lines += [escape_text(note.what[language]), ""]
    return lines
