"""Returns for regulators and boards, as tables for the data package (CSV):

- the SPSO complaints performance indicators, for each quarter of the period and the whole of
  it (seed 002 §23 and §26);
- the annual figures the England (regulation 18 of SI 2009/309) and NHS Wales (regulation 51 of
  SI 2011/704) rules ask for: received, well-founded, referred to the ombudsman, subjects,
  actions;
- a KO41a-style return: complaints brought forward, new, resolved and carried forward, who
  complained, and subjects by outcome, where a complaint with several subjects counts once in
  the total and once against each subject.

Whole-organisation figures are as they are; breakdowns (subjects, services) are protected by
the report's disclosure policy, like the tables on the page.
"""

from __future__ import annotations

from collections import Counter

from . import disclosure
from .tables import HIDDEN, NOT_KNOWN, PERCENT, Column, Row, Table, percent
from .words import LANGUAGES, OUTCOME_GROUPS, PHRASES
from .words import OUTCOME_LABELS as OL

TEXT = "text"
NUMBER = "number"


def _both(en: str, cy: str) -> dict[str, str]:
    return {"en": en, "cy": cy}


def _long_table(key, title, how, rows, value_kind=NUMBER) -> Table:
    return Table(
        key,
        title,
        how,
        _both("Indicator", "Dangosydd"),
        [
            Column("period", _both("Period", "Cyfnod"), TEXT),
            Column("stage", _both("Stage", "Cam"), TEXT),
            Column("value", _both("Value", "Gwerth"), value_kind),
        ],
        rows,
    )


def spso_indicators(counter) -> Table:
    period = counter.period
    parts = [period]
    if period.kind == "year":
        parts = [*period.quarters(), period]
    rows: list[Row] = []
    people = [s.people_served for s in counter.settings.services]
    population = sum(people) if people and all(people) else None
    # Complaints received and closed in each part, found in one pass.
    received_in = {part: 0 for part in parts}
    closed_in: dict = {part: [] for part in parts}
    for f in counter.complaints:
        closed_on = f.case.closed_on
        for part in parts:
            if part.start <= f.received <= part.end:
                received_in[part] += 1
            if closed_on is not None and part.start <= closed_on <= part.end:
                closed_in[part].append(f)
    for part in parts:
        sub = counter if part == period else counter.part(part)
        label = {lang: part.label(lang) for lang in LANGUAGES}
        stages = sub._stage_codes()
        blank = {lang: "" for lang in LANGUAGES}

        def add(code, en, cy, value, stage=None, _label=label, _part=part, _blank=blank):
            key = f"{_part.slug}:{code}" + (f":{stage}" if stage else "")
            stage_label = counter.names.stage(stage) if stage else _blank
            rows.append(Row(key, _both(en, cy), [_label, stage_label, value]))

        received = received_in[part]
        add("received", "Complaints received", "Cwynion a ddaeth i law", received)
        add(
            "received-per-1000",
            "Complaints received per 1,000 people served",
            "Cwynion a ddaeth i law fesul 1,000 o bobl a wasanaethir",
            round(1000 * received / population, 2) if population else NOT_KNOWN,
        )
        closed = closed_in[part]
        order = {code: i for i, code in enumerate(counter.names.stage_order)}
        closed_at = Counter(
            max(f.case.stages, key=lambda c: order.get(c, len(order))) if f.case.stages else ""
            for f in closed
        )
        add("closed", "Complaints closed", "Cwynion a gaewyd", len(closed))
        by_stage = sub._stage_outcome_counts()
        for code in stages:
            add(
                "closed-at-stage",
                "Complaints closed at this stage",
                "Cwynion a gaewyd yn y cam hwn",
                closed_at[code],
                code,
            )
            add(
                "closed-at-stage-pct",
                "% of complaints closed that closed at this stage",
                "% o'r cwynion a gaewyd a gaewyd yn y cam hwn",
                percent(closed_at[code], len(closed)),
                code,
            )
        table = sub.responses()
        times = sub.response_times()
        for row in table.rows:
            if row.total:
                continue
            code = row.key
            add(
                "responses",
                "Full responses given",
                "Ymatebion llawn a roddwyd",
                table.value(code, "responses"),
                code,
            )
            add(
                "within-target",
                "Full responses within the target time",
                "Ymatebion llawn o fewn yr amser targed",
                table.value(code, "within-target"),
                code,
            )
            add(
                "within-target-pct",
                "% of full responses within the target time",
                "% o'r ymatebion llawn o fewn yr amser targed",
                table.value(code, "within-target-pct"),
                code,
            )
            add(
                "average-working-days",
                "Average working days to a full response",
                "Nifer cyfartalog y diwrnodau gwaith i ymateb llawn",
                times.value(code, "average-working-days"),
                code,
            )
            add(
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
                    f"outcome-{group}",
                    f"Outcome: {OL['en'][group]}",
                    f"Canlyniad: {OL['cy'][group]}",
                    outcomes[group],
                    code,
                )
        actions = sub.actions()
        add(
            "actions-agreed",
            "Learning actions agreed",
            "Camau dysgu a gytunwyd",
            actions.value("agreed", part.slug),
        )
        add(
            "actions-completed",
            "Learning actions completed (agreed at any time)",
            "Camau dysgu a gwblhawyd (a gytunwyd unrhyw bryd)",
            actions.value("completed-in-period", part.slug),
        )
    return _long_table(
        "spso-indicators",
        _both(
            "Complaints performance indicators (SPSO)", "Dangosyddion perfformiad cwynion (SPSO)"
        ),
        _both(
            "The Scottish Public Services Ombudsman's indicators for each quarter and the whole "
            "period. Closed at a stage: complaints closed in the period whose last stage was "
            "that stage. Responses and outcomes: full responses given in the period. Working "
            "days count from the day the stage started to the day of the response.",
            "Dangosyddion Ombwdsmon Gwasanaethau Cyhoeddus yr Alban ar gyfer pob chwarter a'r "
            "cyfnod cyfan. Wedi'i chau mewn cam: cwynion a gaewyd yn y cyfnod a'r cam olaf "
            "oedd y cam hwnnw. Ymatebion a chanlyniadau: ymatebion llawn a roddwyd yn y cyfnod. "
            "Mae diwrnodau gwaith yn cyfrif o'r diwrnod y dechreuodd y cam hyd at ddiwrnod yr "
            "ymateb.",
        ),
        rows,
    )


