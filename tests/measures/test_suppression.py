"""Small-cell suppression, the pure rule (measures/charts/suppression.py; docs/disclosure.md §2, G13)."""

from collections import Counter
from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from measures.charts.suppression import Cell, hidden_cells, is_small

FIGURES: Counter[str] = Counter()


def SECURITY_FIGURES() -> list[str]:  # noqa: N802 (collected by tests/conftest.py)
    if not FIGURES:
        return []
    return [
        f"G13 suppression, pure rule: {FIGURES['tables']} random tables, {FIGURES['shown small']} shown cells "
        f"with counts 1-10, {FIGURES['derivable']} derivable small cells ({FIGURES['hidden']} cells hidden)"
    ]


def test_counts_from_one_to_the_threshold_are_small_and_zero_is_not():
    assert [is_small(Cell(n, 40), 10) for n in (0, 1, 10, 11)] == [False, True, True, False]
    assert is_small(Cell(25, 7), 10)  # a small denominator hides the month too
    assert not is_small(Cell(None, None), 10)  # not reported
    assert not is_small(Cell(3, 8), 0)  # threshold 0: suppression off


def test_a_lone_hidden_cell_in_a_line_takes_the_next_smallest_with_it():
    cells = {"a": Cell(3, 20), "b": Cell(30, 50), "c": Cell(25, 40), "total": Cell(58, 110)}
    assert hidden_cells(cells, [["a", "b", "c", "total"]], 10) == {"a", "c"}


def test_nothing_is_hidden_when_no_count_is_small():
    cells = {"a": Cell(0, 20), "b": Cell(30, 50), "total": Cell(30, 70)}
    assert hidden_cells(cells, [["a", "b", "total"]], 10) == frozenset()


def test_a_small_total_hides_a_team_cell_so_it_cannot_be_added_up():
    cells = {"a": Cell(4, 0), "b": Cell(5, 0), "total": Cell(9, 0)}  # counts: numerator only
    assert hidden_cells(cells, [["a", "b", "total"]], 10) == {"a", "b", "total"}
    cells = {"a": Cell(0), "b": Cell(0), "c": Cell(3), "total": Cell(3)}
    assert hidden_cells(cells, [["a", "b", "c", "total"]], 10) == {"c", "total"}


def test_missing_months_are_never_chosen_as_complements():
    cells = {"a": Cell(3, 20), "b": Cell(None, None), "c": Cell(40, 60), "total": Cell(43, 80)}
    assert hidden_cells(cells, [["a", "b", "c", "total"]], 10) == {"a", "c"}


def test_the_viewers_own_team_is_never_hidden_from_them_nor_used_as_a_complement():
    cells = {"a": Cell(3, 20), "b": Cell(30, 50), "c": Cell(25, 40), "total": Cell(58, 110)}
    assert hidden_cells(cells, [["a", "b", "c", "total"]], 10, known={"c"}) == {"a", "b"}
    assert hidden_cells(cells, [["a", "b", "c", "total"]], 10, known={"a"}) == frozenset()


def test_hidden_cells_whose_numerators_sum_to_zero_take_a_complement_as_the_sum_would_pin_them():
    """a + b = 0 with counts ≥ 0 has one solution: both numerators 0 (issue 19, finding 1)."""
    cells = {"a": Cell(0, 5), "b": Cell(0, 3), "c": Cell(30, 50), "d": Cell(40, 60), "total": Cell(70, 118)}
    assert hidden_cells(cells, [["a", "b", "c", "d", "total"]], 10, ratio_max=Fraction(1)) == {"a", "b", "c"}


def test_hidden_proportions_at_their_ceiling_take_a_complement_as_the_sums_would_pin_their_rates():
    """n_a + n_b = d_a + d_b with n ≤ d pins both rates at 100%."""
    cells = {"a": Cell(5, 5), "b": Cell(4, 4), "c": Cell(30, 50), "total": Cell(39, 59)}
    assert hidden_cells(cells, [["a", "b", "c", "total"]], 10, ratio_max=Fraction(1)) == {"a", "b", "c"}
    # A count has no ceiling: 5 + 4 = 9 leaves ten solutions.
    counts_only = {k: Cell(c.numerator) for k, c in cells.items()}
    assert hidden_cells(counts_only, [["a", "b", "c", "total"]], 10) == {"a", "b"}


