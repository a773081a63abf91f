"""The complaints performance indicators of the Scottish Public Services Ombudsman's model
complaints handling procedure, for each quarter of the period and the whole of it.

The SPSO asks organisations under the model procedure to report indicators on complaints to
their governing body quarterly and to publish an annual complaints performance report. The ones
made here: complaints received (and per 1,000 people served, where the settings give
``people_served`` for every service); complaints closed at each stage and after escalation from
stage 1 to stage 2, each as a number and a share of all complaints closed; the outcome (upheld,
partially upheld, not upheld) at each stage; the average time in working days to a full response
at each stage; the responses within the stage's timescale (5 working days at stage 1, 20 at
stage 2, from the procedure profile); the responses with an extension agreed; and the learning
actions. Sources: the SPSO's consultation on the indicators that go with its model procedures, as
summarised at https://www.sfha.co.uk/our-work/policy-category/governance-and-regulation/sub-
category/scottish-public-services-ombudsman/policy-article/spso-consultation-on-kpis (learning
from complaints; complaints received; closed in full within 5 and 20 working days at each stage;
average working days to a full response at each stage; outcomes at each stage; reported
quarterly), and a council's published return under them, "SPSO - Complaints Performance
Indicators" at https://fifedirect.org.uk (received per 1,000 population; closed at stage 1, at
stage 2 and after escalation as numbers and percentages; upheld, not upheld and partially upheld
at each stage, counted when the case closed).

A complaint closed at a stage is one closed in the part whose last stage was that stage; "after
escalation" counts the complaints closed at a later stage that had entered the first stage (a
complaint that went straight to stage 2 counts at stage 2, not after escalation).
"""

from __future__ import annotations

from collections import Counter

from .. import return_words as w
from ..periods import Period
from ..tables import NOT_KNOWN, Row, Table, percent
from ..words import LANGUAGES, OUTCOME_GROUPS, OUTCOME_LABELS, Names
from .counting import Counting, stages_entered, title_and_how
from .learning import learning_actions
from .outcomes import stage_outcomes
from .return_tables import en_cy as _both
from .return_tables import long_table
from .timeliness import responses


class _Indicators:
    """The rows of the SPSO indicators, one figure at a time."""

    def __init__(self, names: Names):
        self.names = names
        self.rows: list[Row] = []

    def add(self, part: Period, code: str, en: str, cy: str, value, stage: str = "") -> None:
        self.add_words(part, code, _both(en, cy), value, stage)

    def add_words(self, part: Period, code: str, words: dict, value, stage: str = "") -> None:
        key = f"{part.slug}:{code}" + (f":{stage}" if stage else "")
        label = {lang: part.label(lang) for lang in LANGUAGES}
        stage_label = self.names.stage(stage) if stage else {lang: "" for lang in LANGUAGES}
        self.rows.append(Row(key, dict(words), [label, stage_label, value]))


def spso_indicators(counting: Counting) -> Table:
    """The indicators as a long table, one row per figure (``<part>:<indicator>[:<stage>]``)."""
    period = counting.period
    parts = [period]
    if period.kind == "year":
        parts = [*period.quarters(), period]
    indicators = _Indicators(counting.names)
    add, add_words = indicators.add, indicators.add_words
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
    stages = counting.dataset.default_procedure.stages
    first = stages[0].code if stages else ""
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
        escalated = sum(
            1
            for f in closed
            if f.case.stages
            and max(f.case.stages, key=lambda c: order.get(c, len(order))) != first
            and any(stage.code == first for stage in stages_entered(f.case))
        )
        add_words(part, "closed-after-escalation", w.CLOSED_AFTER_ESCALATION, escalated)
        add_words(
            part,
            "closed-after-escalation-pct",
            w.CLOSED_AFTER_ESCALATION_PCT,
            percent(escalated, len(closed)),
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
    return long_table("spso-indicators", *title_and_how("spso-indicators"), indicators.rows)
