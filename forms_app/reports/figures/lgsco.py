"""The annual complaints figures an English council publishes under the Local Government and
Social Care Ombudsman's complaint handling code.

The code asks a council to publish each year a complaints performance and service improvement
report, reported to its governing body: how many complaints it received and at each stage, how
many were upheld, how quickly it answered against the code's timescales, what the ombudsman
decided about its complaints and whether the council carried out the ombudsman's remedies, and
what it changed because of complaints. Sources: the code as councils describe applying it, for
example https://www.cumberland.gov.uk/corporate-complaints-and-compliments-policy/record-
keeping-and-reporting ("an annual complaints performance and service improvement report for
scrutiny ... published on the website") and https://buckinghamshire.gov.uk/your-council/
contact-and-complaints/feedback-compliments-and-complaints-policy/compliments-complaints-
annual-update-2023-24/new-lgsco-complaints-code (the code, its annual report and self-
assessment, applying to councils from April 2026).

Counted as the rest of the report counts: a complaint counts at each stage it entered (one that
went straight to stage 2 counts only at stage 2), an outcome and a response in the period they
were given, a referral to the ombudsman in the period it was made. The service does not record
whether the ombudsman's remedies were carried out: that figure is given as not known.
"""

from __future__ import annotations

from collections import Counter

from .. import return_words as w
from ..tables import NOT_KNOWN, Row, Table
from ..words import LANGUAGES, OUTCOME_GROUP_OF, OUTCOME_GROUPS, OUTCOME_LABELS
from .counting import Counting, stages_entered
from .learning import learning_actions
from .return_tables import long_table
from .timeliness import responses

OMBUDSMAN_OUTCOMES = (*OUTCOME_GROUPS, "open")


def lgsco_figures(counting: Counting) -> Table:
    """The figures for the report's period as a long table, one row per figure
    (``<indicator>[:<stage>]``)."""
    period = counting.period
    label = {lang: period.label(lang) for lang in LANGUAGES}
    blank = {lang: "" for lang in LANGUAGES}
    rows: list[Row] = []

    def add(key: str, words: dict, value, stage: str = "", **names) -> None:
        text = {
            lang: words[lang].format(**{k: v[lang] for k, v in names.items()}) for lang in LANGUAGES
        }
        stage_label = counting.names.stage(stage) if stage else blank
        rows.append(Row(key + (f":{stage}" if stage else ""), text, [label, stage_label, value]))

    inside = period.__contains__
    complaints = counting.complaints
    entered, outcomes = Counter(), Counter()
    for f in complaints:
        for stage in stages_entered(f.case):
            if inside(stage.started):
                entered[stage.code] += 1
        for code, given, group in f.stage_outcomes:
            if inside(given):
                outcomes[code, group] += 1
    add("received", w.RECEIVED, sum(1 for f in complaints if inside(f.received)))
    codes = counting.stage_codes()
    for code in codes:
        add("entered-stage", w.ENTERED_STAGE, entered[code], code)
    add("closed", w.CLOSED, sum(1 for f in complaints if inside(f.case.closed_on)))
    on_time, taken = responses(counting)
    for code in codes:
        for group in OUTCOME_GROUPS:
            outcome = {lang: OUTCOME_LABELS[lang][group] for lang in LANGUAGES}
            add(f"outcome-{group}", w.OUTCOME, outcomes[code, group], code, outcome=outcome)
        add("responses", w.RESPONSES, on_time.value(code, "responses"), code)
        add("within-target", w.WITHIN_TARGET, on_time.value(code, "within-target"), code)
        add(
            "within-target-pct", w.WITHIN_TARGET_PCT, on_time.value(code, "within-target-pct"), code
        )
        add("average-working-days", w.AVERAGE_DAYS, taken.value(code, "average-working-days"), code)
        add("extensions", w.EXTENSIONS, taken.value(code, "extensions"), code)
    referred = [f for f in complaints if inside(f.case.ombudsman_referred)]
    add("ombudsman-referred", w.OMBUDSMAN_REFERRED, len(referred))
    decided = Counter(
        OUTCOME_GROUP_OF.get(f.case.ombudsman_outcome, "other")
        if f.case.ombudsman_outcome
        else "open"
        for f in referred
    )
    for group in OMBUDSMAN_OUTCOMES:
        outcome = {lang: OUTCOME_LABELS[lang][group] for lang in LANGUAGES}
        add(f"ombudsman-{group}", w.OMBUDSMAN_DECISION, decided[group], outcome=outcome)
    add("ombudsman-remedies", w.OMBUDSMAN_REMEDIES, NOT_KNOWN)
    actions = learning_actions(counting)
    add("actions-agreed", w.ACTIONS_AGREED, actions.value("agreed", period.slug))
    add("actions-completed", w.ACTIONS_COMPLETED, actions.value("completed", period.slug))
    return long_table("lgsco-annual", w.LGSCO_TITLE, w.LGSCO_HOW, rows)
