"""Learning from complaints: the actions agreed because of what people told us, and whether
each is done."""

from __future__ import annotations

from ..tables import Row, Table
from ..words import both
from .counting import Counting, period_column, title_and_how

#: The rows of the table, by key, with the phrase that labels each.
_MEASURES = {
    "agreed": "actions_agreed",
    "completed": "actions_completed",
    "open": "actions_open",
    "completed-in-period": "actions_completed_in_period",
}


def learning_actions(counting: Counting) -> Table:
    """Actions agreed in this period and the one before (completed, or still open as at the
    report's date), and the actions completed in each, whenever they were agreed."""
    before, this = counting.periods[-2], counting.periods[-1]
    counts = {k: [0, 0] for k in _MEASURES}
    actions = counting.once("actions", lambda: _every_action(counting))
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
    return Table(
        "learning-actions",
        *title_and_how("learning-actions"),
        both("measure"),
        [period_column(p) for p in (before, this)],
        [Row(k, both(phrase), counts[k], total=k == "agreed") for k, phrase in _MEASURES.items()],
    )


def _every_action(counting: Counting) -> list[tuple]:
    """(day agreed, day completed or None) of every learning action on the report's cases."""
    return [(a.added, a.completed) for f in counting.facts for a in f.case.actions]