def test_a_lone_hidden_cell_with_no_shown_cell_beside_it_hides_the_total():
    cells = {"a": Cell(3, 20), "b": Cell(None, None), "total": Cell(3, 20)}
    assert hidden_cells(cells, [["a", "b", "total"]], 10) == {"a", "total"}
    cells = {"a": Cell(3, 20), "b": Cell(30, 40), "total": Cell(33, 60)}
    assert hidden_cells(cells, [["a", "b", "total"]], 10, known={"b"}) == {"a", "total"}


def _derived(lines: list[list], hidden: frozenset) -> list:
    """Hidden cells a reader could solve for from the shown cells and the line sums (linear algebra)."""
    unknowns = sorted(hidden, key=str)
    if not unknowns:
        return []
    column = {k: i for i, k in enumerate(unknowns)}
    rows = []
    for line in lines:
        row = np.zeros(len(unknowns))
        for k in line:
            if k in column:
                row[column[k]] = -1.0 if k == line[-1] else 1.0
        rows.append(row)
    a = np.array(rows) if rows else np.zeros((0, len(unknowns)))
    rank = np.linalg.matrix_rank(a) if len(a) else 0
    solvable = []
    for i, key in enumerate(unknowns):
        unit = np.zeros(len(unknowns))
        unit[i] = 1.0
        if np.linalg.matrix_rank(np.vstack([a, unit])) == rank:
            solvable.append(key)
    return solvable


def _private_part(key: tuple, cells: dict, lines: list[list], known: set) -> int:
    """What solving for `key` tells the viewer about others: a team's count, or a total less the viewer's own."""
    if key[0] == "team":
        return cells[key].numerator
    line = next(line for line in lines if line[-1] == key)
    return cells[key].numerator - sum(cells[k].numerator for k in line if k in known)


counts = st.one_of(st.none(), st.integers(0, 14), st.integers(15, 80))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(counts, min_size=1, max_size=4), min_size=1, max_size=7),
    st.lists(st.integers(0, 1), min_size=7, max_size=7),
    st.integers(-1, 6),
)
def test_no_small_count_is_shown_and_no_hidden_cell_can_be_derived(table, awardee_of, own_team):
    """Teams × months with a collaborative total per month and two awardee subtotals, as on the pages,
    seen by a viewer who holds one team's cells exactly (own_team; -1: none)."""
    months = max(len(row) for row in table)
    cells, lines = {}, []
    for month in range(months):
        parts = {t: row[month] for t, row in enumerate(table) if month < len(row) and row[month] is not None}
        for t, n in parts.items():
            cells["team", t, month] = Cell(n)
        if parts:
            cells["total", "all", month] = Cell(sum(parts.values()))
            lines.append([("team", t, month) for t in parts] + [("total", "all", month)])
        for awardee in (0, 1):
            mine = {t: n for t, n in parts.items() if awardee_of[t] == awardee}
            if mine:
                cells["total", awardee, month] = Cell(sum(mine.values()))
                lines.append([("team", t, month) for t in mine] + [("total", awardee, month)])
    known = {k for k in cells if k[:2] == ("team", own_team)}
    known |= {line[-1] for line in lines if all(k in known for k in line[:-1])}  # a sum of own months only
    hidden = hidden_cells(cells, lines, 10, known)
    assert not hidden & known
    shown_small = [k for k, c in cells.items() if k not in hidden | known and 1 <= c.numerator <= 10]
    derivable = len([k for k in _derived(lines, hidden) if 1 <= _private_part(k, cells, lines, known) <= 10])
    FIGURES.update(
        {"tables": 1, "shown small": len(shown_small), "derivable": derivable, "hidden": len(hidden)}
    )
    assert shown_small == []
    assert derivable == 0
