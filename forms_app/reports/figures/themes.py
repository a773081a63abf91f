"""What complaints were about: the themes staff recorded, and for a year the same by quarter."""

from __future__ import annotations

from ..disclosure import protect
from ..tables import PERCENT, Column, Row, Table, percent
from ..words import LANGUAGES, both
from .counting import Counting, title_and_how


def themes(counting: Counting) -> tuple[Table, Table | None]:
    """The themes of the complaints received in the period, most frequent first; and for a
    year, the same by quarter (None for a shorter period)."""
    this = counting.period
    names = counting.names
    received = [f for f in counting.complaints if this.start <= f.received <= this.end]
    quarters = this.quarters() if this.kind == "year" else [this]
    codes = [t.code for t in counting.settings.themes]
    codes += sorted({t for f in received for t in f.case.themes} - set(codes))
    counts = {code: [0] * len(quarters) for code in codes}
    for f in received:
        q = next(i for i, p in enumerate(quarters) if f.received in p)
        for theme in f.case.themes:
            counts[theme][q] += 1
    matrix = [counts[c] for c in codes]
    by_quarter = len(quarters) > 1
    protected = protect(
        matrix, counting.policy, row_totals=by_quarter, col_totals=False, grand_known=False
    )
    totals = protected.row_totals if by_quarter else [cells[0] for cells in protected.cells]
    true_totals = [sum(row) for row in matrix]
    order = sorted(range(len(codes)), key=lambda i: (-true_totals[i], codes[i]))
    table = Table(
        "themes",
        *title_and_how("themes"),
        both("theme"),
        [
            Column("complaints", both("number")),
            Column("pct", both("of_complaints"), PERCENT),
        ],
        [
            Row(codes[i], names.theme(codes[i]), [totals[i], percent(totals[i], len(received))])
            for i in order
        ],
        chart="complaints",
        breakdown=True,
        withheld=not protected.publishable,
    )
    if not by_quarter:
        return table, None
    columns = [
        Column(
            f"q{k + 1}",
            {
                lang: q.label(lang).split(" ")[-1] if q.kind == "quarter" else q.label(lang)
                for lang in LANGUAGES
            },
        )
        for k, q in enumerate(quarters)
    ]
    columns.append(Column("complaints", both("total")))
    quarterly = Table(
        "themes-by-quarter",
        *title_and_how("themes-by-quarter"),
        both("theme"),
        columns,
        [Row(codes[i], names.theme(codes[i]), [*protected.cells[i], totals[i]]) for i in order],
        breakdown=True,
        withheld=not protected.publishable,
    )
    return table, quarterly
