"""Returns for regulators and boards, as tables for the data package (CSV):

- the complaints performance indicators the Scottish Public Services Ombudsman asks every
  organisation under its model complaints handling procedure to report, for each quarter of
  the period and the whole of it;
- the annual figures the England (regulation 18 of SI 2009/309) and NHS Wales (regulation 51 of
  SI 2011/704) rules ask for: received, well-founded, referred to the ombudsman, subjects,
  actions;
- a KO41a-style return: complaints brought forward, new, resolved and carried forward, who
  complained, and subjects by outcome, where a complaint with several subjects counts once in
  the total and once against each subject.

Only the returns that apply to the organisation are made (``applicable``): the SPSO indicators
for a Scottish procedure, the regulation 18 / 51 figures in England and Wales, and the KO41a
return for an NHS body in England. The sector is ``organisation: sector:`` in the settings
(``nhs``, ``council``, ``charity`` or ``independent``), or else follows from the procedure: the
council procedures are councils', the NHS ones NHS bodies', the charity one a charity's. An
organisation that makes other returns lists them under ``reports: returns:``.

Whole-organisation figures are as they are; breakdowns (subjects, services) are protected by
the report's disclosure policy, like the tables on the page.
"""

from __future__ import annotations

from collections import Counter

from ..disclosure import protect
from ..periods import Period
from ..tables import NOT_KNOWN, TEXT, Column, Row, Table, percent
from ..words import LANGUAGES, OUTCOME_GROUPS, OUTCOME_LABELS, Names, both
from .counting import Counting, title_and_how
from .learning import learning_actions
from .outcomes import stage_outcomes
from .timeliness import responses

NUMBER = "number"  # a column of numbers of several kinds (counts, percentages, days)


RETURNS = ("spso", "annual", "ko41a")
SECTORS = ("nhs", "council", "charity", "independent")
#: The sector each procedure is written for, when the settings do not say.
PROCEDURE_SECTORS = {
    "charity-help-and-care": "charity",
    "england-children-act-1989": "council",
    "england-council-lgsco-2026": "council",
    "england-nhs-social-care-2009": "nhs",
    "nhs-wales-ptr": "nhs",
    "northern-ireland-hsc": "nhs",
    "wales-social-services-2014": "council",
}


def sector_of(settings, procedure) -> str:
    """The organisation's sector: ``organisation: sector:`` in the settings, else the one its
    procedure is written for ("" if neither says)."""
    given = str((settings.raw.get("organisation") or {}).get("sector") or "").strip().lower()
    if given in SECTORS:
        return given
    return PROCEDURE_SECTORS.get(procedure.code, "")


def applicable(settings, procedure) -> set[str]:
    """Which returns apply: ``spso`` (Scotland), ``annual`` (England and Wales regulations),
    ``ko41a`` (NHS bodies in England); ``reports: returns:`` in the settings, a list of these
    codes, says instead."""
    chosen = (settings.raw.get("reports") or {}).get("returns")
    if isinstance(chosen, list):  # the organisation says which it makes
        return {str(code) for code in chosen} & set(RETURNS)
    nation, sector = procedure.nation, sector_of(settings, procedure)
    out = set()
    if nation == "SCT":
        out.add("spso")
    if nation in ("ENG", "WLS"):
        out.add("annual")
    if nation == "ENG" and sector == "nhs":
        out.add("ko41a")
    return out


def _both(en: str, cy: str) -> dict[str, str]:
    return {"en": en, "cy": cy}


def _long_table(key: str, rows: list[Row], value_kind: str = NUMBER) -> Table:
    """A return as one row per figure: which period, which stage (if any), and the value."""
    return Table(
        key,
        *title_and_how(key),
        _both("Indicator", "Dangosydd"),
        [
            Column("period", _both("Period", "Cyfnod"), TEXT),
            Column("stage", _both("Stage", "Cam"), TEXT),
            Column("value", _both("Value", "Gwerth"), value_kind),
        ],
        rows,
    )


class _Indicators:
    """The rows of the SPSO indicators, one figure at a time."""

    def __init__(self, names: Names):
        self.names = names
        self.rows: list[Row] = []

    def add(self, part: Period, code: str, en: str, cy: str, value, stage: str = "") -> None:
        key = f"{part.slug}:{code}" + (f":{stage}" if stage else "")
        label = {lang: part.label(lang) for lang in LANGUAGES}
        stage_label = self.names.stage(stage) if stage else {lang: "" for lang in LANGUAGES}
        self.rows.append(Row(key, _both(en, cy), [label, stage_label, value]))