def annual_return(counter) -> Table:
    """England regulation 18 / NHS Wales regulation 51: the annual figures."""
    period = counter.period
    label = {lang: period.label(lang) for lang in LANGUAGES}
    blank = {lang: "" for lang in LANGUAGES}
    well, closed = counter._well_founded
    rows = [
        Row(
            "received",
            _both("Complaints received", "Cwynion a ddaeth i law"),
            [label, blank, counter._complaint_counts.get(2, 0)],
        ),
        Row("closed", _both("Complaints closed", "Cwynion a gaewyd"), [label, blank, closed]),
        Row(
            "well-founded",
            _both(
                "Complaints closed that were well-founded (upheld or partially upheld)",
                "Cwynion a gaewyd a oedd â sail (wedi'u cadarnhau neu'n rhannol)",
            ),
            [label, blank, well],
        ),
        Row(
            "referred-to-ombudsman",
            _both("Complaints referred to the ombudsman", "Cwynion a gyfeiriwyd at yr ombwdsmon"),
            [label, blank, counter._ombudsman],
        ),
    ]
    themes = counter.themes()
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
    agreed, completed, still_open = counter._actions
    rows += [
        Row(
            "actions-agreed",
            _both("Learning actions agreed", "Camau dysgu a gytunwyd"),
            [label, blank, agreed],
        ),
        Row(
            "actions-completed",
            _both("Of which completed", "O'r rhain, wedi'u cwblhau"),
            [label, blank, completed],
        ),
    ]
    return _long_table(
        "annual-return",
        _both(
            "Annual complaints figures (England regulation 18, NHS Wales regulation 51)",
            "Ffigurau cwynion blynyddol (rheoliad 18 Lloegr, rheoliad 51 GIG Cymru)",
        ),
        _both(
            "Received: complaints received in the period. Closed and well-founded: complaints "
            "closed in the period, and of those the ones upheld or partially upheld. Subjects: "
            "a complaint with several subjects counts once under each (small numbers are not "
            "shown).",
            "Wedi dod i law: cwynion a ddaeth i law yn y cyfnod. Wedi'u cau ac â sail: cwynion a "
            "gaewyd yn y cyfnod, ac o'r rheini y rhai a gadarnhawyd neu a gadarnhawyd yn "
            "rhannol. Pynciau: mae cwyn â sawl pwnc yn cyfrif unwaith o dan bob un (ni "
            "ddangosir niferoedd bach).",
        ),
        rows,
    )


