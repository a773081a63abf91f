"""Statistical disclosure control for breakdowns of counts: no one can be picked out of a
published table, whether from a small number or by working a hidden one out from the totals.

Whole-organisation counts are published as they are. A breakdown below that (by service, by
service and stage, by theme and quarter) goes through ``protect``:

- **suppress** (the default): counts from 1 to ``threshold`` (4 by default, up to 7) are
  hidden, then **secondary suppression** hides further cells until no hidden cell can be worked
  out from the totals that are published (in the table, or elsewhere in the report: ``fixed``
  totals). "Worked out" is exact linear algebra: a hidden cell is recoverable when its value
  follows from the published totals and visible cells, by subtraction or any combination of
  sums (``recoverable``).
- **round** (NHS Digital's rule): counts from 1 to ``threshold`` (7 is theirs) are hidden and
  every other count is rounded to the nearest ``round_to`` (5); totals are added up from the
  unrounded counts and then rounded; 0 stays 0.

Zero is never primary-suppressed (a zero describes nobody), but a zero may be hidden as a
secondary cell, because showing it would give away its neighbour.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

MODES = ("suppress", "round")


class DisclosureError(ValueError):
    """Disclosure settings that cannot be used."""


@dataclass(frozen=True)
class Policy:
    threshold: int = 4
    mode: str = "suppress"
    round_to: int = 5

    def __post_init__(self):
        if not 1 <= self.threshold <= 7:
            raise DisclosureError(f"suppress_up_to must be 1 to 7, not {self.threshold}")
        if self.mode not in MODES:
            raise DisclosureError(f"disclosure mode must be suppress or round, not {self.mode!r}")
        if self.mode == "round" and self.round_to < 2:
            raise DisclosureError("round_to must be 2 or more")

    @classmethod
    def from_settings(cls, raw: dict) -> Policy:
        """From the settings' ``reports:`` section: ``suppress_up_to`` (1 to 7, default 4) and
        ``round_to`` (0 or absent: suppress with secondary suppression; 5: NHS Digital)."""
        section = (raw or {}).get("reports") or {}
        threshold = section.get("suppress_up_to", 4)
        round_to = section.get("round_to") or 0
        if isinstance(threshold, bool) or not isinstance(threshold, int):
            raise DisclosureError(
                f"reports.suppress_up_to must be a whole number 1 to 7, not {threshold!r}"
            )
        if isinstance(round_to, bool) or not isinstance(round_to, int) or round_to < 0:
            raise DisclosureError(f"reports.round_to must be 0 or a whole number, not {round_to!r}")
        if round_to:
            return cls(threshold, "round", round_to)
        return cls(threshold, "suppress")

    def describe(self, language: str = "en") -> str:
        """A sentence for the report saying what was hidden and why."""
        n = self.threshold
        if self.mode == "round":
            if language == "cy":
                return (
                    f"Mewn tablau sy'n rhannu'r ffigurau (er enghraifft fesul gwasanaeth), nid "
                    f"ydym yn dangos niferoedd o 1 i {n}, ac rydym yn talgrynnu pob nifer arall "
                    f"i'r {self.round_to} agosaf, fel na ellir adnabod neb."
                )
            return (
                f"In tables that break the figures down (for example by service) we do not "
                f"show numbers from 1 to {n}, and we round every other number to the nearest "
                f"{self.round_to}, so that nobody can be identified."
            )
        if language == "cy":
            return (
                f"Mewn tablau sy'n rhannu'r ffigurau (er enghraifft fesul gwasanaeth), nid ydym "
                f"yn dangos niferoedd o 1 i {n}. Rydym hefyd yn cuddio rhai niferoedd eraill fel "
                f"na ellir cyfrifo'r rhai cudd o'r cyfansymiau. Ystyr \"cudd\" mewn tabl yw un "
                f"o'r rhain."
            )
        return (
            f"In tables that break the figures down (for example by service) we do not show "
            f"numbers from 1 to {n}. We also hide some other numbers so that the hidden ones "
            f'cannot be worked out from the totals. "Not shown" means one of these.'
        )


@dataclass
class Protected:
    """A protected table: ``cells[i][j]`` is the count to publish or None (hidden); likewise
    ``row_totals``, ``col_totals`` and ``grand`` (None also when the table has no such total).
    ``publishable`` is False when no pattern of hiding could protect the small counts (the
    breakdown then gives itself away through totals published elsewhere): leave it out."""

    cells: list[list[int | None]]
    row_totals: list[int | None]
    col_totals: list[int | None]
    grand: int | None
    publishable: bool = True

    @property
    def hidden(self) -> int:
        return sum(v is None for row in self.cells for v in row)


def protect(
    counts: list[list[int]],
    policy: Policy,
    *,
    row_totals: bool = True,
    col_totals: bool = True,
    fixed_rows: bool = False,
    fixed_cols: bool = False,
    grand_known: bool = True,
) -> Protected:
    """Protect a table of counts (rows × columns) whose published totals are its row totals
    (if ``row_totals``), its column totals (if ``col_totals``) and the grand total.

    ``fixed_rows`` / ``fixed_cols``: those totals are published elsewhere as they are (for
    example whole-organisation counts), so they can never be hidden and always count as known.
    The grand total (the sum of every cell) is treated as known (it is a whole-organisation
    count) unless ``grand_known`` is False: for a table whose rows overlap, such as themes where
    one complaint counts under each of its themes, the cells add up to nothing published.
    """
    n_rows = len(counts)
    n_cols = len(counts[0]) if counts else 0
    if any(len(row) != n_cols for row in counts):
        raise ValueError("every row needs the same number of cells")
    if any(v < 0 for row in counts for v in row):
        raise ValueError("counts cannot be negative")
    true_rows = [sum(row) for row in counts]
    true_cols = [sum(counts[i][j] for i in range(n_rows)) for j in range(n_cols)]
    grand = sum(true_rows)
    if policy.mode == "round":
        r = policy.round_to

        def publish(value: int) -> int | None:
            if 1 <= value <= policy.threshold:
                return None
            return _round(value, r)

        return Protected(
            [[publish(v) for v in row] for row in counts],
            [(_round(v, r) if fixed_rows else publish(v)) for v in true_rows]
            if row_totals
            else [None] * n_rows,
            [(_round(v, r) if fixed_cols else publish(v)) for v in true_cols]
            if col_totals
            else [None] * n_cols,
            _round(grand, r) if grand_known else None,
        )

    def small(value: int) -> bool:
        return 1 <= value <= policy.threshold

    hidden = {(i, j) for i in range(n_rows) for j in range(n_cols) if small(counts[i][j])}
    # Totals below the whole organisation are breakdown counts too.
    hidden_rows = {
        i for i in range(n_rows) if row_totals and not fixed_rows and small(true_rows[i])
    }
    hidden_cols = {
        j for j in range(n_cols) if col_totals and not fixed_cols and small(true_cols[j])
    }
    primary = set(hidden) | {("row", i) for i in hidden_rows} | {("col", j) for j in hidden_cols}
    problem = _Problem(counts, row_totals, col_totals, grand_known)
    publishable = True
    while True:
        determined = problem.determined(hidden, hidden_rows, hidden_cols)
        # Hidden cells, and totals hidden for being small, must stay hidden. (A total hidden
        # only to protect a cell may be worked out: it is not small, and the cells' own check
        # already allows for everything it could tell.)
        protect_now = sorted(
            (u for u in determined if u in primary or u[0] not in ("row", "col")),
            key=lambda u: (u[0] in ("row", "col"), _value(counts, true_rows, true_cols, u), u),
        )
        if not protect_now:
            break
        target = _next_to_hide(
            counts,
            true_rows,
            true_cols,
            problem,
            protect_now,
            hidden,
            hidden_rows,
            hidden_cols,
            can_hide_rows=row_totals and not fixed_rows,
            can_hide_cols=col_totals and not fixed_cols,
        )
        if target is None:
            publishable = not any(u in primary for u in determined)
            break
        kind, index = target
        if kind == "cell":
            hidden.add(index)
        elif kind == "row":
            hidden_rows.add(index)
        else:
            hidden_cols.add(index)
    return Protected(
        [
            [None if (i, j) in hidden else counts[i][j] for j in range(n_cols)]
            for i in range(n_rows)
        ],
        [None if (not row_totals or i in hidden_rows) else true_rows[i] for i in range(n_rows)],
        [None if (not col_totals or j in hidden_cols) else true_cols[j] for j in range(n_cols)],
        grand if grand_known else None,
        publishable,
    )


def _round(value: int, to: int) -> int:
    return int(Fraction(value, to) + Fraction(1, 2)) * to


class _Problem:
    """The sums a reader knows: each published row total, column total and the grand total,
    as linear equations over the hidden values."""

    def __init__(self, counts, row_totals: bool, col_totals: bool, grand_known: bool = True):
        self.counts = counts
        self.grand_known = grand_known
        self.n_rows = len(counts)
        self.n_cols = len(counts[0]) if counts else 0
        self.row_totals = row_totals
        self.col_totals = col_totals

    def lines(self):
        """Each equation as (cells in it, the total's key or None when the total is the grand
        total, which is always known)."""
        if self.row_totals:
            for i in range(self.n_rows):
                yield [(i, j) for j in range(self.n_cols)], ("row", i)
        if self.col_totals:
            for j in range(self.n_cols):
                yield [(i, j) for i in range(self.n_rows)], ("col", j)
        if not self.grand_known:
            return
        # The grand total: the sum of every cell, and of the row (or column) totals.
        yield [(i, j) for i in range(self.n_rows) for j in range(self.n_cols)], None
        if self.row_totals:
            yield [("row", i) for i in range(self.n_rows)], None
        if self.col_totals:
            yield [("col", j) for j in range(self.n_cols)], None

    def determined(self, hidden, hidden_rows, hidden_cols) -> set:
        """The hidden unknowns (cells, or ("row", i) / ("col", j) totals) whose value follows
        from what is published."""
        unknowns = [
            *sorted(hidden),
            *(("row", i) for i in sorted(hidden_rows)),
            *(("col", j) for j in sorted(hidden_cols)),
        ]
        return determined_unknowns(unknowns, self._equations(hidden, hidden_rows, hidden_cols))

    def _equations(self, hidden, hidden_rows, hidden_cols):
        def is_unknown(key) -> bool:
            if isinstance(key, tuple) and key and key[0] == "row":
                return key[1] in hidden_rows
            if isinstance(key, tuple) and key and key[0] == "col":
                return key[1] in hidden_cols
            return key in hidden

        equations = []
        for cells, total in self.lines():
            terms = [cell for cell in cells if is_unknown(cell)]
            if total is not None and is_unknown(total):
                terms.append(total)  # cells - total = known, the total's sign does not matter
            if terms:
                equations.append(terms)
        return equations


def determined_unknowns(unknowns: list, equations: list[list]) -> set:
    """Which unknowns are fixed by equations ``sum(±x for x in terms) = known``.

    An unknown x is determined iff its unit vector lies in the row space of the equations:
    reduce the equations to row echelon form over the rationals and see which unknowns end up
    alone in a row of the reduced form. (Signs: a total appears with the opposite sign to its
    cells, which changes nothing here but is kept right for exactness.)
    """
    if not unknowns or not equations:
        return set()
    index = {u: k for k, u in enumerate(unknowns)}
    matrix = []
    for terms in equations:
        row = [Fraction(0)] * len(unknowns)
        for term in terms:
            is_total = isinstance(term, tuple) and term and term[0] in ("row", "col")
            row[index[term]] += -1 if is_total else 1
        matrix.append(row)
    rref = _rref(matrix)
    out = set()
    for row in rref:
        nonzero = [k for k, v in enumerate(row) if v != 0]
        if len(nonzero) == 1:
            out.add(unknowns[nonzero[0]])
    return out


def _rref(matrix: list[list[Fraction]]) -> list[list[Fraction]]:
    rows = [row[:] for row in matrix]
    if not rows:
        return rows
    width = len(rows[0])
    pivot_row = 0
    for col in range(width):
        pivot = next((r for r in range(pivot_row, len(rows)) if rows[r][col] != 0), None)
        if pivot is None:
            continue
        rows[pivot_row], rows[pivot] = rows[pivot], rows[pivot_row]
        lead = rows[pivot_row][col]
        rows[pivot_row] = [v / lead for v in rows[pivot_row]]
        for r in range(len(rows)):
            if r != pivot_row and rows[r][col] != 0:
                factor = rows[r][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[pivot_row], strict=True)]
        pivot_row += 1
        if pivot_row == len(rows):
            break
    return rows[:pivot_row]


def _value(counts, true_rows, true_cols, unknown) -> int:
    if unknown[0] == "row":
        return true_rows[unknown[1]]
    if unknown[0] == "col":
        return true_cols[unknown[1]]
    return counts[unknown[0]][unknown[1]]


def _next_to_hide(
    counts,
    true_rows,
    true_cols,
    problem,
    unknowns,
    hidden,
    hidden_rows,
    hidden_cols,
    can_hide_rows: bool,
    can_hide_cols: bool,
):
    """The next thing to hide so that a determined unknown no longer is: in a line (sum)
    through it, the smallest visible positive member, else a visible zero, else the line's
    own total. Returns ("cell", (i, j)), ("row", i), ("col", j) or None."""
    n_rows, n_cols = problem.n_rows, problem.n_cols

    def visible(member) -> bool:
        kind = member[0]
        if kind == "row":
            return can_hide_rows and member[1] not in hidden_rows
        if kind == "col":
            return can_hide_cols and member[1] not in hidden_cols
        return member not in hidden

    def hideable_total(total) -> bool:
        return total is not None and visible(total)

    for unknown in unknowns:
        lines = []
        if unknown[0] == "row":
            i = unknown[1]
            lines.append(([(i, j) for j in range(n_cols)], None))
            if problem.grand_known:
                lines.append(([("row", k) for k in range(n_rows)], None))
        elif unknown[0] == "col":
            j = unknown[1]
            lines.append(([(i, j) for i in range(n_rows)], None))
            if problem.grand_known:
                lines.append(([("col", k) for k in range(n_cols)], None))
        else:
            i, j = unknown
            if problem.row_totals:
                lines.append(([(i, jj) for jj in range(n_cols)], ("row", i)))
            if problem.col_totals:
                lines.append(([(ii, j) for ii in range(n_rows)], ("col", j)))
            if problem.grand_known:
                lines.append(([(ii, jj) for ii in range(n_rows) for jj in range(n_cols)], None))
        candidates = []
        for members, total in lines:
            for member in members:
                if member != unknown and visible(member):
                    size = _value(counts, true_rows, true_cols, member)
                    kind = member[0] if member[0] in ("row", "col") else "cell"
                    candidates.append(
                        ((size == 0, size), (kind, member if kind == "cell" else member[1]))
                    )
            if hideable_total(total):
                candidates.append(((True, 10**9), total))
        candidates = sorted(dict.fromkeys(c for c in candidates), key=lambda c: c[0])
        # The smallest one whose hiding really protects this value (a sum through it may be
        # one that others already pin down), else the smallest.
        for _, target in candidates:
            cells, rows, cols = set(hidden), set(hidden_rows), set(hidden_cols)
            kind, index = target
            (cells if kind == "cell" else rows if kind == "row" else cols).add(index)
            if unknown not in problem.determined(cells, rows, cols):
                return target
        if candidates:
            return candidates[0][1]
    # Determined through a longer chain of sums: hide the smallest visible cell anywhere, then
    # look again (each round hides one more value, so this ends).
    shown = [(i, j) for i in range(n_rows) for j in range(n_cols) if (i, j) not in hidden]
    if shown:
        best = min(shown, key=lambda m: (counts[m[0]][m[1]] == 0, counts[m[0]][m[1]], m))
        return ("cell", best)
    for kind, count, hidden_set, allowed in (
        ("row", n_rows, hidden_rows, can_hide_rows),
        ("col", n_cols, hidden_cols, can_hide_cols),
    ):
        if allowed:
            for k in range(count):
                if k not in hidden_set:
                    return (kind, k)
    return None


def recoverable(
    protected: Protected,
    counts: list[list[int]],
    *,
    row_totals=True,
    col_totals=True,
    grand_known=True,
) -> set:
    """The hidden values (cells ``(i, j)``, totals ``("row", i)`` / ``("col", j)``) a reader
    could work out exactly from what ``protected`` publishes (and the grand total). Empty for a
    safely protected table. Used by the tests."""
    hidden = {
        (i, j) for i, row in enumerate(protected.cells) for j, v in enumerate(row) if v is None
    }
    hidden_rows = (
        {i for i, v in enumerate(protected.row_totals) if v is None} if row_totals else set()
    )
    hidden_cols = (
        {j for j, v in enumerate(protected.col_totals) if v is None} if col_totals else set()
    )
    problem = _Problem(counts, row_totals, col_totals, grand_known)
    return problem.determined(hidden, hidden_rows, hidden_cols)