def spso_indicators(counting: Counting) -> Table:
    period = counting.period
    parts = [period]
    if period.kind == "year":
        parts = [*period.quarters(), period]
    indicators = _Indicators(counting.names)
    add = indicators.add
    people = [s.people_served for s in counting.settings.services]
    population = sum(people) if people and all(people) else None
    # Complaints received and closed in each part, found in one pass.
    received_in = {part: 0 for part in parts}
    closed_in: dict = {part: [] for part in parts}
    for f in counting.complaints:
        closed_on = f.case.closed_on
        for part in parts:
            if part.start <= f.received <= part.end:
                received_in[part] += 1
            if closed_on is not None and part.start <= closed_on <= part.end:
                closed_in[part].append(f)
    order = {code: i for i, code in enumerate(counting.names.stage_order)}
    for part in parts:
        sub = counting if part == period else counting.part(part)
        received = received_in[part]
        add(part, "received", "Complaints received", "Cwynion a ddaeth i law", received)
        add(
            part,
            "received-per-1000",
            "Complaints received per 1,000 people served",
            "Cwynion a ddaeth i law fesul 1,000 o bobl a wasanaethir",
            round(1000 * received / population, 2) if population else NOT_KNOWN,
        )
        closed = closed_in[part]
        closed_at = Counter(
            max(f.case.stages, key=lambda c: order.get(c, len(order))) if f.case.stages else ""
            for f in closed
        )
        add(part, "closed", "Complaints closed", "Cwynion a gaewyd", len(closed))
        for code in sub.stage_codes():
            add(
                part,
                "closed-at-stage",
                "Complaints closed at this stage",
                "Cwynion a gaewyd yn y cam hwn",
                closed_at[code],
                code,
            )
            add(
                part,
                "closed-at-stage-pct",
                "% of complaints closed that closed at this stage",
                "% o'r cwynion a gaewyd a gaewyd yn y cam hwn",
                percent(closed_at[code], len(closed)),
                code,
            )
        by_stage = stage_outcomes(sub)
        table, times = responses(sub)
        for row in table.rows:
            if row.total:
                continue
            code = row.key
            add(
                part,
                "responses",
                "Full responses given",
                "Ymatebion llawn a roddwyd",
                table.value(code, "responses"),
                code,
            )
            add(
                part,
                "within-target",
                "Full responses within the target time",
                "Ymatebion llawn o fewn yr amser targed",
                table.value(code, "within-target"),
                code,
            )
            add(
                part,
                "within-target-pct",
                "% of full responses within the target time",
                "% o'r ymatebion llawn o fewn yr amser targed",
                table.value(code, "within-target-pct"),
                code,
            )
            add(
                part,
                "average-working-days",
                "Average working days to a full response",
                "Nifer cyfartalog y diwrnodau gwaith i ymateb llawn",
                times.value(code, "average-working-days"),
                code,
            )
            add(
                part,
                "extensions",
                "Responses with an extension agreed",
                "Ymatebion y cytunwyd estyniad ar eu cyfer",
                times.value(code, "extensions"),
                code,
            )
            outcomes = Counter()
            for services in by_stage.get(code, {}).values():
                outcomes.update(services)
            for group in OUTCOME_GROUPS:
                add(
                    part,
                    f"outcome-{group}",
                    f"Outcome: {OUTCOME_LABELS['en'][group]}",
                    f"Canlyniad: {OUTCOME_LABELS['cy'][group]}",
                    outcomes[group],
                    code,
                )
        actions = learning_actions(sub)
        add(
            part,
            "actions-agreed",
            "Learning actions agreed",
            "Camau dysgu a gytunwyd",
            actions.value("agreed", part.slug),
        )
        add(
            part,
            "actions-completed",
            "Learning actions completed (agreed at any time)",
            "Camau dysgu a gwblhawyd (a gytunwyd unrhyw bryd)",
            actions.value("completed-in-period", part.slug),
        )
    return _long_table("spso-indicators", indicators.rows)


