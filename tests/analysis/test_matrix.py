import numpy as np
import pytest

from deliberation.analysis.matrix import build_vote_matrix, sort_ids


def test_votes_are_stored_passes_explicitly_and_missing_not_at_all():
    # given
    votes = [(10, "b", 1), (10, "a", -1), (20, "a", 0)]

    # when
    m = build_vote_matrix(votes)

    # then
    assert m.participant_ids == (10, 20)
    assert m.claim_ids == ("a", "b")
    assert m.participant_index == {10: 0, 20: 1}
    assert m.claim_index == {"a": 0, "b": 1}
    assert m.nnz == 3
    assert m.votes.indptr.tolist() == [0, 2, 3]
    assert m.votes.indices.tolist() == [0, 1, 0]
    assert m.votes.data.tolist() == [-1.0, 1.0, 0.0]  # the pass is stored
    dense = m.dense()
    assert dense[0].tolist() == [-1.0, 1.0]
    assert dense[1, 0] == 0.0 and np.isnan(dense[1, 1])
    assert m.votes_per_participant().tolist() == [2, 1]


def test_the_last_vote_on_a_pair_wins():
    m = build_vote_matrix([(1, 1, 1), (1, 2, -1), (1, 1, 0), (1, 1, -1)])

    assert m.nnz == 2
    assert m.dense().tolist() == [[-1.0, -1.0]]


def test_integer_ids_sort_numerically_and_other_ids_keep_their_type():
    assert sort_ids([10, 9, 100]) == [9, 10, 100]
    assert sort_ids(["10", "9"]) == ["9", "10"]
    assert sort_ids(["b", "a10", "a9"]) == ["a10", "a9", "b"]

    m = build_vote_matrix([(100, 7, 1), (9, 7, 1), ("x", 7, -1)])
    assert m.participant_ids == (100, 9, "x")  # mixed: sorted by text
    assert m.dense()[:, 0].tolist() == [1.0, 1.0, -1.0]


def test_integer_fast_path_gives_the_same_matrix_as_the_generic_path():
    rng = np.random.default_rng(1)
    triples = [
        (int(p), int(c), int(v))
        for p, c, v in zip(
            rng.integers(0, 50, 400),
            rng.integers(0, 30, 400),
            rng.integers(-1, 2, 400),
            strict=True,
        )
    ]
    fast = build_vote_matrix(triples)
    generic = build_vote_matrix([(str(p), c, v) for p, c, v in triples])

    assert fast.participant_ids == tuple(sorted({p for p, _, _ in triples}))
    assert np.array_equal(fast.dense(missing=9), generic.dense(missing=9))


def test_moderated_out_columns_are_zero_for_everyone_in_zeroed():
    # given claim 2 is moderated out; participant 3 never voted on it
    votes = [(1, 1, 1), (1, 2, -1), (2, 2, 1), (3, 1, -1)]

    # when
    m = build_vote_matrix(votes, moderated_out=[2, 99])

    # then the raw votes are kept, and zeroed() has the whole column at 0
    assert m.moderated.tolist() == [False, True]
    assert m.dense(missing=9).tolist() == [[1, -1], [9, 1], [-1, 9]]
    zeroed = m.zeroed()
    assert zeroed.nnz == 5  # three stored zeros in column 2, incl. the missing
    assert zeroed.toarray().tolist() == [[1, 0], [0, 0], [-1, 0]]
    assert zeroed.indices[zeroed.indptr[2] : zeroed.indptr[3]].tolist() == [0, 1]


def test_listed_claims_and_participants_without_votes_get_an_index():
    m = build_vote_matrix([(1, 5, 1)], claim_ids=[5, 3], participant_ids=[2])

    assert m.claim_ids == (3, 5)
    assert m.participant_ids == (1, 2)
    assert m.shape == (2, 2)
    assert m.votes_per_participant().tolist() == [1, 0]


def test_no_votes_gives_an_empty_matrix():
    m = build_vote_matrix([])

    assert m.shape == (0, 0)
    assert m.nnz == 0


@pytest.mark.parametrize("bad", [2, 0.5, "1", None])
def test_a_vote_that_is_not_minus_one_zero_or_one_is_refused(bad):
    with pytest.raises(ValueError):
        build_vote_matrix([(1, 1, 1), (2, 1, bad)])


def test_triples_of_the_wrong_length_are_refused():
    with pytest.raises(ValueError, match="triples"):
        build_vote_matrix([(1, 1, 1), (2, 1)])
