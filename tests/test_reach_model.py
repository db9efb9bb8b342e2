"""Reach: small-number suppression never shows 1-4 and never lets a hidden count be worked out."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from models import Participant, Role
from models.reach import (
    AGE_BAND,
    ETHNIC_ANSWERS,
    ETHNIC_GROUP,
    ETHNIC_GROUPS,
    FEW,
    HIDDEN,
    NOT_GIVEN,
    POSTCODE_DISTRICT,
    PREFER_NOT,
    ReachAnswerError,
    check_answer,
    determined,
    lines_of,
    reach_table,
    reach_view,
    suppress,
    with_totals,
)

# Small counts are the interesting ones: weight them up.
counts = st.one_of(st.sampled_from([0, 1, 2, 3, 5, 6, 7, 8, 10, 20]), st.integers(0, 30))
tables = st.integers(1, 5).flatmap(
    lambda rows: st.integers(1, 5).flatmap(
        lambda cols: st.lists(
            st.lists(counts, min_size=cols, max_size=cols), min_size=rows, max_size=rows
        )
    )
)


#: Every line holds two or more hidden cells after the "next smallest" rule, yet
#: sums across several lines still work one out: the exact check hides more.
TWO_PER_LINE_IS_NOT_ENOUGH = [[20, 8, 1, 20], [3, 2, 7, 10], [6, 2, 2, 20], [1, 5, 8, 2]]


def recoverable(shape: tuple[int, int], hidden: set[tuple[int, int]]) -> list[tuple[int, int]]:
    """Brute-force linear check, independent of the model's: which hidden entries are fixed.

    Every line's entries add up to its total. With the shown entries known, a
    hidden entry is fixed exactly when adding its unit vector to the equation
    matrix (over the hidden entries) does not raise the matrix's rank.
    """
    order = sorted(hidden)
    if not order:
        return []
    matrix = []
    for line in lines_of(*shape):
        *members, total = line
        row = [0.0] * len(order)
        for k, p in enumerate(order):
            if p in members:
                row[k] = 1.0
            elif p == total:
                row[k] = -1.0
        matrix.append(row)
    a = np.array(matrix)
    rank = np.linalg.matrix_rank(a)
    fixed = []
    for k, p in enumerate(order):
        unit = np.zeros(len(order))
        unit[k] = 1.0
        if np.linalg.matrix_rank(np.vstack([a, unit])) == rank:
            fixed.append(p)
    return fixed


@settings(max_examples=300, deadline=None)
@given(tables)
@example(TWO_PER_LINE_IS_NOT_ENOUGH)
def test_no_small_count_shows_and_no_hidden_one_can_be_worked_out(table: list[list[int]]) -> None:
    result = suppress(table)
    full = with_totals(table)
    shape = (len(full), len(full[0]))
    for i, row in enumerate(result.shown):
        for j, text in enumerate(row):
            value = full[i][j]
            if 1 <= value <= 4:
                assert text == FEW
            elif (i, j) in result.hidden:
                assert text == HIDDEN
            else:
                assert text == str(value)
    assert recoverable(shape, set(result.hidden)) == []


@settings(max_examples=150, deadline=None)
@given(st.integers(2, 5), st.integers(2, 5), st.data())
def test_the_loop_rule_agrees_with_linear_algebra(
    height: int, width: int, data: st.DataObject
) -> None:
    # The model finds fixed entries as bridges of the graph of hidden entries;
    # linear algebra on the sums (this file's check) must find exactly the same.
    every = [(i, j) for i in range(height) for j in range(width)]
    hidden = set(data.draw(st.lists(st.sampled_from(every), unique=True)))
    assert determined(hidden) == recoverable((height, width), hidden)


def test_the_recoverable_check_finds_a_lone_hidden_cell() -> None:
    # The check in this file must be able to fail: one hidden cell in a row with
    # its total shown is worked out by subtraction.
    assert recoverable((2, 3), {(0, 0)}) == [(0, 0)]
    # Two in a row are, in a 2 x 2 table, through their column totals.
    assert recoverable((3, 3), {(0, 0), (0, 1)}) == [(0, 0), (0, 1)]
    # A 2 x 2 square of hidden cells is not: any of them could be one more or less.
    assert recoverable((3, 3), {(0, 0), (0, 1), (1, 0), (1, 1)}) == []


def test_two_hidden_per_line_is_not_always_enough() -> None:
    result = suppress(TWO_PER_LINE_IS_NOT_ENOUGH)
    assert recoverable((5, 5), set(result.hidden)) == []


def people(answers: list[str], attribute: str = AGE_BAND) -> list[Participant]:
    return [
        Participant(id=f"p-{n}", pseudonym=f"P{n}", reach={attribute: a} if a else {})
        for n, a in enumerate(answers)
    ]


def test_reach_table_counts_suppresses_and_marks_under_reached() -> None:
    crowd = people(["25-34"] * 12 + ["45-54"] * 20 + ["16-24"] * 2 + [PREFER_NOT] * 6 + [""] * 7)
    # A facilitator is not someone the consultation reaches.
    crowd.append(Participant(id="p-f", pseudonym="Lead", role=Role.FACILITATOR,
                             reach={AGE_BAND: "16-24"}))
    table = reach_table(AGE_BAND, crowd, {"16-24": 20.0, "45-54": 30.0, "25-34": 40.0})
    shown = {row.category: row for row in table.rows}
    assert table.total == "47"
    assert shown["16-24"].count == FEW and shown["16-24"].share == ""
    # 4 of 47 would still be under 0.8 x 20%: under-reached without saying how many.
    assert shown["16-24"].under_reached
    assert shown["45-54"].count == "20" and shown["45-54"].share == "43%"
    assert not shown["45-54"].under_reached
    assert shown["25-34"].under_reached  # 26% < 0.8 x 40%
    assert shown[NOT_GIVEN].count == "7"
    # Zeros are shown, and the one small count has a hidden partner.
    assert shown["75 or over"].count == "0"
    assert sum(row.count == HIDDEN for row in table.rows) == 1


def test_ethnic_groups_are_the_2021_census_categories_counted_by_group() -> None:
    assert len(ETHNIC_GROUPS) == 5
    assert sum(len(c) for c in ETHNIC_GROUPS.values()) == 19
    assert check_answer(ETHNIC_GROUP, "white: irish") == "White: Irish"
    crowd = people(["White: Irish"] * 3 + ["White: Roma"] * 3 + ["White"] * 2, ETHNIC_GROUP)
    rows = {r.category: r.count for r in reach_table(ETHNIC_GROUP, crowd).rows}
    assert rows["White"] == "8"
    assert len(ETHNIC_ANSWERS) == 24


def test_answers_are_checked() -> None:
    assert check_answer(POSTCODE_DISTRICT, " ls6 ") == "LS6"
    with pytest.raises(ReachAnswerError, match="district"):
        check_answer(POSTCODE_DISTRICT, "LS6 3QW")
    with pytest.raises(ReachAnswerError):
        check_answer(AGE_BAND, "about forty")
    assert check_answer(AGE_BAND, "prefer not to say") == PREFER_NOT


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["16-24", "25-34", "45-54", "75 or over", PREFER_NOT, ""]),
                max_size=40))
def test_no_reach_view_cell_shows_one_to_four(answers: list[str]) -> None:
    for table in reach_view(people(answers)):
        texts = [row.count for row in table.rows] + [table.total]
        assert not [t for t in texts if re.fullmatch(r"[1-4]", t)]
        # A share is only given beside a shown count.
        assert all(row.share == "" for row in table.rows if row.count in (FEW, HIDDEN))
