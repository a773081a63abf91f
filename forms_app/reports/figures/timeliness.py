"""How quickly complaints were acknowledged and answered, stage by stage, against the targets
of the complaints procedure."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date

from forms_app.casework.deadlines import stage_due
from forms_app.casework.state import StageState
from forms_app.language import welsh

from ..counted import Counted
from ..tables import DAYS, NOT_KNOWN, PERCENT, TEXT, Column, Row, Table, percent
from ..words import LANGUAGES, both
from .counting import Counting, title_and_how


@dataclass(slots=True)
class StageTiming:
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


def acknowledgement(counting: Counting) -> Table:
    codes = counting.stage_codes()
    due = Counter()
    on_time = Counter()
    start, end = counting.period.start, counting.period.end
    for t in timings(counting):
        if start <= t.started <= end and t.ack_counted:
            due[t.code] += 1
            on_time[t.code] += t.ack_on_time
    rows = [
        Row(
            code,
            counting.names.stage(code),
            [
                due[code],
                on_time[code],
                percent(on_time[code], due[code]),
                _target_text(counting, code, "acknowledge"),
            ],
        )
        for code in codes
    ]
    total_due, total_on_time = sum(due.values()), sum(on_time.values())
    rows.append(
        Row(
            "total",
            both("total"),
            [
                total_due,
                total_on_time,
                percent(total_on_time, total_due),
                {lang: "" for lang in LANGUAGES},
            ],
            total=True,
        )
    )
    return Table(
        "acknowledgement",
        *title_and_how("acknowledgement"),
        both("stage"),
        [
            Column("due", both("due")),
            Column("on-time", both("on_time")),
            Column("on-time-pct", both("on_time_pct"), PERCENT),
            Column("target", both("target"), TEXT, on_page=False),
        ],
        rows,
    )


def responses(counting: Counting) -> tuple[Table, Table]:
    """Two tables of the full responses given in the period: how many were within the target
    time, and how long they took (with the extensions agreed)."""
    codes = counting.stage_codes()
    responses, timed, within, extended, extensions = (Counter() for _ in range(5))
    working_days: dict[str, list[int]] = defaultdict(list)
    start, end = counting.period.start, counting.period.end
    for t in timings(counting):
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
        label = counting.names.stage(code)
        rows.append(
            Row(
                code,
                label,
                [
                    responses[code],
                    within[code],
                    percent(within[code], timed[code]),
                    _target_text(counting, code, "respond"),
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
            both("total"),
            [sum(responses.values()), total_within, percent(total_within, total_timed), blank],
            total=True,
        )
    )
    times.append(
        Row(
            "total",
            both("total"),
            [
                round(sum(every) / len(every), 1) if every else NOT_KNOWN,
                sum(extended.values()),
                sum(extensions.values()),
            ],
            total=True,
        )
    )
    on_time = Table(
        "responses",
        *title_and_how("responses"),
        both("stage"),
        [
            Column("responses", both("responses")),
            Column("within-target", both("within_target")),
            Column("within-target-pct", both("within_target_pct"), PERCENT),
            Column("target", both("target"), TEXT, on_page=False),
        ],
        rows,
    )
    taken = Table(
        "response-times",
        *title_and_how("response-times"),
        both("stage"),
        [
            Column("average-working-days", both("average_days"), DAYS),
            Column("within-extension", both("within_extension")),
            Column("extensions", both("extensions")),
        ],
        times,
    )
    return on_time, taken


def timings(counting: Counting) -> list[StageTiming]:
    """Every stage of every complaint that started or was answered in the report's period,
    against its targets, worked out once per report (its quarters share it)."""
    return counting.once("timings", lambda: _all_timings(counting))


def _all_timings(counting: Counting) -> list[StageTiming]:
    start = counting.whole.start
    return [
        _timing(counting, f.case, stage)
        for f in counting.complaints
        for stage in f.case.stages.values()
        if stage.started >= start or (stage.responded and stage.responded >= start)
    ]


def _timing(counting: Counting, case: Counted, stage: StageState) -> StageTiming:
    """One stage against its targets. The common case (working days counted from the start of
    the stage, nothing paused) is a count of working days; anything else (pauses, a target
    counted from the acknowledgement, an extension) goes through
    ``casework.deadlines.stage_due``, the same rules the staff pages use. For a working-day
    target both agree: ``responded <= add_working_days(start, n)`` exactly when
    ``working_days_between(start, responded) <= n``."""
    procedure, ack, respond = _stage_targets(counting, case, stage.code)
    calendar = counting.dataset.calendar_for(procedure)
    simple = not stage.pauses and procedure.day_zero == "receipt"
    as_at = counting.as_at
    ack_counted = ack_on_time = within = extended = False
    if ack is not None:
        if stage.acknowledged is not None and simple and ack.unit == "working":
            ack_counted = True
            ack_on_time = (
                calendar.working_days_between(stage.started, stage.acknowledged) <= ack.days
            )
        else:
            dates = stage_due(procedure, calendar, case, stage, as_at, (ack, respond))
            ack_counted = stage.acknowledged is not None or dates.acknowledge < as_at
            ack_on_time = stage.acknowledged is not None and stage.acknowledged <= dates.acknowledge
    working_days = None
    if stage.responded is not None:
        working_days = calendar.working_days_between(stage.started, stage.responded)
        if respond is not None:
            if simple and respond.unit == "working":
                within = working_days <= respond.days
            elif simple:
                within = (stage.responded - stage.started).days <= respond.days
            if not simple or (not within and stage.extended_to is not None):
                dates = stage_due(procedure, calendar, case, stage, stage.responded, (ack, respond))
                within = stage.responded <= dates.respond_target
                extended = (
                    not within and dates.respond is not None and (stage.responded <= dates.respond)
                )
    return StageTiming(
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


def _stage_targets(counting: Counting, case: Counted, code: str):
    """The case's procedure and the stage's acknowledgement and response targets (None, None
    for a stage that procedure does not have)."""
    procedure = counting.dataset.procedure_for(case)
    try:
        stage = procedure.stage(code)
    except KeyError:
        return procedure, None, None
    return procedure, stage.acknowledge, stage.respond


def _target_text(counting: Counting, code: str, which: str) -> dict[str, str]:
    """The target in words, for the data package only: on the site, timescales only ever come
    from the procedure profile through the site's placeholders (and a report must not change
    when the profile does), so the page names the targets without numbers."""
    procedure = counting.dataset.default_procedure
    if code not in [s.code for s in procedure.stages]:
        return {lang: NOT_KNOWN for lang in LANGUAGES}
    target = getattr(procedure.stage(code), which)
    if target is None:
        return both("agreed")
    return {lang: welsh.days(target.days, target.unit, lang) for lang in LANGUAGES}
