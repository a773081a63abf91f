"""Disclosure control: small counts hidden, and secondary suppression so that no hidden cell
can be worked out from the published totals, proved on random tables (seeded, so a failure can
be replayed) and on hand-made ones."""

from __future__ import annotations

import random

import pytest

from forms_app.reports.disclosure import DisclosureError, Policy, protect, recoverable

SEED = 20250401


def _random_table(rng: random.Random):
    rows, cols = rng.randint(1, 6), rng.randint(1, 5)
    pool = [0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 9, 12, 30, 80]
    counts = [[rng.choice(pool + [rng.randint(0, 500)]) for _ in range(cols)] for _ in range(rows)]
    shape = {
        "row_totals": rng.random() < 0.8,
        "col_totals": rng.random() < 0.8,
        "grand_known": rng.random() < 0.8,
    }
    shape["fixed_cols"] = shape["col_totals"] and rng.random() < 0.5
    return counts, shape


def test_a_small_count_beside_its_total_cannot_be_found_by_subtraction():
    # Service counts in a year, with the whole organisation's total published elsewhere.
    counts = [[40], [3], [25], [0]]
    shown = protect(counts, Policy(), row_totals=False, col_totals=True, fixed_cols=True)
    cells = [row[0] for row in shown.cells]
    assert cells[1] is None  # the 3
    assert cells[2] is None  # the next smallest, or 68 - 40 - 0 = 28 would give the 3 away
    assert cells[0] == 40 and cells[3] == 0
    assert shown.col_totals == [68]
    assert recoverable(shown, counts, row_totals=False, col_totals=True) == set()


def test_a_two_by_two_table_with_margins_hides_all_four():
    counts = [[3, 10], [20, 30]]
    shown = protect(counts, Policy())
    assert shown.cells == [[None, None], [None, None]]
    assert shown.row_totals == [13, 50] and shown.col_totals == [23, 40]
    assert recoverable(shown, counts) == set()


def test_small_totals_below_the_whole_organisation_are_hidden_too():
    counts = [[1, 0, 0], [9, 12, 30]]
    shown = protect(counts, Policy(), row_totals=True, col_totals=True, fixed_cols=True)
    assert shown.row_totals[0] is None  # a service with one complaint at this stage
    assert shown.cells[0][0] is None
    assert recoverable(shown, counts) == set()


def test_a_table_that_cannot_be_protected_is_withheld():
    # One service, so its column totals (published elsewhere) are its cells.
    shown = protect([[12, 30, 1]], Policy(), row_totals=False, col_totals=True, fixed_cols=True)
    assert not shown.publishable


@pytest.mark.parametrize("threshold", [4, 7])
def test_random_tables_never_show_or_give_away_a_small_count(threshold):
    """The "<5" rule: 0 cells in 1 to threshold, and no row or column where a hidden
    cell (or a hidden small total) can be worked out, by subtraction or any sum."""
    rng = random.Random(SEED + threshold)
    policy = Policy(threshold)
    checked = 0
    for _ in range(150):
        counts, shape = _random_table(rng)
        shown = protect(counts, policy, **shape)
        if not shown.publishable:
            continue
        checked += 1
        for i, row in enumerate(counts):
            for j, value in enumerate(row):
                published = shown.cells[i][j]
                assert not (published is not None and 1 <= published <= threshold), (counts, i, j)
                assert published is None or published == value
        true_rows = [sum(row) for row in counts]
        true_cols = [sum(col) for col in zip(*counts, strict=True)]
        if shape["row_totals"]:
            assert all(v is None or not 1 <= v <= threshold for v in shown.row_totals)
        if shape["col_totals"] and not shape["fixed_cols"]:
            assert all(v is None or not 1 <= v <= threshold for v in shown.col_totals)
        found = recoverable(
            shown,
            counts,
            row_totals=shape["row_totals"],
            col_totals=shape["col_totals"],
            grand_known=shape["grand_known"],
        )
        for unknown in found:
            if unknown[0] == "row":
                assert not 1 <= true_rows[unknown[1]] <= threshold, (counts, shape, unknown)
            elif unknown[0] == "col":
                assert not 1 <= true_cols[unknown[1]] <= threshold, (counts, shape, unknown)
            else:
                pytest.fail(f"hidden cell {unknown} of {counts} can be worked out ({shape})")
    assert checked > 120


def test_the_nhs_rule_hides_one_to_seven_and_rounds_the_rest_to_five():
    """NHS Digital's rule: 0 cells in 1 to 7, every other cell a multiple of 5, 0 stays 0,
    totals added up from the unrounded counts and then rounded."""
    policy = Policy(7, "round", 5)
    rng = random.Random(SEED)
    for _ in range(300):
        counts, shape = _random_table(rng)
        shown = protect(counts, policy, **shape)
        for i, row in enumerate(counts):
            for j, value in enumerate(row):
                published = shown.cells[i][j]
                if value == 0:
                    assert published == 0
                elif value <= 7:
                    assert published is None
                else:
                    assert published % 5 == 0 and abs(published - value) <= 2
        if shape["col_totals"]:
            for j, total in enumerate(shown.col_totals):
                true = sum(row[j] for row in counts)
                if total is not None:
                    assert total % 5 == 0 and abs(total - true) <= 2.5
                else:
                    assert 1 <= true <= 7 and not shape["fixed_cols"]


def test_the_policy_comes_from_the_settings():
    assert Policy.from_settings({}) == Policy(4, "suppress")
    assert Policy.from_settings({"reports": {"suppress_up_to": 7, "round_to": 5}}) == Policy(
        7, "round", 5
    )
    with pytest.raises(DisclosureError):
        Policy.from_settings({"reports": {"suppress_up_to": 9}})
    with pytest.raises(DisclosureError):
        Policy.from_settings({"reports": {"suppress_up_to": "four"}})
    assert "1 to 4" in Policy().describe("en") and "1 i 4" in Policy().describe("cy")


def test_the_check_finds_a_cell_that_primary_suppression_alone_gives_away():
    """Negative control: without secondary suppression the 3 is total - 40 - 25 - 0."""
    from forms_app.reports.disclosure import Protected

    counts = [[40], [3], [25], [0]]
    naive = Protected([[40], [None], [25], [0]], [None] * 4, [68], 68)
    assert recoverable(naive, counts, row_totals=False, col_totals=True) == {(1, 0)}
    # And through a longer chain: a 2 x 2 table with margins and one cell hidden.
    naive = Protected([[None, 10], [20, 30]], [13, 50], [23, 40], 63)
    assert (0, 0) in recoverable(naive, [[3, 10], [20, 30]])
