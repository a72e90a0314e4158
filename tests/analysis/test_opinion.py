import math
import random

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

from deliberation.analysis import opinion
from deliberation.analysis.matrix import build_vote_matrix
from deliberation.analysis.opinion import (
    Z_90,
    centred_matrix,
    group_stats,
    in_conversation,
    opinion_groups,
    principal_components,
    project,
    project_claims,
    prop_test,
    select_consensus,
    select_repness,
    smoothed,
    two_prop_test,
    vote_counts,
)

# ------------------------------------------------------------------ z-tests


def test_z_90_is_the_one_sided_90_percent_critical_value():
    from scipy.stats import norm

    assert norm.ppf(0.9) == Z_90
    assert round(Z_90, 4) == 1.2816


@pytest.mark.parametrize(
    ("s", "n", "z"),
    [
        (3, 3, 2.0),  # 2 * sqrt(4) * (4/4 - 1/2)
        (0, 0, 1.0),  # 2 * sqrt(1) * (1/1 - 1/2)
        (1, 3, 0.0),
        (7, 8, 7 / 3),  # 2 * 3 * (8/9 - 1/2)
        (0, 4, -0.6 * math.sqrt(5)),
    ],
)
def test_prop_test(s, n, z):
    assert prop_test(s, n) == pytest.approx(z, abs=1e-15)


@pytest.mark.parametrize(
    ("args", "z"),
    [
        # +1 everywhere: p1 = 4/4, p2 = 2/4, pooled 6/8
        ((3, 1, 3, 3), 0.5 / math.sqrt(0.75 * 0.25 * (1 / 4 + 1 / 4))),
        ((0, 4, 4, 4), -0.8 / math.sqrt(0.6 * 0.4 * (1 / 5 + 1 / 5))),
        ((3, 3, 3, 3), 0.0),  # pooled proportion 1: the limit, 0
        ((0, 0, 4, 4), 0.0),
    ],
)
def test_two_prop_test(args, z):
    assert two_prop_test(*args) == pytest.approx(z, abs=1e-15)


def test_smoothed_proportion():
    assert smoothed(4, 4) == 5 / 6
    assert smoothed(0, 0) == 0.5


# ------------------------------------------------------- who is clustered


def test_in_conversation_needs_seven_votes_or_all_claims_when_fewer():
    counts = np.array([7, 6, 10, 0])

    assert in_conversation(counts, 20, min_participants=2).tolist() == [
        True,
        False,
        True,
        False,
    ]
    # with 3 claims, 3 votes are enough
    assert in_conversation(np.array([3, 2]), 3, min_participants=1).tolist() == [
        True,
        False,
    ]


def test_in_conversation_tops_up_to_fifteen_with_the_most_active():
    # 14 participants have 7+ votes; of the rest, the one with 6 joins
    counts = np.array([1, 2, 3, 4, 5, 6] + list(range(7, 21)))

    mask = in_conversation(counts, 50)

    assert mask.sum() == 15
    assert mask.tolist() == [False] * 5 + [True] * 15


def test_in_conversation_top_up_breaks_ties_by_row_and_skips_non_voters():
    counts = np.array([0] + [5] * 20)

    mask = in_conversation(counts, 50)

    assert np.flatnonzero(mask).tolist() == list(range(1, 16))
    assert in_conversation(np.array([0, 0, 1]), 50).tolist() == [False, False, True]


def test_participants_kept_in_are_clustered_whatever_their_count():
    counts = np.array([1, 9] + [8] * 20)
    keep = np.zeros(22, dtype=bool)
    keep[0] = True

    assert in_conversation(counts, 50, keep=keep).all()
    assert not in_conversation(counts, 50)[0]


# ------------------------------------------------------ PCA and projection


