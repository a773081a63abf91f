"""How much feedback came in: by kind, complaints and compliments by service, and complaints by
the stages they reached."""

from __future__ import annotations

from forms_app.storage.vocabulary import KINDS

from ..disclosure import protect
from ..tables import CHANGE, HIDDEN, NOT_KNOWN, PERCENT, RATE, Column, Row, Table, change, percent
from ..words import KIND_LABELS, LANGUAGES, PHRASES, both
from .counting import Counting, note_under, period_column, stages_entered, title_and_how

#: The services a report names as having had no complaints, or only a few: {"none": [...],
#: "few": [...]}, each service by its names in every language.
Few = dict[str, list[dict[str, str]]]


def feedback_by_kind(counting: Counting) -> Table:
    periods = counting.periods
    counts = {kind: [0] * len(periods) for kind in KINDS}
    for f in counting.facts:
        if f.period_index >= 0 and f.case.kind in counts:
            counts[f.case.kind][f.period_index] += 1
    totals = [sum(counts[k][i] for k in KINDS) for i in range(len(periods))]
    this = periods[-1]
    columns = counting.period_columns()
    columns += [
        Column(
            "pct",
            {lang: PHRASES[lang]["pct_of"].format(period=this.label(lang)) for lang in LANGUAGES},
            PERCENT,
        ),
        Column("change", both("change"), CHANGE),
        Column("change-pct", both("change_pct"), PERCENT),
    ]
    rows = []
    for kind in [*KINDS, "total"]:
        values = totals if kind == "total" else counts[kind]
        cells = [
            *values,
            percent(values[-1], totals[-1]),
            values[-1] - values[-2],
            change(values[-1], values[-2]),
        ]
        label = both("total") if kind == "total" else both(kind, KIND_LABELS)
        rows.append(Row(kind, label, cells, total=kind == "total"))
    return Table(
        "feedback-by-kind",
        *title_and_how("feedback-by-kind"),
        both("kind"),
        columns,
        rows,
        chart=this.slug,
    )


def complaints_by_service(counting: Counting) -> tuple[Table, Few]:
    """The table, and the services with no complaints or only a few (as many as the disclosure
    threshold, or fewer) in the period, which the page names."""
    table, codes, counts = _by_service(counting, "complaint")
    none, few = [], []
    for code, cells in zip(codes, counts, strict=True):
        if not code:
            continue
        if cells[1] == 0:
            none.append(counting.names.service(code))
        elif cells[1] <= counting.policy.threshold:
            few.append(counting.names.service(code))
    return table, {"none": none, "few": few}


def compliments_by_service(counting: Counting) -> Table:
    return _by_service(counting, "compliment")[0]


def _by_service(counting: Counting, kind: str) -> tuple[Table, list[str], list[list[int]]]:
    """The table of ``kind`` by service for this period and the one before, with the services
    and their counts before disclosure control."""
    before, this = counting.periods[-2], counting.periods[-1]
    recent = [f for f in counting.facts if f.period_index >= 1 and f.case.kind == kind]
    codes = counting.service_codes(recent)
    counts = [[0, 0] for _ in codes]
    where = {code: i for i, code in enumerate(codes)}
    for f in recent:
        counts[where[f.case.service]][f.period_index - 1] += 1
    protected = protect(counts, counting.policy, row_totals=False, col_totals=True, fixed_cols=True)
    totals = protected.col_totals
    complaints = kind == "complaint"
    columns = [
        period_column(before),
        period_column(this),
        Column("pct", {lang: f"{this.label(lang)} %" for lang in LANGUAGES}, PERCENT),
    ]
    if complaints:
        columns += [
            Column("people-served", both("people_served")),
            Column("rate", both("rate"), RATE),
        ]
    rows = []
    people_total = 0
    people_known = True
    for code, cells in zip(codes, protected.cells, strict=True):
        values = [cells[0], cells[1], percent(cells[1], totals[1])]
        if complaints:
            service = counting.settings.service(code)
            people = service.people_served if service else None
            if people:
                people_total += people
            else:
                people_known = False
            values += [people if people else NOT_KNOWN, _rate(cells[1], people)]
        rows.append(Row(code or "not-recorded", counting.names.service(code), values))
    total = [totals[0], totals[1], percent(totals[1], totals[1])]
    if complaints:
        total += [
            people_total if people_known else NOT_KNOWN,
            _rate(totals[1], people_total if people_known else None),
        ]
    rows.append(Row("total", both("total"), total, total=True))
    key = f"{kind}s-by-service"
    table = Table(
        key,
        *title_and_how(key),
        both("service"),
        columns,
        rows,
        chart=this.slug,
        breakdown=True,
        withheld=not protected.publishable,
    )
    return table, codes, counts


def _rate(count, people: int | None):
    """Complaints for every 1,000 people served, 1 decimal place."""
    if count is HIDDEN:
        return HIDDEN
    if not people:
        return NOT_KNOWN
    return round(1000 * count / people, 1)


def complaints_by_stage(counting: Counting) -> Table:
    periods = counting.periods
    codes = counting.stage_codes()
    counts = {code: [0] * len(periods) for code in [*codes, "ombudsman"]}
    received = [0] * len(periods)
    which = counting.which
    for f in counting.complaints:
        if f.period_index >= 0:
            received[f.period_index] += 1
        for stage in stages_entered(f.case):
            i = which(stage.started)
            if i >= 0 and stage.code in counts:
                counts[stage.code][i] += 1
        i = which(f.case.ombudsman_referred)
        if i >= 0:
            counts["ombudsman"][i] += 1
    rows = [Row(code, counting.names.stage(code), counts[code]) for code in counts]
    rows.append(Row("received", both("received"), received, total=True))
    return Table(
        "complaints-by-stage",
        *title_and_how("complaints-by-stage"),
        both("stage"),
        counting.period_columns(),
        rows,
        notes=[note_under("complaints-by-stage")],
        chart=counting.period.slug,
    )
