"""What a report counts from one case (``Counted``): taken from the case folded by
``casework.state`` (the one definition of a case's state), once, and nothing else.

Every table of a report reads these and never the folded case itself, so that a report can keep
them between runs (``saved_counts``) in a compact form and fold again only the cases that
changed since. Everything that needed the case's events is worked out here, from them, when the
case is taken: the stages it entered as councils count them, the day each stage's outcome was
given, and the approvals of its public summary.

``pack`` turns one into plain values (strings, numbers, tuples: dates as day numbers) that
``marshal`` can save, and ``unpack`` makes it again, equal to the one packed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from forms_app.casework.state import Case, StageState, parse_at
from forms_app.procedures.profiles import local_date

__all__ = ["Counted", "CountedAction", "counted", "pack", "unpack", "uk_date"]


class CountedAction(NamedTuple):
    """A learning action agreed on a case: when it was added, done, and due."""

    added: date
    completed: date | None
    target: date | None


@dataclass(slots=True)
class Counted:
    """One case as a report counts it. The names are those of ``casework.state.Case`` where
    they mean the same."""

    ref: str
    received_on: date  # the UK date it was received
    kind: str
    service: str
    procedure: str
    status: str
    #: The complaint's stages by code, as folded (``StageState``). Only what a report reads of
    #: them is saved (``pack``: not the findings, causes, remedies, sign-off or owners).
    stages: dict[str, StageState]
    themes: tuple[str, ...]
    flags: tuple[str, ...]  # the flags set on it (their details are never counted)
    ombudsman_referred: date | None
    ombudsman_outcome: str
    closed_on: date | None
    publication_summary: str
    actions: tuple[CountedAction, ...]
    #: The codes of the stages it entered, as councils count them (``entered``).
    entered: tuple[str, ...]
    #: The day each stage's outcome was given, for the stages that have one (``outcome_day``).
    outcome_on: dict[str, date]
    #: Each approval of its public summary, in order: (who approved, the summary approved);
    #: kept only for a case with a public summary (none, nothing can be published).
    approvals: tuple[tuple[str, str], ...]
    #: Who acted on it (each event's actor), kept only for a case with a public summary: their
    #: names are taken out of the summary before it is published (``freetext``).
    actors: tuple[str, ...]


def counted(case: Case) -> Counted:
    """What a report counts from a folded case."""
    # The folded case's own stages: the case itself is not kept (``pack`` saves only what a
    # report reads of them). Written for speed (a report takes every case): nothing is looked
    # for in the events of a case that cannot have it.
    stages = case.stages
    summary = case.publication_summary
    events = case.events
    return Counted(
        case.ref,
        uk_date(case.received),
        case.kind,
        case.service,
        case.procedure,
        case.status,
        stages,
        tuple(case.themes),
        tuple(case.flags),
        case.ombudsman_referred,
        case.ombudsman_outcome,
        case.closed_on,
        summary,
        tuple(
            CountedAction(action.added, action.completed, action.target)
            for action in case.actions.values()
        )
        if case.actions
        else (),
        entered(case) if stages else (),
        {code: outcome_day(case, stage) for code, stage in stages.items() if stage.outcome}
        if stages
        else {},
        # Only a case with a summary has one to publish (``freetext``): the summary is the
        # latest approval's.
        tuple(
            (event["actor"], event.get("note") or "")
            for event in events
            if event["type"] == "publication_approved"
        )
        if summary
        else (),
        tuple(dict.fromkeys(event["actor"] for event in events)) if summary else (),
    )


def entered(case: Case) -> tuple[str, ...]:
    """The stages a complaint entered, as councils count them: a complaint that started at a
    later stage (its first stage was never entered) is not counted at the first stage.

    A complaint starts at the procedure's first stage on receipt unless its record says
    otherwise: the first event that names a stage (``stage_entered``, or any event given a
    stage) names a later one. An imported case that went straight to Stage 2 says so that way.
    """
    codes = tuple(case.stages)
    first = case.first_stage
    if not first or first not in case.stages:
        return codes
    for event in case.events:
        code = event.get("stage") or ""
        if not code or code == "ombudsman":
            continue
        if code == first:
            return codes
        return tuple(c for c in codes if c != first)
    return codes


def outcome_day(case: Case, stage: StageState) -> date:
    """The day a stage's outcome was given: its response date, else the day the outcome was
    recorded, else the day the stage started."""
    if stage.responded is not None:
        return stage.responded
    for event in reversed(case.events):
        if event["type"] == "outcome_recorded" and (event.get("stage") or "") in (stage.code, ""):
            return parse_at(event["at"]).date()
    return stage.started


def uk_date(moment) -> date:
    """The UK date of a moment. The UK is UTC or UTC+1, so a UTC time before 23:00 has the same
    date in the UK (the common case, without a time zone conversion)."""
    if moment.utcoffset() == _ZERO and moment.hour < 23:
        return moment.date()
    return local_date(moment)


_ZERO = timedelta(0)


# -- packed for saving ------------------------------------------------------------------------


class Packer:
    """Packs cases for saving (``pack``), one report's cases with one packer: equal values (the
    same day, service, stage, set of themes) become the same object, which ``marshal`` then
    writes once and refers back to, so the saved cases are smaller and quicker to load."""

    def __init__(self):
        self._same: dict = {}

    def _day(self, value: date | None) -> int:
        return self._same.setdefault(value.toordinal(), value.toordinal()) if value else 0

    def __call__(self, one: Counted) -> tuple:
        same, day = self._same.setdefault, self._day
        return (
            one.ref,
            day(one.received_on),
            same(one.kind, one.kind),
            same(one.service, one.service),
            same(one.procedure, one.procedure),
            same(one.status, one.status),
            tuple(
                (
                    same(s.code, s.code),
                    day(s.started),
                    day(s.acknowledged),
                    day(s.responded),
                    day(s.extended_to),
                    day(s.extended_on),
                    s.extensions,
                    same(s.outcome, s.outcome),
                    tuple((day(began), day(ended)) for began, ended in s.pauses),
                )
                for s in one.stages.values()
            ),
            same(tuple(one.themes), tuple(one.themes)),
            same(one.flags, one.flags),
            day(one.ombudsman_referred),
            same(one.ombudsman_outcome, one.ombudsman_outcome),
            day(one.closed_on),
            one.publication_summary,
            tuple((day(a.added), day(a.completed), day(a.target)) for a in one.actions),
            same(one.entered, one.entered),
            tuple((same(code, code), day(when)) for code, when in one.outcome_on.items()),
            one.approvals,
            one.actors,
        )


def pack(one: Counted) -> tuple:
    """``one`` as plain values ``marshal`` can save (dates as day numbers, 0 for none)."""
    return Packer()(one)


class _Days(dict):
    """Day number -> ``date`` (0 -> None), each made once: a subscript, not a call, for each of
    the million dates a report's cases hold."""

    def __missing__(self, number: int) -> date | None:
        found = self[number] = date.fromordinal(number) if number else None
        return found