def annual_return(counting: Counting, tables: dict[str, Table]) -> Table:
    """England regulation 18 / NHS Wales regulation 51: the annual figures, read from the
    report's tables (``tables``)."""
    this = counting.period.slug
    label = {lang: counting.period.label(lang) for lang in LANGUAGES}
    blank = {lang: "" for lang in LANGUAGES}
    found, actions = tables["outcomes"], tables["learning-actions"]
    rows = [
        Row(
            "received",
            _both("Complaints received", "Cwynion a ddaeth i law"),
            [label, blank, tables["feedback-by-kind"].value("complaint", this)],
        ),
        Row(
            "closed",
            _both("Complaints closed", "Cwynion a gaewyd"),
            [label, blank, found.value("total", this)],
        ),
        Row(
            "well-founded",
            _both(
                "Complaints closed that were well-founded (upheld or partially upheld)",
                "Cwynion a gaewyd a oedd â sail (wedi'u cadarnhau neu'n rhannol)",
            ),
            [label, blank, found.value("well-founded", this)],
        ),
        Row(
            "referred-to-ombudsman",
            _both("Complaints referred to the ombudsman", "Cwynion a gyfeiriwyd at yr ombwdsmon"),
            [label, blank, tables["ombudsman"].value("referred", this)],
        ),
    ]
    themes = tables["themes"]
    count_col = themes.column("complaints")
    for row in themes.rows:
        rows.append(
            Row(
                f"subject:{row.key}",
                {
                    lang: ("Subject: " if lang == "en" else "Pwnc: ") + row.label[lang]
                    for lang in LANGUAGES
                },
                [label, blank, row.values[count_col]],
            )
        )
    rows += [
        Row(
            "actions-agreed",
            _both("Learning actions agreed", "Camau dysgu a gytunwyd"),
            [label, blank, actions.value("agreed", this)],
        ),
        Row(
            "actions-completed",
            _both("Of which completed", "O'r rhain, wedi'u cwblhau"),
            [label, blank, actions.value("completed", this)],
        ),
    ]
    return _long_table("annual-return", rows)


def ko41a(counting: Counting) -> list[Table]:
    period = counting.period
    complaints = counting.complaints
    brought = sum(
        1
        for f in complaints
        if f.received < period.start
        and (f.case.closed_on is None or f.case.closed_on >= period.start)
    )
    start, end = period.start, period.end
    new = [f for f in complaints if start <= f.received <= end]
    resolved = [
        f for f in complaints if f.case.closed_on is not None and start <= f.case.closed_on <= end
    ]
    carried = sum(
        1
        for f in complaints
        if f.received <= period.end and (f.case.closed_on is None or f.case.closed_on > period.end)
    )
    who = Counter(counting.dataset.on_behalf.get(f.case.ref, "") for f in new)
    label = {lang: period.label(lang) for lang in LANGUAGES}
    blank = {lang: "" for lang in LANGUAGES}
    summary = _long_table(
        "ko41a-summary",
        [
            Row(
                "brought-forward",
                _both("Brought forward", "Wedi'u dwyn ymlaen"),
                [label, blank, brought],
            ),
            Row("new", _both("New", "Newydd"), [label, blank, len(new)]),
            Row("resolved", _both("Resolved", "Wedi'u datrys"), [label, blank, len(resolved)]),
            Row(
                "carried-forward",
                _both("Carried forward", "Wedi'u cario ymlaen"),
                [label, blank, carried],
            ),
            Row(
                "complainant:patient",
                _both("Complained: the person themselves", "Cwyno: y person ei hun"),
                [label, blank, who["self"]],
            ),
            Row(
                "complainant:representative",
                _both("Complained: someone on their behalf", "Cwyno: rhywun ar ei ran"),
                [label, blank, who["someone_else"]],
            ),
            Row(
                "complainant:not-recorded",
                _both("Complained: not recorded", "Cwyno: heb ei gofnodi"),
                [label, blank, len(new) - who["self"] - who["someone_else"]],
            ),
        ],
    )
    codes = [t.code for t in counting.settings.themes]
    codes += sorted({t for f in resolved for t in f.case.themes} - set(codes))
    counts = {code: Counter() for code in codes}
    for f in resolved:
        for theme in f.case.themes:
            counts[theme][f.final_outcome] += 1
    matrix = [[counts[c][g] for g in OUTCOME_GROUPS] for c in codes]
    protected = protect(
        matrix, counting.policy, row_totals=True, col_totals=False, grand_known=False
    )
    everyone = Counter(f.final_outcome for f in resolved)
    rows = [
        Row(c, counting.names.theme(c), [*cells, total])
        for c, cells, total in zip(codes, protected.cells, protected.row_totals, strict=True)
    ]
    rows.append(
        Row(
            "all-complaints",
            _both(
                "All complaints resolved (each counted once)",
                "Pob cwyn a ddatryswyd (pob un wedi'i chyfrif unwaith)",
            ),
            [*(everyone[g] for g in OUTCOME_GROUPS), len(resolved)],
            total=True,
        )
    )
    subjects = Table(
        "ko41a-subjects",
        *title_and_how("ko41a-subjects"),
        both("theme"),
        [
            *(Column(g, both(g, OUTCOME_LABELS)) for g in OUTCOME_GROUPS),
            Column("total", both("total")),
        ],
        rows,
        breakdown=True,
        withheld=not protected.publishable,
    )
    return [summary, subjects]
