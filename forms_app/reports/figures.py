"""The figures of a report, counted from folded cases (``loading.load``), each table with the
sentence that says how it is counted.

Dates: a case belongs to the period it was received in (the UK date of ``received``); a stage
to the period it started in (``StageState.started``); an outcome of a stage to the period its
response was given (``responded``, or the day the outcome was recorded if no response date was);
a complaint's final outcome to the period it was closed in (``closed_on``); a referral to the
ombudsman to the period it was referred in. Kinds and services are as the case stands now (an
enquiry that became a complaint counts as a complaint).

Whole-organisation counts are published as they are; breakdowns (by service, by service and
stage, by theme and quarter, by subject and outcome) go through ``disclosure.protect``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from forms_app.casework.deadlines import stage_due
from forms_app.casework.state import Case, StageState, parse_at
from forms_app.procedures.profiles import local_date

from . import disclosure
from .disclosure import Policy
from .loading import Dataset
from .periods import Period
from .tables import (
    CHANGE,
    COUNT,
    DAYS,
    HIDDEN,
    NOT_KNOWN,
    PERCENT,
    RATE,
    Column,
    Row,
    Table,
    change,
    percent,
)
from .words import KIND_LABELS, KINDS, LANGUAGES, OUTCOME_GROUP_OF, OUTCOME_GROUPS, PHRASES, Names
from .words import OUTCOME_LABELS as OL

TEXT = "text"
WELL_FOUNDED = ("upheld", "partially_upheld")


def _both(en: str, cy: str) -> dict[str, str]:
    return {"en": en, "cy": cy}


def _phrase(key: str) -> dict[str, str]:
    return {lang: PHRASES[lang][key] for lang in LANGUAGES}


def _outcome(key: str) -> dict[str, str]:
    return {lang: OL[lang][key] for lang in LANGUAGES}


@dataclass
class Report:
    """Everything a report publishes, before it is written as pages, charts and CSV."""

    period: Period
    periods: list[Period]  # the comparison periods, oldest first, ending with ``period``
    as_at: date
    policy: Policy
    tables: dict[str, Table] = field(default_factory=dict)
    returns: dict[str, Table] = field(default_factory=dict)
    headline: dict[str, object] = field(default_factory=dict)
    few: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    ombudsman_name: dict[str, str] = field(default_factory=dict)
    untranslated: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Timing:
    """How one stage of one complaint went against its targets (worked out once)."""

    code: str
    started: date
    responded: date | None
    ack_counted: bool  # acknowledged, or its acknowledgement was due by the report date
    ack_on_time: bool
    timed: bool  # the stage has a response target (not "agreed with the person")
    within: bool  # responded by the target date
    extended: bool  # late against the target, but within an agreed extension (or pause)
    working_days: int | None  # from the start of the stage to the response
    extensions: int


@dataclass(slots=True)
class _Facts:
    """What the tables need from one case, worked out once."""

    case: Case
    received: date
    final_outcome: str  # outcome group of the last stage with an outcome, "" if none
    stage_outcomes: list[tuple[str, date, str]]  # (stage code, date given, outcome group)
    pi: int = -1  # which of the report's comparison periods it was received in (-1: none)


def compute(
    dataset: Dataset,
    settings,
    period: Period,
    *,
    as_at: date | None = None,
    policy: Policy | None = None,
) -> Report:
    as_at = as_at or date.today()
    policy = policy or Policy.from_settings(settings.raw)
    procedures = [dataset.default_procedure] + [
        p for code, p in dataset.procedures.items() if code != dataset.default_procedure.code
    ]
    names = Names(settings, procedures)
    periods = [period.previous().previous(), period.previous(), period]
    counter = _Counter(dataset, settings, names, policy, periods, as_at)
    report = Report(period, periods, as_at, policy, ombudsman_name=names.ombudsman)
    for table in counter.tables():
        report.tables[table.key] = table
    for table in counter.returns():
        report.returns[table.key] = table
    report.headline = counter.headline()
    report.few = counter.few
    report.untranslated = sorted(set(names.untranslated))
    return report


class _Counter:
    def __init__(
        self,
        dataset: Dataset,
        settings,
        names: Names,
        policy: Policy,
        periods,
        as_at,
        parent: _Counter | None = None,
    ):
        self.dataset = dataset
        self.settings = settings
        self.names = names
        self.policy = policy
        self.periods = periods
        self.period = periods[-1]
        self.as_at = as_at
        self.few: dict[str, list[dict[str, str]]] = {}
        self._complaint_counts: dict[int, int] = {}
        self._cache: dict[str, object] = {}
        if parent is not None:  # a part of the parent's period: the same cases
            self.facts, self.complaints = parent.facts, parent.complaints
            self._cache = parent._cache
            return
        self.facts: list[_Facts] = []
        self.complaints: list[_Facts] = []
        self._order = {code: i for i, code in enumerate(self.names.stage_order)}
        for case in dataset.cases:
            received = _uk_date(case.received)
            if received > self.period.end:
                continue
            facts = _Facts(case, received, "", [], self._which(received))
            if case.kind == "complaint":
                self._outcomes(facts)
                self.complaints.append(facts)
            self.facts.append(facts)

    def _which(self, day: date | None) -> int:
        """0, 1 or 2: which comparison period ``day`` is in (they follow one another); -1 if
        none. (Only the report's own counter uses this; a quarter's uses ``in``.)"""
        p0, p1, p2 = self.periods
        if day is None or day < p0.start or day > p2.end:
            return -1
        return 0 if day <= p0.end else 1 if day <= p1.end else 2

    # -- per case -------------------------------------------------------------------------------

    def _outcomes(self, facts: _Facts) -> None:
        case = facts.case
        order = self._order
        final, final_rank = "", -1
        for stage in case.stages.values():
            if not stage.outcome:
                continue
            group = OUTCOME_GROUP_OF.get(stage.outcome, "other")
            facts.stage_outcomes.append((stage.code, self._outcome_date(case, stage), group))
            rank = order.get(stage.code, len(order))
            if rank >= final_rank:
                final, final_rank = group, rank
        if case.status == "withdrawn":
            final = "other"
        facts.final_outcome = final or "other"

    @staticmethod
    def _outcome_date(case: Case, stage: StageState) -> date:
        if stage.responded is not None:
            return stage.responded
        for event in reversed(case.events):
            if event["type"] == "outcome_recorded" and (event.get("stage") or "") in (
                stage.code,
                "",
            ):
                return parse_at(event["at"]).date()
        return stage.started

    # -- the report's tables ------------------------------------------------------------------

    def tables(self) -> list[Table]:
        out = [
            self.by_kind(),
            self.by_service("complaint", "complaints-by-service"),
            self.by_stage(),
            self.outcomes(),
            self.outcomes_by_stage(),
        ]
        out += self.outcomes_by_service_and_stage()
        out += [
            self.themes(),
            *filter(None, [self.themes_by_quarter()]),
            self.by_service("compliment", "compliments-by-service"),
            self.acknowledgement(),
            self.responses(),
            self.response_times(),
            self.ombudsman(),
            self.actions(),
        ]
        return out

    def _received(self, kind: str, period: Period) -> list[_Facts]:
        return [f for f in self.facts if f.case.kind == kind and f.received in period]

    def _period_columns(self, key_prefix: str = "") -> list[Column]:
        return [
            Column(f"{key_prefix}{p.slug}", {lang: p.label(lang) for lang in LANGUAGES})
            for p in self.periods
        ]

    def by_kind(self) -> Table:
        counts = {kind: [0] * len(self.periods) for kind in KINDS}
        for f in self.facts:
            if f.pi >= 0 and f.case.kind in counts:
                counts[f.case.kind][f.pi] += 1
        totals = [sum(counts[k][i] for k in KINDS) for i in range(len(self.periods))]
        this = self.periods[-1]
        columns = [
            Column(p.slug, {lang: p.label(lang) for lang in LANGUAGES}) for p in self.periods
        ]
        columns += [
            Column("pct", _both(f"% of {this.label('en')}", f"% o {this.label('cy')}"), PERCENT),
            Column("change", _phrase("change"), CHANGE),
            Column("change-pct", _phrase("change_pct"), PERCENT),
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
            label = (
                _phrase("total")
                if kind == "total"
                else {lang: KIND_LABELS[lang][kind] for lang in LANGUAGES}
            )
            rows.append(Row(kind, label, cells, total=kind == "total"))
        self._complaint_counts = dict(enumerate(counts["complaint"]))
        return Table(
            "feedback-by-kind",
            _both("Feedback received, by kind", "Adborth a ddaeth i law, fesul math"),
            _both(
                "Each piece of feedback counts once, in the period it was received, under the "
                "kind it is now (an enquiry that became a complaint counts as a complaint). The "
                "change compares this period with the one before, in numbers and as a "
                "percentage.",
                "Mae pob darn o adborth yn cyfrif unwaith, yn y cyfnod y daeth i law, o dan y "
                "math ydyw nawr (mae ymholiad a ddaeth yn gŵyn yn cyfrif fel cwyn). Mae'r newid "
                "yn cymharu'r cyfnod hwn â'r un cynt, mewn niferoedd ac fel canran.",
            ),
            _phrase("kind"),
            columns,
            rows,
            chart=self.period.slug,
        )

    def _service_codes(self, facts: list[_Facts]) -> list[str]:
        codes = [s.code for s in self.settings.services]
        seen = {f.case.service for f in facts}
        extra = sorted(seen - set(codes) - {""})
        blank = [""] if "" in seen else []
        return codes + extra + blank

    def by_service(self, kind: str, key: str) -> Table:
        this, before = self.periods[-1], self.periods[-2]
        recent = [f for f in self.facts if f.pi >= 1 and f.case.kind == kind]
        codes = self._service_codes(recent)
        counts = [[0, 0] for _ in codes]
        where = {code: i for i, code in enumerate(codes)}
        for f in recent:
            counts[where[f.case.service]][f.pi - 1] += 1
        protected = disclosure.protect(
            counts, self.policy, row_totals=False, col_totals=True, fixed_cols=True
        )
        totals = protected.col_totals
        complaints = kind == "complaint"
        columns = [
            Column(before.slug, {lang: before.label(lang) for lang in LANGUAGES}),
            Column(this.slug, {lang: this.label(lang) for lang in LANGUAGES}),
            Column("pct", {lang: f"{this.label(lang)} %" for lang in LANGUAGES}, PERCENT),
        ]
        if complaints:
            columns += [
                Column("people-served", _phrase("people_served")),
                Column("rate", _phrase("rate"), RATE),
            ]
        rows = []
        people_total = 0
        people_known = True
        for code, cells in zip(codes, protected.cells, strict=True):
            values = [cells[0], cells[1], percent(cells[1], totals[1])]
            if complaints:
                service = self.settings.service(code)
                people = service.people_served if service else None
                if people:
                    people_total += people
                else:
                    people_known = False
                values += [people if people else NOT_KNOWN, _rate(cells[1], people)]
            rows.append(Row(code or "not-recorded", self.names.service(code), values))
        total = [totals[0], totals[1], percent(totals[1], totals[1])]
        if complaints:
            total += [
                people_total if people_known else NOT_KNOWN,
                _rate(totals[1], people_total if people_known else None),
            ]
        rows.append(Row("total", _phrase("total"), total, total=True))
        if complaints:
            self._few_services(codes, counts)
            table = Table(
                key,
                _both("Complaints by service", "Cwynion fesul gwasanaeth"),
                _both(
                    "Each complaint counts once, under the service it is about, in the period it "
                    "was received. The rate is complaints in the period for every 1,000 people "
                    "the service serves (the number of people comes from our records of who is "
                    "open to each service).",
                    "Mae pob cwyn yn cyfrif unwaith, o dan y gwasanaeth y mae'n ymwneud ag ef, yn "
                    "y cyfnod y daeth i law. Y gyfradd yw nifer y cwynion yn y cyfnod am bob "
                    "1,000 o bobl y mae'r gwasanaeth yn eu gwasanaethu (daw nifer y bobl o'n "
                    "cofnodion o bwy sy'n cael y gwasanaeth).",
                ),
                _phrase("service"),
                columns,
                rows,
                chart=this.slug,
                breakdown=True,
            )
        else:
            table = Table(
                key,
                _both("Compliments by service", "Canmoliaeth fesul gwasanaeth"),
                _both(
                    "Each compliment counts once, under the service it is about, in the period "
                    "it was received.",
                    "Mae pob canmoliaeth yn cyfrif unwaith, o dan y gwasanaeth y mae'n ymwneud "
                    "ag ef, yn y cyfnod y daeth i law.",
                ),
                _phrase("service"),
                columns,
                rows,
                chart=this.slug,
                breakdown=True,
            )
        table.withheld = not protected.publishable
        return table

    def _few_services(self, codes: list[str], counts: list[list[int]]) -> None:
        none, few = [], []
        for code, cells in zip(codes, counts, strict=True):
            if not code:
                continue
            if cells[1] == 0:
                none.append(self.names.service(code))
            elif cells[1] <= self.policy.threshold:
                few.append(self.names.service(code))
        self.few = {"none": none, "few": few}

    def _stage_codes(self) -> list[str]:
        codes = self._cache.get("stage_codes")
        if codes is None:
            seen = {code for f in self.complaints for code in f.case.stages}
            main = [s.code for s in self.dataset.default_procedure.stages]
            codes = main + [c for c in self.names.stage_order if c in seen and c not in main]
            self._cache["stage_codes"] = codes
        return codes

    def _timings(self) -> list[tuple[_Facts, _Timing]]:
        """Every stage of every complaint against its targets, worked out once per report
        (the quarters of the SPSO indicators share it)."""
        found = self._cache.get("timings")
        if found is not None:
            return found
        out = []
        start = self.period.start  # the report's period (its quarters lie within it)
        for f in self.complaints:
            for stage in f.case.stages.values():
                if stage.started >= start or (stage.responded and stage.responded >= start):
                    out.append((f, self._timing(f.case, stage)))
        self._cache["timings"] = out
        return out

    def _timing(self, case: Case, stage: StageState) -> _Timing:
        """One stage against its targets. The common case (working days counted from the start
        of the stage, nothing paused) is a count of working days; anything else (pauses, a
        target counted from the acknowledgement, an extension) goes through
        ``casework.deadlines.stage_due``, the same rules the staff pages use. For a
        working-day target both agree: ``responded <= add_working_days(start, n)`` exactly
        when ``working_days_between(start, responded) <= n``."""
        procedure, ack, respond = self._stage_targets(case, stage.code)
        calendar = self.dataset.calendar_for(procedure)
        simple = not stage.pauses and procedure.day_zero == "receipt"
        ack_counted = ack_on_time = within = extended = False
        if ack is not None:
            if stage.acknowledged is not None and simple and ack.unit == "working":
                ack_counted = True
                ack_on_time = (
                    calendar.working_days_between(stage.started, stage.acknowledged) <= ack.days
                )
            else:
                dates = stage_due(procedure, calendar, case, stage, self.as_at, (ack, respond))
                ack_counted = stage.acknowledged is not None or dates.acknowledge < self.as_at
                ack_on_time = (
                    stage.acknowledged is not None and stage.acknowledged <= dates.acknowledge
                )
        working_days = None
        if stage.responded is not None:
            working_days = calendar.working_days_between(stage.started, stage.responded)
            if respond is not None:
                if simple and respond.unit == "working":
                    within = working_days <= respond.days
                elif simple:
                    within = (stage.responded - stage.started).days <= respond.days
                if not simple or (not within and stage.extended_to is not None):
                    dates = stage_due(
                        procedure, calendar, case, stage, stage.responded, (ack, respond)
                    )
                    within = stage.responded <= dates.respond_target
                    extended = (
                        not within
                        and dates.respond is not None
                        and (stage.responded <= dates.respond)
                    )
        return _Timing(
            stage.code,
            stage.started,
            stage.responded,
            ack_counted,
            ack_on_time,
            respond is not None,
            within,
            extended,
            working_days,
            stage.extensions,
        )

    def by_stage(self) -> Table:
        codes = self._stage_codes()
        counts = {code: [0] * len(self.periods) for code in [*codes, "ombudsman"]}
        received = [0] * len(self.periods)
        which = self._which
        for f in self.complaints:
            if f.pi >= 0:
                received[f.pi] += 1
            for stage in f.case.stages.values():
                i = which(stage.started)
                if i >= 0 and stage.code in counts:
                    counts[stage.code][i] += 1
            i = which(f.case.ombudsman_referred)
            if i >= 0:
                counts["ombudsman"][i] += 1
        rows = [Row(code, self.names.stage(code), counts[code]) for code in counts]
        rows.append(Row("received", _phrase("received"), received, total=True))
        return Table(
            "complaints-by-stage",
            _both("Complaints by stage", "Cwynion fesul cam"),
            _both(
                "A complaint counts in each stage it entered during the period, so one complaint "
                "can count more than once, and a complaint that entered a later stage this "
                "period may have been at the first stage in an earlier one. The ombudsman row "
                "counts complaints referred to the ombudsman during the period.",
                "Mae cwyn yn cyfrif ym mhob cam y cyrhaeddodd yn ystod y cyfnod, felly gall un "
                "gŵyn gyfrif fwy nag unwaith, ac efallai fod cwyn a gyrhaeddodd gam diweddarach "
                "y cyfnod hwn wedi bod yn y cam cyntaf mewn cyfnod cynharach. Mae rhes yr "
                "ombwdsmon yn cyfrif cwynion a gyfeiriwyd at yr ombwdsmon yn ystod y cyfnod.",
            ),
            _phrase("stage"),
            self._period_columns(),
            rows,
            notes=[
                _both(
                    "The last row is the number of complaints received, not the sum of the rows "
                    "above it.",
                    "Y rhes olaf yw nifer y cwynion a ddaeth i law, nid swm y rhesi uwch ei phen.",
                )
            ],
            chart=self.period.slug,
        )

    def outcomes(self) -> Table:
        before, this = self.periods[-2], self.periods[-1]
        counts = {g: [0, 0] for g in OUTCOME_GROUPS}
        which = self._which
        for f in self.complaints:
            i = which(f.case.closed_on) - 1
            if i >= 0:
                counts[f.final_outcome][i] += 1
        totals = [sum(counts[g][i] for g in OUTCOME_GROUPS) for i in range(2)]
        columns = []
        for p in (before, this):
            columns += [
                Column(p.slug, {lang: p.label(lang) for lang in LANGUAGES}),
                Column(
                    f"{p.slug}-pct", {lang: f"{p.label(lang)} %" for lang in LANGUAGES}, PERCENT
                ),
            ]
        rows = []
        for g in OUTCOME_GROUPS:
            rows.append(Row(g, _outcome(g), _pairs(counts[g], totals)))
        rows.append(Row("total", _phrase("total"), _pairs(totals, totals), total=True))
        well = [counts["upheld"][i] + counts["partially_upheld"][i] for i in range(2)]
        rows.append(
            Row("well-founded", _outcome("well_founded"), _pairs(well, totals), in_chart=False)
        )
        self._well_founded = (well[1], totals[1])
        return Table(
            "outcomes",
            _both("Outcomes of complaints", "Canlyniadau cwynion"),
            _both(
                "Each complaint counts once, in the period it was closed, under the outcome of "
                "the last stage it reached. Other means resolved without a finding, or "
                "withdrawn. Well-founded means upheld or partially upheld, as the complaints "
                "regulations in England and Wales define it; the last row is part of the rows "
                "above it, not added to them.",
                "Mae pob cwyn yn cyfrif unwaith, yn y cyfnod y cafodd ei chau, o dan ganlyniad "
                "y cam olaf a gyrhaeddodd. Ystyr arall yw wedi'i datrys heb ganfyddiad, neu "
                "wedi'i thynnu'n ôl. Ystyr â sail yw wedi'i chadarnhau neu wedi'i chadarnhau'n "
                "rhannol, fel y mae rheoliadau cwynion Cymru a Lloegr yn ei ddiffinio; mae'r "
                "rhes olaf yn rhan o'r rhesi uwch ei phen, nid yn ychwanegol atynt.",
            ),
            _phrase("outcome"),
            columns,
            rows,
            chart=this.slug,
        )

    def _stage_outcome_counts(self) -> dict[str, dict[str, Counter]]:
        """{stage: {service: Counter(outcome group)}} for stage outcomes given in the period."""
        every = self._cache.get("stage_outcomes")
        if every is None:
            start = self.period.start
            every = [
                (day, code, f.case.service, group)
                for f in self.complaints
                for code, day, group in f.stage_outcomes
                if day >= start
            ]
            self._cache["stage_outcomes"] = every
        out: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
        start, end = self.period.start, self.period.end
        for day, code, service, group in every:
            if start <= day <= end:
                out[code][service][group] += 1
        return out

    def outcomes_by_stage(self) -> Table:
        by_stage = self._stage_outcome_counts()
        codes = [c for c in self._stage_codes() if c in by_stage] or self._stage_codes()[:1]
        rows = []
        totals = [sum(sum(c.values()) for c in by_stage.get(code, {}).values()) for code in codes]
        for g in OUTCOME_GROUPS:
            values = [sum(c[g] for c in by_stage.get(code, {}).values()) for code in codes]
            rows.append(Row(g, _outcome(g), values))
        rows.append(Row("total", _phrase("total"), totals, total=True))
        self._stage_outcome_totals = {
            code: {g: rows[k].values[i] for k, g in enumerate(OUTCOME_GROUPS)}
            for i, code in enumerate(codes)
        }
        return Table(
            "outcomes-by-stage",
            _both("Outcomes at each stage", "Canlyniadau ym mhob cam"),
            _both(
                "Each response counts once, under its stage, in the period the response was "
                "given, so a complaint answered at two stages in the period counts at both. "
                "Other means resolved without a finding, or withdrawn.",
                "Mae pob ymateb yn cyfrif unwaith, o dan ei gam, yn y cyfnod y rhoddwyd yr "
                "ymateb, felly mae cwyn a atebwyd mewn dau gam yn y cyfnod yn cyfrif yn y "
                "ddau. Ystyr arall yw wedi'i datrys heb ganfyddiad, neu wedi'i thynnu'n ôl.",
            ),
            _phrase("outcome"),
            [Column(code, self.names.stage(code)) for code in codes],
            rows,
        )

    def outcomes_by_service_and_stage(self) -> list[Table]:
        by_stage = self._stage_outcome_counts()
        tables = []
        for code in self._stage_codes():
            services = by_stage.get(code)
            if not services:
                continue
            facts = [f for f in self.complaints if f.case.service in services]
            codes = [c for c in self._service_codes(facts) if c in services]
            counts = [[services[c][g] for g in OUTCOME_GROUPS] for c in codes]
            protected = disclosure.protect(
                counts, self.policy, row_totals=True, col_totals=True, fixed_cols=True
            )
            columns = [Column(g, _outcome(g)) for g in OUTCOME_GROUPS]
            columns.append(Column("total", _phrase("total")))
            rows = [
                Row(c or "not-recorded", self.names.service(c), [*cells, total])
                for c, cells, total in zip(
                    codes, protected.cells, protected.row_totals, strict=True
                )
            ]
            rows.append(
                Row("total", _phrase("total"), [*protected.col_totals, protected.grand], total=True)
            )
            stage = self.names.stage(code)
            tables.append(
                Table(
                    f"outcomes-by-service-{code}",
                    {
                        lang: (
                            f"Outcomes by service: {stage[lang]}"
                            if lang == "en"
                            else f"Canlyniadau fesul gwasanaeth: {stage[lang]}"
                        )
                        for lang in LANGUAGES
                    },
                    _both(
                        "Each response at this stage counts once, under the service the "
                        "complaint is about, in the period the response was given. Other means "
                        "resolved without a finding, or withdrawn.",
                        "Mae pob ymateb yn y cam hwn yn cyfrif unwaith, o dan y gwasanaeth y mae'r "
                        "gŵyn yn ymwneud ag ef, yn y cyfnod y rhoddwyd yr ymateb. Ystyr arall yw "
                        "wedi'i datrys heb ganfyddiad, neu wedi'i thynnu'n ôl.",
                    ),
                    _phrase("service"),
                    columns,
                    rows,
                    breakdown=True,
                    withheld=not protected.publishable,
                )
            )
        return tables

    def themes(self) -> Table:
        this = self.period
        received = [f for f in self.complaints if this.start <= f.received <= this.end]
        quarters = this.quarters() if this.kind == "year" else [this]
        codes = [t.code for t in self.settings.themes]
        codes += sorted({t for f in received for t in f.case.themes} - set(codes))
        counts = {code: [0] * len(quarters) for code in codes}
        for f in received:
            q = next(i for i, p in enumerate(quarters) if f.received in p)
            for theme in f.case.themes:
                counts[theme][q] += 1
        matrix = [counts[c] for c in codes]
        by_quarter = len(quarters) > 1
        protected = disclosure.protect(
            matrix, self.policy, row_totals=by_quarter, col_totals=False, grand_known=False
        )
        totals = protected.row_totals if by_quarter else [cells[0] for cells in protected.cells]
        true_totals = [sum(row) for row in matrix]
        order = sorted(range(len(codes)), key=lambda i: (-true_totals[i], codes[i]))
        rows = [
            Row(
                codes[i], self.names.theme(codes[i]), [totals[i], percent(totals[i], len(received))]
            )
            for i in order
        ]
        self._themes_by_quarter = None
        if by_quarter:
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
            columns.append(Column("complaints", _phrase("total")))
            self._themes_by_quarter = Table(
                "themes-by-quarter",
                _both("Themes by quarter", "Themâu fesul chwarter"),
                _both(
                    "The same complaints and themes as the table above, by the quarter of the "
                    "year they were received in (Q1 is April to June).",
                    "Yr un cwynion a themâu â'r tabl uchod, yn ôl chwarter y flwyddyn y daethant "
                    "i law (Ch1 yw Ebrill i Fehefin).",
                ),
                _phrase("theme"),
                columns,
                [
                    Row(codes[i], self.names.theme(codes[i]), [*protected.cells[i], totals[i]])
                    for i in order
                ],
                breakdown=True,
                withheld=not protected.publishable,
            )
        return Table(
            "themes",
            _both("What complaints were about", "Am beth roedd cwynion"),
            _both(
                "Complaints received in the period, by the themes our staff recorded, most "
                "frequent first. A complaint with several themes counts once under each, so the "
                "numbers add up to more than the number of complaints.",
                "Cwynion a ddaeth i law yn y cyfnod, yn ôl y themâu a gofnododd ein staff, y "
                "mwyaf cyffredin yn gyntaf. Mae cwyn â sawl thema yn cyfrif unwaith o dan bob "
                "un, felly mae'r niferoedd yn dod i fwy na nifer y cwynion.",
            ),
            _phrase("theme"),
            [
                Column("complaints", _phrase("number")),
                Column("pct", _phrase("of_complaints"), PERCENT),
            ],
            rows,
            chart="complaints",
            breakdown=True,
            withheld=not protected.publishable,
        )

    def themes_by_quarter(self) -> Table | None:
        """The quarters of ``themes`` (call that first); None unless the period is a year."""
        return self._themes_by_quarter

    # -- timeliness ---------------------------------------------------------------------------

    def _stage_targets(self, case: Case, code: str):
        procedure = self.dataset.procedure_for(case)
        try:
            stage = procedure.stage(code)
        except KeyError:
            return procedure, None, None
        return procedure, stage.acknowledge, stage.respond

    def _target_text(self, code: str, which: str) -> dict[str, str]:
        """The target in words, for the data package only: on the site, timescales only ever
        come from the procedure profile through the site's placeholders (and a report must
        not change when the profile does), so the page names the targets without numbers."""
        from forms_app.language.welsh import days

        procedure = self.dataset.default_procedure
        if code not in [s.code for s in procedure.stages]:
            return {lang: NOT_KNOWN for lang in LANGUAGES}
        target = getattr(procedure.stage(code), which)
        if target is None:
            return _phrase("agreed")
        return {lang: days(target.days, target.unit, lang) for lang in LANGUAGES}

    def acknowledgement(self) -> Table:
        codes = self._stage_codes()
        due = Counter()
        on_time = Counter()
        start, end = self.period.start, self.period.end
        for _f, t in self._timings():
            if start <= t.started <= end and t.ack_counted:
                due[t.code] += 1
                on_time[t.code] += t.ack_on_time
        rows = [
            Row(
                code,
                self.names.stage(code),
                [
                    due[code],
                    on_time[code],
                    percent(on_time[code], due[code]),
                    self._target_text(code, "acknowledge"),
                ],
            )
            for code in codes
        ]
        total_due, total_on_time = sum(due.values()), sum(on_time.values())
        rows.append(
            Row(
                "total",
                _phrase("total"),
                [
                    total_due,
                    total_on_time,
                    percent(total_on_time, total_due),
                    {lang: "" for lang in LANGUAGES},
                ],
                total=True,
            )
        )
        self._ack = (total_on_time, total_due)
        return Table(
            "acknowledgement",
            _both("Complaints acknowledged on time", "Cwynion a gydnabuwyd mewn pryd"),
            _both(
                "Each stage that started in the period counts once, if it has been acknowledged "
                "or its acknowledgement was due by the date of this report. On time means "
                "acknowledged within the target our complaints policy sets for the stage, counted "
                "in working days (Monday to Friday, not bank holidays or days we are closed).",
                "Mae pob cam a ddechreuodd yn y cyfnod yn cyfrif unwaith, os yw wedi'i gydnabod "
                "neu os oedd disgwyl ei gydnabod erbyn dyddiad yr adroddiad hwn. Ystyr mewn "
                "pryd yw wedi'i gydnabod o fewn y targed y mae ein polisi cwynion yn ei osod ar "
                "gyfer y cam, wedi'i gyfrif mewn diwrnodau gwaith (dydd Llun i ddydd Gwener, nid "
                "gwyliau banc na diwrnodau pan fyddwn ar gau).",
            ),
            _phrase("stage"),
            [
                Column("due", _phrase("due")),
                Column("on-time", _phrase("on_time")),
                Column("on-time-pct", _phrase("on_time_pct"), PERCENT),
                Column("target", _phrase("target"), TEXT, on_page=False),
            ],
            rows,
        )

    def responses(self) -> Table:
        codes = self._stage_codes()
        responses, timed, within, extended, extensions = (Counter() for _ in range(5))
        working_days: dict[str, list[int]] = defaultdict(list)
        start, end = self.period.start, self.period.end
        for _f, t in self._timings():
            if t.responded is None or not start <= t.responded <= end:
                continue
            responses[t.code] += 1
            working_days[t.code].append(t.working_days)
            extensions[t.code] += t.extensions > 0
            timed[t.code] += t.timed
            within[t.code] += t.within
            extended[t.code] += t.extended
        rows, times = [], []
        for code in codes:
            days = working_days.get(code)
            label = self.names.stage(code)
            rows.append(
                Row(
                    code,
                    label,
                    [
                        responses[code],
                        within[code],
                        percent(within[code], timed[code]),
                        self._target_text(code, "respond"),
                    ],
                )
            )
            times.append(
                Row(
                    code,
                    label,
                    [
                        round(sum(days) / len(days), 1) if days else NOT_KNOWN,
                        extended[code],
                        extensions[code],
                    ],
                )
            )
        every = [d for days in working_days.values() for d in days]
        total_timed, total_within = sum(timed.values()), sum(within.values())
        blank = {lang: "" for lang in LANGUAGES}
        rows.append(
            Row(
                "total",
                _phrase("total"),
                [sum(responses.values()), total_within, percent(total_within, total_timed), blank],
                total=True,
            )
        )
        times.append(
            Row(
                "total",
                _phrase("total"),
                [
                    round(sum(every) / len(every), 1) if every else NOT_KNOWN,
                    sum(extended.values()),
                    sum(extensions.values()),
                ],
                total=True,
            )
        )
        self._responses = (total_within, total_timed)
        self._times = Table(
            "response-times",
            _both(
                "Time taken to respond, and extensions",
                "Yr amser a gymerwyd i ymateb, ac estyniadau",
            ),
            _both(
                "Each full response given in the period counts once, under its stage. Working "
                "days are counted from the day the stage started to the day of the response. "
                "An extension is more time agreed with the person.",
                "Mae pob ymateb llawn a roddwyd yn y cyfnod yn cyfrif unwaith, o dan ei gam. "
                "Mae diwrnodau gwaith yn cael eu cyfrif o'r diwrnod y dechreuodd y cam hyd at "
                "ddiwrnod yr ymateb. Estyniad yw mwy o amser a gytunwyd gyda'r person.",
            ),
            _phrase("stage"),
            [
                Column("average-working-days", _phrase("average_days"), DAYS),
                Column("within-extension", _phrase("within_extension")),
                Column("extensions", _phrase("extensions")),
            ],
            times,
        )
        return Table(
            "responses",
            _both("Complaints answered on time", "Cwynion a atebwyd mewn pryd"),
            _both(
                "Each full response given in the period counts once, under its stage. Within "
                "the target time means by the date our complaints policy sets for the stage, "
                "counted from the day the stage started, before any extension. Where the time "
                "is agreed with the person there is no target, so those responses are not in "
                "the percentage.",
                "Mae pob ymateb llawn a roddwyd yn y cyfnod yn cyfrif unwaith, o dan ei gam. "
                "Ystyr o fewn yr amser targed yw erbyn y dyddiad y mae ein polisi cwynion yn ei "
                "osod ar gyfer y cam, wedi'i gyfrif o'r diwrnod y dechreuodd y cam, cyn unrhyw "
                "estyniad. Pan fydd yr amser wedi'i gytuno gyda'r person nid oes targed, felly nid "
                "yw'r ymatebion hynny yn y "
                "ganran.",
            ),
            _phrase("stage"),
            [
                Column("responses", _phrase("responses")),
                Column("within-target", _phrase("within_target")),
                Column("within-target-pct", _phrase("within_target_pct"), PERCENT),
                Column("target", _phrase("target"), TEXT, on_page=False),
            ],
            rows,
        )

    def response_times(self) -> Table:
        """The second table of ``responses`` (call that first)."""
        return self._times

    # -- ombudsman and learning ---------------------------------------------------------------

    def ombudsman(self) -> Table:
        before, this = self.periods[-2], self.periods[-1]
        keys = ["referred", "upheld", "partially_upheld", "not_upheld", "other", "open"]
        counts = {k: [0, 0] for k in keys}
        for f in self.complaints:
            referred = f.case.ombudsman_referred
            if referred is None:
                continue
            for i, p in enumerate((before, this)):
                if p.start <= referred <= p.end:
                    counts["referred"][i] += 1
                    outcome = f.case.ombudsman_outcome
                    counts[OUTCOME_GROUP_OF.get(outcome, "other") if outcome else "open"][i] += 1
        rows = [Row("referred", _phrase("referred"), counts["referred"], total=True)]
        rows += [Row(k, _outcome(k), counts[k]) for k in keys[1:]]
        self._ombudsman = counts["referred"][1]
        return Table(
            "ombudsman",
            {
                lang: (
                    "Complaints referred to the ombudsman"
                    if lang == "en"
                    else "Cwynion a gyfeiriwyd at yr ombwdsmon"
                )
                for lang in LANGUAGES
            },
            _both(
                "Each complaint referred to the ombudsman during the period counts once, under "
                "what the ombudsman has decided about it so far (as at the date of this "
                "report).",
                "Mae pob cwyn a gyfeiriwyd at yr ombwdsmon yn ystod y cyfnod yn cyfrif unwaith, "
                "o dan yr hyn y mae'r ombwdsmon wedi'i benderfynu amdani hyd yma (ar ddyddiad "
                "yr adroddiad hwn).",
            ),
            _phrase("outcome"),
            [Column(p.slug, {lang: p.label(lang) for lang in LANGUAGES}) for p in (before, this)],
            rows,
        )

    def actions(self) -> Table:
        before, this = self.periods[-2], self.periods[-1]
        counts = {k: [0, 0] for k in ("agreed", "completed", "open", "completed-in-period")}
        actions = self._cache.get("actions")
        if actions is None:
            actions = [(a.added, a.completed) for f in self.facts for a in f.case.actions.values()]
            self._cache["actions"] = actions
        bounds = [(p.start, p.end) for p in (before, this)]
        first = bounds[0][0]
        for added, completed in actions:
            if added < first and (completed is None or completed < first):
                continue
            for i, (start, end) in enumerate(bounds):
                if start <= added <= end:
                    counts["agreed"][i] += 1
                    counts["completed" if completed else "open"][i] += 1
                if completed is not None and start <= completed <= end:
                    counts["completed-in-period"][i] += 1
        labels = {
            "agreed": _phrase("actions_agreed"),
            "completed": _phrase("actions_completed"),
            "open": _phrase("actions_open"),
            "completed-in-period": _phrase("actions_completed_in_period"),
        }
        self._actions = (counts["agreed"][1], counts["completed"][1], counts["open"][1])
        return Table(
            "learning-actions",
            _both("Learning actions", "Camau dysgu"),
            _both(
                "Actions we agreed to take because of what people told us, counted in the "
                "period they were agreed, and whether each is completed or still open as at "
                "the date of this report. The last row counts actions completed in the period, "
                "whenever they were agreed.",
                "Camau y cytunwyd i'w cymryd oherwydd yr hyn a ddywedodd pobl wrthym, wedi'u "
                "cyfrif yn y cyfnod y cytunwyd arnynt, ac a yw pob un wedi'i gwblhau neu'n dal "
                "ar agor ar ddyddiad yr adroddiad hwn. Mae'r rhes olaf yn cyfrif camau a "
                "gwblhawyd yn y cyfnod, pryd bynnag y cytunwyd arnynt.",
            ),
            _phrase("measure"),
            [Column(p.slug, {lang: p.label(lang) for lang in LANGUAGES}) for p in (before, this)],
            [Row(k, labels[k], counts[k], total=k == "agreed") for k in counts],
        )

    def headline(self) -> dict[str, object]:
        complaints = self._complaint_counts
        well, closed = self._well_founded
        on_time, timed = self._responses
        ack_on_time, ack_due = self._ack
        agreed, completed, still_open = self._actions
        return {
            "complaints": complaints.get(2, 0),
            "complaints_before": complaints.get(1, 0),
            "compliments": sum(1 for f in self.facts if f.pi == 2 and f.case.kind == "compliment"),
            "well_founded_pct": percent(well, closed),
            "closed": closed,
            "acknowledged_pct": percent(ack_on_time, ack_due),
            "responded_pct": percent(on_time, timed),
            "ombudsman": self._ombudsman,
            "actions_agreed": agreed,
            "actions_completed": completed,
        }

    # -- returns --------------------------------------------------------------------------------

    def part(self, period: Period) -> _Counter:
        """A counter for part of this period (a quarter), over the same cases."""
        periods = [period.previous().previous(), period.previous(), period]
        return _Counter(
            self.dataset, self.settings, self.names, self.policy, periods, self.as_at, parent=self
        )

    def returns(self) -> list[Table]:
        from .returns import annual_return, ko41a, spso_indicators

        return [spso_indicators(self), annual_return(self), *ko41a(self)]


def _uk_date(moment) -> date:
    """The UK date of a moment. The UK is UTC or UTC+1, so a UTC time before 23:00 has the same
    date in the UK (the common case, without a time zone conversion)."""
    if moment.utcoffset() == _ZERO and moment.hour < 23:
        return moment.date()
    return local_date(moment)


_ZERO = timedelta(0)


def _pairs(values: list, totals: list) -> list:
    out = []
    for value, total in zip(values, totals, strict=True):
        out += [value, percent(value, total)]
    return out


def _rate(count, people: int | None):
    if count is HIDDEN:
        return HIDDEN
    if not people:
        return NOT_KNOWN
    return round(1000 * count / people, 1)


__all__ = ["Report", "compute", "COUNT", "PERCENT", "RATE", "DAYS", "TEXT"]
