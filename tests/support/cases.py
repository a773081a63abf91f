"""A case built in memory for the casework rule tests: a submission received on 2 March 2026
at a home-care service, then the events given, each on 3 March by "mina"."""

from __future__ import annotations

from forms_app.casework.state import Case

#: The England council complaint procedure (two stages), which the rule tests use by default.
LGSCO = "england-council-lgsco-2026"


def case_with(
    *events: tuple[str, dict],
    ref: str = "FB-TEST-0001",
    kind: str = "complaint",
    procedure: str = LGSCO,
) -> Case:
    """The case ``ref`` after ``events``: each a (type, fields) pair, the fields overriding the
    empty ones of an event row."""
    case = Case.from_submission(
        {
            "ref": ref,
            "received": "2026-03-02T09:00:00+00:00",
            "kind": kind,
            "service": "home-care",
            "procedure": procedure,
        },
        first_stage="stage1",
    )
    for number, (type_, values) in enumerate(events):
        row = {"type": type_, "at": "2026-03-03T09:00:00+00:00", "actor": "mina"}
        row.update(event_id=str(number), ref=case.ref, stage="", kind="", outcome="", note="")
        case.apply({**row, "value": "", **values})
    return case
