"""What was found: the outcomes of complaints, at each stage and by service, and what the
ombudsman decided about the complaints referred to it."""

from __future__ import annotations

from collections import Counter, defaultdict

from ..disclosure import protect
from ..tables import PERCENT, Column, Row, Table, percent
from ..words import LANGUAGES, OUTCOME_GROUP_OF, OUTCOME_GROUPS, OUTCOME_LABELS, both
from .counting import Counting, period_column, title_and_how

#: {stage code: {service code: Counter(outcome group)}}
StageOutcomes = dict[str, dict[str, Counter]]


def outcomes(counting: Counting) -> Table:
    before, this = counting.periods[-2], counting.periods[-1]
    counts = {g: [0, 0] for g in OUTCOME_GROUPS}
    which = counting.which
    for f in counting.complaints:
        i = which(f.case.closed_on) - 1
        if i >= 0:
            counts[f.final_outcome][i] += 1
    totals = [sum(counts[g][i] for g in OUTCOME_GROUPS) for i in range(2)]
    columns = []
    for p in (before, this):
        columns += [
            period_column(p),
            Column(f"{p.slug}-pct", {lang: f"{p.label(lang)} %" for lang in LANGUAGES}, PERCENT),
        ]
    rows = [Row(g, _outcome(g), _with_percents(counts[g], totals)) for g in OUTCOME_GROUPS]
    rows.append(Row("total", both("total"), _with_percents(totals, totals), total=True))
    well = [counts["upheld"][i] + counts["partially_upheld"][i] for i in range(2)]
    rows.append(
        Row(
            "well-founded",
            _outcome("well_founded"),
            _with_percents(well, totals),
            in_chart=False,
        )
    )
    return Table(
        "outcomes",
        *title_and_how("outcomes"),
        both("outcome"),
        columns,
        rows,
        chart=this.slug,
    )


def stage_outcomes(counting: Counting) -> StageOutcomes:
    """The outcomes given in the period, by stage and by service."""
    every = counting.once("stage_outcomes", lambda: _stage_outcomes_since(counting))
    out: StageOutcomes = defaultdict(lambda: defaultdict(Counter))
    start, end = counting.period.start, counting.period.end
    for day, code, service, group in every:
        if start <= day <= end:
            out[code][service][group] += 1
    return out


def _stage_outcomes_since(counting: Counting) -> list[tuple]:
    """(day, stage, service, outcome group) of every stage outcome given since the start of the
    report's period (its quarters lie within it)."""
    start = counting.whole.start
    return [
        (day, code, f.case.service, group)
        for f in counting.complaints
        for code, day, group in f.stage_outcomes
        if day >= start
    ]


def outcomes_by_stage(counting: Counting) -> Table:
    by_stage = stage_outcomes(counting)
    codes = [c for c in counting.stage_codes() if c in by_stage] or counting.stage_codes()[:1]
    totals = [sum(sum(c.values()) for c in by_stage.get(code, {}).values()) for code in codes]
    rows = []
    for g in OUTCOME_GROUPS:
        values = [sum(c[g] for c in by_stage.get(code, {}).values()) for code in codes]
        rows.append(Row(g, _outcome(g), values))
    rows.append(Row("total", both("total"), totals, total=True))
    return Table(
        "outcomes-by-stage",
        *title_and_how("outcomes-by-stage"),
        both("outcome"),
        [Column(code, counting.names.stage(code)) for code in codes],
        rows,
    )


def outcomes_by_service_and_stage(counting: Counting) -> list[Table]:
    """A table for each stage with outcomes in the period: its outcomes by service."""
    by_stage = stage_outcomes(counting)
    title, how = title_and_how("outcomes-by-service")
    tables = []
    for code in counting.stage_codes():
        services = by_stage.get(code)
        if not services:
            continue
        facts = [f for f in counting.complaints if f.case.service in services]
        codes = [c for c in counting.service_codes(facts) if c in services]
        counts = [[services[c][g] for g in OUTCOME_GROUPS] for c in codes]
        protected = protect(
            counts, counting.policy, row_totals=True, col_totals=True, fixed_cols=True
        )
        columns = [Column(g, _outcome(g)) for g in OUTCOME_GROUPS]
        columns.append(Column("total", both("total")))
        rows = [
            Row(c or "not-recorded", counting.names.service(c), [*cells, total])
            for c, cells, total in zip(codes, protected.cells, protected.row_totals, strict=True)
        ]
        rows.append(
            Row("total", both("total"), [*protected.col_totals, protected.grand], total=True)
        )
        stage = counting.names.stage(code)
        tables.append(
            Table(
                f"outcomes-by-service-{code}",
                {lang: title[lang].format(stage=stage[lang]) for lang in LANGUAGES},
                dict(how),
                both("service"),
                columns,
                rows,
                breakdown=True,
                withheld=not protected.publishable,
            )
        )
    return tables


def ombudsman(counting: Counting) -> Table:
    before, this = counting.periods[-2], counting.periods[-1]
    keys = ["referred", "upheld", "partially_upheld", "not_upheld", "other", "open"]
    counts = {k: [0, 0] for k in keys}
    for f in counting.complaints:
        referred = f.case.ombudsman_referred
        if referred is None:
            continue
        for i, p in enumerate((before, this)):
            if p.start <= referred <= p.end:
                counts["referred"][i] += 1
                outcome = f.case.ombudsman_outcome
                counts[OUTCOME_GROUP_OF.get(outcome, "other") if outcome else "open"][i] += 1
    rows = [Row("referred", both("referred"), counts["referred"], total=True)]
    rows += [Row(k, _outcome(k), counts[k]) for k in keys[1:]]
    return Table(
        "ombudsman",
        *title_and_how("ombudsman"),
        both("outcome"),
        [period_column(p) for p in (before, this)],
        rows,
    )


def _outcome(key: str) -> dict[str, str]:
    return both(key, OUTCOME_LABELS)


def _with_percents(values: list, totals: list) -> list:
    """Each value followed by its percentage of the total beside it."""
    out = []
    for value, total in zip(values, totals, strict=True):
        out += [value, percent(value, total)]
    return out