def random_votes(n_participants, n_claims, density, seed, *, groups=2):
    """Votes with planted groups; some participants vote little."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, groups, n_participants)
    rate = np.where(rng.random((groups, n_claims)) < 0.5, 0.15, 0.85)
    votes = []
    for u in range(n_participants):
        seen = rng.random(n_claims) < density * rng.uniform(0.2, 1.8)
        for c in np.flatnonzero(seen):
            r = rng.random()
            vote = 0 if r < 0.15 else (1 if rng.random() < rate[group[u], c] else -1)
            votes.append((u, int(c), vote))
    return votes, group


def dense_reference(matrix):
    """The pipeline of ANALYSIS.md written densely and naively."""
    x = matrix.zeroed().toarray()
    voted = np.zeros(matrix.shape, dtype=bool)
    zeroed = matrix.zeroed()
    for u in range(matrix.shape[0]):
        voted[u, zeroed.indices[zeroed.indptr[u] : zeroed.indptr[u + 1]]] = True
    centre = np.array(
        [
            x[voted[:, j], j].mean() if voted[:, j].any() else 0.0
            for j in range(x.shape[1])
        ]
    )
    imputed = np.where(voted, x, centre)
    centred = imputed - centre
    eigvals, eigvecs = np.linalg.eigh(centred.T @ centred)
    components = eigvecs[:, ::-1][:, :2].T
    for row in components:
        if row[np.argmax(np.abs(row))] < 0:
            row *= -1
    n_u = voted.sum(axis=1)
    scale = np.sqrt(x.shape[1] / np.maximum(n_u, 1))
    projections = np.array(
        [
            scale[u] * (centred[u, voted[u]] @ components[:, voted[u]].T)
            for u in range(x.shape[0])
        ]
    )
    return centre, components, projections


@pytest.mark.parametrize("dense_svd", [True, False])
def test_pca_and_projection_match_the_dense_formulas(monkeypatch, dense_svd):
    # given a matrix with a moderated-out claim
    if not dense_svd:
        monkeypatch.setattr(opinion, "DENSE_SVD_CELLS", 0)  # sparse svds path
    votes, _ = random_votes(120, 25, 0.4, seed=3)
    matrix = build_vote_matrix(votes, moderated_out=[4])

    # when
    centred, centre = centred_matrix(matrix)
    components = principal_components(centred)
    projections = project(matrix, centred, components)

    # then
    ref_centre, ref_components, ref_projections = dense_reference(matrix)
    assert np.allclose(centre, ref_centre, atol=1e-12)
    assert centre[4] == 0 and np.abs(components[:, 4]).max() < 1e-12
    assert np.allclose(components, ref_components, atol=1e-9)
    assert np.allclose(projections, ref_projections, atol=1e-9)


def test_projection_is_scaled_by_sqrt_of_claims_over_votes():
    # given: 10 claims, one moderated out (it counts as voted for everyone)
    votes, _ = random_votes(60, 10, 0.5, seed=5)
    matrix = build_vote_matrix(votes, moderated_out=[9])
    centred, _ = centred_matrix(matrix)
    components = principal_components(centred)

    # when
    projections = project(matrix, centred, components)

    # then p_u = sqrt(10 / n_u) * (centred row u) @ components.T
    raw = np.asarray(centred @ components.T)
    dense = matrix.dense()
    n_u = (~np.isnan(dense[:, :9])).sum(axis=1) + 1
    assert np.allclose(projections, raw * np.sqrt(10 / n_u)[:, None], atol=1e-12)


def test_claim_projection_is_a_participant_who_only_agreed_with_it():
    centre = np.array([0.5, -0.25, 0.0, 1.0])
    components = np.array([[0.5, 0.5, 0.5, 0.5], [0.1, -0.2, 0.3, -0.4]])

    claims = project_claims(centre, components)

    # sqrt(N / 1) * (1 - centre_j) * pc_j
    assert claims[0].tolist() == pytest.approx([2 * 0.5 * 0.5, 2 * 0.5 * 0.1])
    assert claims[1].tolist() == pytest.approx([2 * 1.25 * 0.5, 2 * 1.25 * -0.2])
    assert claims[3].tolist() == [0.0, 0.0]


# ----------------------------------------------------- k-means, silhouette


def blobs(n, seed):
    rng = np.random.default_rng(seed)
    centres = np.array([[0, 0], [4, 0], [0, 3], [5, 5]])
    return centres[rng.integers(0, 4, n)] + rng.normal(0, 1, (n, 2))


def test_silhouettes_equal_scikit_learns():
    points = blobs(700, seed=1)
    labelings = [opinion.kmeans(points, k) for k in (2, 3, 4, 5)]

    ours = opinion.silhouette_scores(points, labelings)

    expected = [silhouette_score(points, labels) for labels in labelings]
    assert ours == pytest.approx(expected, abs=1e-6)


def test_a_near_tie_for_best_silhouette_is_decided_in_float64():
    points = blobs(700, seed=1)
    best = opinion.kmeans(points, 4)

    ours = opinion.silhouette_scores(points, [opinion.kmeans(points, 2), best, best])

    assert (
        ours[1] == ours[2] == pytest.approx(silhouette_score(points, best), abs=1e-12)
    )


def test_silhouette_of_one_point_clusters_is_zero_as_in_scikit_learn():
    points = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0]])
    labels = np.array([0, 0, 1])

    assert opinion.silhouette_scores(points, [labels]) == pytest.approx(
        [silhouette_score(points, labels)]
    )


@pytest.mark.parametrize("k", [2, 3, 4, 5])
def test_kmeans_equals_scikit_learns_lloyd_from_the_same_start(k):
    points = blobs(500, seed=k)

    ours = opinion.kmeans(points, k)

    theirs = KMeans(
        n_clusters=k, init=opinion.polis_init(points, k), n_init=1, algorithm="lloyd"
    ).fit(points)
    assert ours.tolist() == theirs.labels_.tolist()


def test_polis_init_takes_the_first_distinct_points_in_sorted_order():
    points = np.array([[2.0, 1.0], [0.0, 5.0], [0.0, 5.0], [0.0, -1.0]])

    assert opinion.polis_init(points, 2).tolist() == [[0.0, -1.0], [0.0, 5.0]]


def test_choose_groups_keeps_the_best_silhouette_and_the_smaller_k_on_a_tie(
    monkeypatch,
):
    points = blobs(200, seed=2)
    monkeypatch.setattr(
        opinion, "silhouette_scores", lambda p, labelings: [0.3, 0.5, 0.5, 0.1]
    )

    labels, scores = opinion.choose_groups(points)

    assert scores == {2: 0.3, 3: 0.5, 4: 0.5, 5: 0.1}
    assert labels.max() + 1 == 3


def test_one_distinct_point_makes_one_group_and_k_stays_below_n():
    labels, scores = opinion.choose_groups(np.array([[1.0, 1.0], [1.0, 1.0]]))
    assert labels.tolist() == [0, 0]
    assert scores == {}

    labels, scores = opinion.choose_groups(np.array([[1.0, 1], [1, 1], [2, 2]]))
    assert labels.tolist() == [0, 0, 1]
    assert list(scores) == [2]


# --------------------------------------------- repness, consensus and GAC

# Participants 1-4 form group 0, 5-8 group 1. Claim A splits the groups, B is
# agreed by all, C: 1 and 2 agree, 3 and 4 pass, 5 disagrees; D: everyone
# disagrees except 5.
HAND_VOTES = (
    [(u, "A", 1) for u in (1, 2, 3, 4)]
    + [(u, "A", -1) for u in (5, 6, 7, 8)]
    + [(u, "B", 1) for u in range(1, 9)]
    + [(1, "C", 1), (2, "C", 1), (3, "C", 0), (4, "C", 0), (5, "C", -1)]
    + [(u, "D", -1) for u in (1, 2, 3, 4, 6, 7, 8)]
    + [(5, "D", 1)]
)
HAND_LABELS = np.array([0, 0, 0, 0, 1, 1, 1, 1])


def hand_stats(matrix):
    return group_stats(*vote_counts(matrix, np.arange(8), HAND_LABELS, 2))


def test_repness_statistics_by_hand():
    stats = hand_stats(build_vote_matrix(HAND_VOTES))
    a, c = 0, 2  # columns of claims A and C

    # group 0 on A: 4 of 4 agree; the rest (group 1): 0 of 4 agree, 4 disagree
    assert stats.na[0, a] == 4 and stats.nd[0, a] == 0 and stats.ns[0, a] == 4
    assert stats.pa[0, a] == 5 / 6 and stats.pd[0, a] == 1 / 6
    assert stats.pat[0, a] == pytest.approx(math.sqrt(5))
    assert stats.pdt[0, a] == pytest.approx(-0.6 * math.sqrt(5))
    assert stats.ra[0, a] == pytest.approx(5.0)  # (5/6) / ((0+1)/(4+2))
    assert stats.rd[0, a] == pytest.approx(0.2)  # (1/6) / ((4+1)/(4+2))
    z = 0.8 / math.sqrt(0.6 * 0.4 * 0.4)
    assert stats.rat[0, a] == pytest.approx(z)
    assert stats.rdt[0, a] == pytest.approx(-z)
    # group 1 on C: 1 disagree of 1 vote; the rest: 2 agree, 0 disagree, 4 votes
    assert (stats.na[1, c], stats.nd[1, c], stats.ns[1, c]) == (0, 1, 1)
    assert stats.pd[1, c] == pytest.approx(2 / 3)
    assert stats.pdt[1, c] == pytest.approx(math.sqrt(2))
    assert stats.rd[1, c] == pytest.approx(4.0)  # (2/3) / ((0+1)/(4+2))
    assert stats.rdt[1, c] == pytest.approx(0.8 / math.sqrt(3 / 7 * 4 / 7 * 0.7))


def test_repness_selection_by_hand():
    matrix = build_vote_matrix(HAND_VOTES)

    repness = select_repness(hand_stats(matrix), matrix.claim_ids, matrix.moderated)

    # group 0: A is both the best agree and the only significant claim
    [a0] = repness[0]
    assert (a0.claim, a0.direction, a0.best_agree) == ("A", "agree", True)
    assert (a0.n_success, a0.n_trials, a0.n_agree) == (4, 4, 4)
    assert a0.repness == pytest.approx(5.0)
    # group 1: B is its best agree (listed first; rat = rdt = 0 so its
    # statistics are the disagree ones, as in Pol.is), then A and C, which
    # pass on disagreement, by repness * repness_test * p * p_test
    assert [(e.claim, e.direction, e.best_agree) for e in repness[1]] == [
        ("B", "disagree", True),
        ("A", "disagree", False),
        ("C", "disagree", False),
    ]
    b1, a1, c1 = repness[1]
    assert b1.n_agree == 4 and b1.n_success == 0
    metric_a = 5 * (0.8 / math.sqrt(0.096)) * (5 / 6) * math.sqrt(5)
    metric_c = 4 * (0.8 / math.sqrt(3 / 7 * 4 / 7 * 0.7)) * (2 / 3) * math.sqrt(2)
    assert a1.repness * a1.repness_test * a1.p_success * a1.p_test == pytest.approx(
        metric_a
    )
    assert c1.repness * c1.repness_test * c1.p_success * c1.p_test == pytest.approx(
        metric_c
    )


def test_repness_keeps_five_and_puts_agrees_before_disagrees():
    # given 8 claims that split two groups of 10, alternating in direction
    votes = []
    for j in range(8):
        sign = 1 if j % 2 else -1
        votes += [(u, j, sign) for u in range(10)]
        votes += [(u, j, -sign) for u in range(10, 20)]
    matrix = build_vote_matrix(votes)
    labels = np.array([0] * 10 + [1] * 10)
    stats = group_stats(*vote_counts(matrix, np.arange(20), labels, 2))

    repness = select_repness(stats, matrix.claim_ids, matrix.moderated)

    for entries in repness.values():
        assert len(entries) == 5
        directions = [e.direction for e in entries]
        assert directions == sorted(directions)  # "agree" < "disagree"
        assert entries[0].best_agree


def test_consensus_by_hand():
    matrix = build_vote_matrix(HAND_VOTES)
    na, nd, ns = vote_counts(matrix, np.arange(8), np.zeros(8, dtype=int), 1)

    consensus = select_consensus(
        na[0], nd[0], ns[0], matrix.claim_ids, matrix.moderated
    )

    # B: 8 of 8 agree, pa = 9/10, pat = 2 * 3 * (9/9 - 1/2) = 3
    [b] = consensus["agree"]
    assert (b.claim, b.n_success, b.n_trials) == ("B", 8, 8)
    assert (b.p_success, b.p_test) == pytest.approx((0.9, 3.0))
    # D: 7 of 8 disagree, pd = 8/10, pdt = 2 * 3 * (8/9 - 1/2) = 7/3
    [d] = consensus["disagree"]
    assert (d.claim, d.n_success, d.n_trials) == ("D", 7, 8)
    assert (d.p_success, d.p_test) == pytest.approx((0.8, 7 / 3))
    # A is split (pa = pd = 1/2, not above 1/2): in neither list


def test_consensus_and_repness_leave_moderated_out_claims_aside():
    matrix = build_vote_matrix(HAND_VOTES, moderated_out=["A", "B", "D"])
    na, nd, ns = vote_counts(matrix, np.arange(8), np.zeros(8, dtype=int), 1)

    consensus = select_consensus(
        na[0], nd[0], ns[0], matrix.claim_ids, matrix.moderated
    )
    repness = select_repness(hand_stats(matrix), matrix.claim_ids, matrix.moderated)

    assert consensus == {"agree": [], "disagree": []}
    assert {e.claim for entries in repness.values() for e in entries} == {"C"}


def test_group_informed_consensus_by_hand():
    stats = hand_stats(build_vote_matrix(HAND_VOTES))

    gac = stats.pa.prod(axis=0)

    # product over groups of (agrees + 1) / (votes + 2)
    assert gac.tolist() == pytest.approx(
        [5 / 6 * 1 / 6, 5 / 6 * 5 / 6, 3 / 6 * 1 / 3, 1 / 6 * 2 / 6]
    )


# --------------------------------------------------------------- pipeline


def test_opinion_groups_recovers_planted_groups_and_is_reproducible():
    from sklearn.metrics import adjusted_rand_score

    # given
    votes, planted = random_votes(300, 40, 0.5, seed=11)
    shuffled = votes[:]
    random.Random(0).shuffle(shuffled)

    # when
    first = opinion_groups(build_vote_matrix(votes))
    again = opinion_groups(build_vote_matrix(votes))
    reordered = opinion_groups(build_vote_matrix(shuffled))

    # then
    clustered = first.in_conversation
    assert adjusted_rand_score(planted[clustered], first.labels[clustered]) > 0.9
    assert first.labels.tolist() == again.labels.tolist()
    assert first.labels.tolist() == reordered.labels.tolist()
    assert np.array_equal(first.projections, reordered.projections)
    assert first.groups == again.groups
    assert (first.labels[~clustered] == -1).all()


def test_opinion_groups_gac_is_over_clustered_members():
    votes, _ = random_votes(80, 12, 0.6, seed=2)
    result = opinion_groups(build_vote_matrix(votes))

    stats = group_stats(
        *vote_counts(
            result.matrix,
            np.flatnonzero(result.in_conversation),
            result.labels[result.in_conversation],
            result.k,
        )
    )
    assert np.allclose(result.gac, stats.pa.prod(axis=0))
    assert np.allclose(result.gac_disagree, stats.pd.prod(axis=0))


# ------------------------------------------- small conversations (issue 21)


@pytest.mark.parametrize(
    ("n", "cap"),
    [(0, 2), (6, 2), (11, 2), (12, 3), (23, 3), (24, 4), (36, 5), (900, 5)],
)
def test_k_cap_is_polis_min_5_2_plus_n_over_12(n, cap):
    assert opinion.k_cap(n) == cap


def test_a_class_of_ten_gets_two_groups_at_most():
    # given: ten points in five tight, far-apart pairs (k = 5 would fit best)
    points = np.array(
        [[x, y] for x, y in [(0, 0), (10, 0), (0, 10), (10, 10), (5, 20)]] * 2,
        dtype=float,
    )
    points[5:] += 0.01

    # when
    labels, scores = opinion.choose_groups(points)

    # then
    assert list(scores) == [2]
    assert labels.max() + 1 == 2


def test_six_participants_are_never_split_into_four_groups():
    # The case: six people whose votes once gave groups of 1, 1, 2, 2.
    rng = np.random.default_rng(3)
    for _ in range(20):
        votes = [
            (u, c, int(rng.choice([-1, 0, 1]))) for u in range(6) for c in range(8)
        ]
        assert opinion_groups(build_vote_matrix(votes)).k <= 2


def test_when_nobody_differs_there_is_no_axis_and_no_extremity():
    # given: everyone passes on everything
    votes = [(u, c, 0) for u in range(5) for c in range(4)]

    # when
    result = opinion_groups(build_vote_matrix(votes))

    # then
    assert result.components.tolist() == [[0.0] * 4, [0.0] * 4]
    assert result.extremity.tolist() == [0.0] * 4
    assert result.k == 1
    assert [a.tolist() for a in result.claim_votes] == [[0] * 4, [0] * 4, [5] * 4]


def test_small_groups_are_numbered_last_and_counted_apart():
    labels = np.array([0, 1, 1, 1, 2, 2, 2])
    relabelled, large = opinion.small_groups_last(labels, 3, 3)
    assert relabelled.tolist() == [2, 0, 0, 0, 1, 1, 1]
    assert large == 2
    same, large = opinion.small_groups_last(labels, 3, 1)
    assert same.tolist() == labels.tolist() and large == 3


def test_opinion_groups_puts_a_two_person_camp_last():
    # given: two agree with claims 0-3 (they come first in every order),
    # five others disagree
    votes = [
        (u, c, (1 if u < 2 else -1) if c < 4 else (-1 if u < 2 else 1))
        for u in range(7)
        for c in range(8)
    ]
    matrix = build_vote_matrix(votes)

    # when
    plain = opinion_groups(matrix)
    ordered = opinion_groups(matrix, min_group_size=3)

    # then: the same two groups; the camp of two is group 1 when it is small
    assert sorted(map(sorted, plain.groups.values())) == [[0, 1], [2, 3, 4, 5, 6]]
    assert ordered.groups == {0: [2, 3, 4, 5, 6], 1: [0, 1]}
    assert (plain.large_groups, ordered.large_groups) == (2, 1)
    assert ordered.repness[1][0].claim == plain.repness[plain.labels[0]][0].claim


# ----------------------------------------------- Pol.is-faithful mode


def test_k_smoother_switches_after_four_wins_in_a_row():
    state = opinion.KSmoothing(k=2, candidate=2, wins=0)
    seen = []
    for best in [3, 3, 2, 3, 3, 3, 3, 4]:
        state = state.update(best)
        seen.append((state.k, state.candidate, state.wins))
    assert seen == [
        (2, 3, 1),
        (2, 3, 2),
        (2, 2, 0),  # the k in use won: the count starts again
        (2, 3, 1),
        (2, 3, 2),
        (2, 3, 3),
        (3, 3, 0),  # fourth win in a row: switch
        (3, 4, 1),
    ]


def test_weighted_silhouette_is_the_silhouette_of_the_expanded_points():
    centres = np.array([[0.0, 0.0], [1.0, 0.5], [6.0, 6.0], [7.0, 5.0], [3.0, 3.0]])
    weights = np.array([3.0, 1.0, 4.0, 2.0, 1.0])
    labels = np.array([0, 0, 1, 1, 0])
    expanded = np.repeat(centres, weights.astype(int), axis=0)
    expanded_labels = np.repeat(labels, weights.astype(int))

    ours = opinion.weighted_silhouette(centres, weights, labels)

    assert ours == pytest.approx(silhouette_score(expanded, expanded_labels), abs=1e-12)


def test_polis_groups_cluster_base_clusters_and_keep_the_smoothed_k():
    # given: four blobs of 600 points: 100 base clusters, up to 5 groups
    points = blobs(600, seed=4)

    # when
    labels, scores, state = opinion.polis_groups(points)
    held, _, held_state = opinion.polis_groups(
        points, smoothing=opinion.KSmoothing(k=2, candidate=2, wins=0)
    )

    # then
    best = max(scores, key=scores.get)
    assert list(scores) == [2, 3, 4, 5]
    assert labels.max() + 1 == best == state.k
    assert held.max() + 1 == 2 and held_state == opinion.KSmoothing(2, best, 1)


def test_threaded_distance_sums_equal_the_single_threaded_ones(monkeypatch):
    points = blobs(700, seed=5)
    labelings = [opinion.kmeans(points, k) for k in (2, 3)]
    single = opinion.silhouette_scores(points, labelings)

    monkeypatch.setattr(opinion, "THREADED_SILHOUETTE_POINTS", 0)
    threaded = opinion.silhouette_scores(points, labelings)

    assert threaded == pytest.approx(single, abs=1e-12)
    assert single == pytest.approx(
        [silhouette_score(points, labels) for labels in labelings], abs=1e-6
    )
