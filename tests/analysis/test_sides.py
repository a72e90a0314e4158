"""Opinion groups against assigned sides (pure)."""

import pytest

from deliberation.analysis.sides import compare_with_sides


def test_cross_table_agreement_and_ari():
    group_of = {1: 0, 2: 0, 3: 0, 4: 1, 5: 1, 6: 1, 7: 0}
    side_of = {1: "for", 2: "for", 3: "against", 4: "against", 5: "against"}
    side_of |= {6: "against", 8: "for"}  # 8 is not grouped, 7 has no side
    result = compare_with_sides(group_of, side_of)
    assert result.sides == ["against", "for"]
    assert result.groups == [0, 1]
    assert [[result.count(g, s) for s in result.sides] for g in result.groups] == [
        [1, 2],
        [3, 0],
    ]
    assert (result.compared, result.with_their_side) == (6, 5)
    assert result.ari == pytest.approx(0.32432432432432434)


def test_groups_equal_to_sides_and_ties():
    perfect = compare_with_sides({1: 0, 2: 0, 3: 1}, {1: "b", 2: "b", 3: "a"})
    assert (perfect.with_their_side, perfect.ari) == (3, 1.0)
    # A group split evenly takes the first side in alphabetical order.
    tie = compare_with_sides({1: 0, 2: 0}, {1: "pro", 2: "con"})
    assert tie.with_their_side == 1
    nobody = compare_with_sides({1: 0}, {2: "pro"})
    assert (nobody.compared, nobody.with_their_side, nobody.ari) == (0, 0, None)