class Unpacker:
    """Makes ``Counted`` again from ``pack``'s values; one per load, so that each day number
    becomes one ``date`` object shared by every case (a few thousand days, a million dates).

    Written for speed, as it runs once for every case of every report: no comprehension (each
    is a call of its own) where most cases have nothing to make, and values ``marshal`` gives
    back as tuples kept as they are."""

    def __init__(self):
        self._days = _Days()

    def __call__(self, packed: tuple) -> Counted:
        (
            ref,
            received_on,
            kind,
            service,
            procedure,
            status,
            stages,
            themes,
            flags,
            referred,
            ombudsman_outcome,
            closed_on,
            summary,
            actions,
            entered_codes,
            outcome_on,
            approvals,
            actors,
        ) = packed
        day = self._days
        made: dict[str, StageState] = {}
        for code, started, ack, responded, ext_to, ext_on, extensions, outcome, pauses in stages:
            made[code] = StageState(
                code,
                day[started],
                day[ack],
                day[responded],
                day[ext_to],
                day[ext_on],
                extensions,
                outcome,
                pauses=[(day[began], day[ended]) for began, ended in pauses] if pauses else [],
            )
        return Counted(
            ref,
            day[received_on],
            kind,
            service,
            procedure,
            status,
            made,
            themes,
            flags,
            day[referred],
            ombudsman_outcome,
            day[closed_on],
            summary,
            tuple(CountedAction(day[a], day[c], day[t]) for a, c, t in actions) if actions else (),
            entered_codes,
            {code: day[number] for code, number in outcome_on} if outcome_on else {},
            approvals,
            actors,
        )


_MISSING = object()


def unpack(packed: tuple) -> Counted:
    """One case packed by ``pack``, made again."""
    return Unpacker()(packed)