def ko41a(counter) -> list[Table]:
    period = counter.period
    complaints = counter.complaints
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
    who = Counter(counter.dataset.on_behalf.get(f.case.ref, "") for f in new)
    label = {lang: period.label(lang) for lang in LANGUAGES}
    blank = {lang: "" for lang in LANGUAGES}
    summary = _long_table(
        "ko41a-summary",
        _both("KO41a-style return: complaints handled", "Ffurflen debyg i KO41a: cwynion"),
        _both(
            "Brought forward: complaints received before the period and still open at its "
            "start. New: received in the period. Resolved: closed in the period. Carried "
            "forward: still open at the end of the period. Who complained: for new complaints, "
            "the person themselves or someone on their behalf. Age band and the profession of "
            "staff are not recorded by this service.",
            "Wedi'u dwyn ymlaen: cwynion a ddaeth i law cyn y cyfnod ac a oedd yn dal ar agor "
            "ar ei ddechrau. Newydd: wedi dod i law yn y cyfnod. Wedi'u datrys: wedi'u cau yn y "
            "cyfnod. Wedi'u cario ymlaen: yn dal ar agor ar ddiwedd y cyfnod. Pwy a gwynodd: ar "
            "gyfer cwynion newydd, y person ei hun neu rywun ar ei ran. Nid yw'r gwasanaeth hwn "
            "yn cofnodi band oedran na phroffesiwn y staff.",
        ),
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
    codes = [t.code for t in counter.settings.themes]
    codes += sorted({t for f in resolved for t in f.case.themes} - set(codes))
    counts = {code: Counter() for code in codes}
    for f in resolved:
        for theme in f.case.themes:
            counts[theme][f.final_outcome] += 1
    matrix = [[counts[c][g] for g in OUTCOME_GROUPS] for c in codes]
    protected = disclosure.protect(
        matrix, counter.policy, row_totals=True, col_totals=False, grand_known=False
    )
    everyone = Counter(f.final_outcome for f in resolved)
    rows = [
        Row(c, counter.names.theme(c), [*cells, total])
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
        _both(
            "KO41a-style return: subjects and outcomes",
            "Ffurflen debyg i KO41a: pynciau a chanlyniadau",
        ),
        _both(
            "Complaints resolved (closed) in the period, by subject and final outcome. A "
            "complaint with several subjects counts once against each subject and once in the "
            "last row, so the subjects add up to more than the last row.",
            "Cwynion a ddatryswyd (a gaewyd) yn y cyfnod, yn ôl pwnc a chanlyniad terfynol. Mae "
            "cwyn â sawl pwnc yn cyfrif unwaith yn erbyn pob pwnc ac unwaith yn y rhes olaf, "
            "felly mae'r pynciau'n dod i fwy na'r rhes olaf.",
        ),
        {lang: PHRASES[lang]["theme"] for lang in LANGUAGES},
        [
            *(Column(g, {lang: OL[lang][g] for lang in LANGUAGES}) for g in OUTCOME_GROUPS),
            Column("total", {lang: PHRASES[lang]["total"] for lang in LANGUAGES}),
        ],
        rows,
        breakdown=True,
        withheld=not protected.publishable,
    )
    return [summary, subjects]


__all__ = ["spso_indicators", "annual_return", "ko41a", "HIDDEN", "PERCENT"]
