import numpy as np
import pytest
from scipy.stats import spearmanr

from deliberation.analysis import bridging
from deliberation.analysis.bridging import BridgingFit, Ratings, fit_als, fit_gradient
from deliberation.analysis.matrix import build_vote_matrix

KINDS = ["common"] * 4 + ["divisive"] * 8 + ["unpopular"] * 4 + ["mild"] * 4


def planted_votes(seed=4, n_participants=200):
    """Two sides; 'common' claims both agree with, 'divisive' ones split
    them, 'unpopular' ones both reject, 'mild' ones get 60 % agreement."""
    rng = np.random.default_rng(seed)
    side = rng.integers(0, 2, n_participants)
    votes = []
    for c, kind in enumerate(KINDS):
        for u in range(n_participants):
            if rng.random() < 0.3:
                continue
            p = {"common": 0.92, "unpopular": 0.15, "mild": 0.6}.get(
                kind, 0.9 if side[u] == 0 else 0.1
            )
            vote = 0 if rng.random() < 0.1 else (1 if rng.random() < p else -1)
            votes.append((u, c, vote))
    return votes


def explicit_loss(r: Ratings, mu, iu, fu, ic, fc):
    """The loss of ANALYSIS.md, written out."""
    pred = mu + iu[r.rows] + ic[r.cols] + fu[r.rows] * fc[r.cols]
    users = np.unique(r.rows)
    claims = np.unique(r.cols)
    return (
        np.mean((r.values - pred) ** 2)
        + 0.15 * (np.mean(iu[users] ** 2) + np.mean(ic[claims] ** 2) + mu**2)
        + 0.03 * (np.mean(fu[users] ** 2) + np.mean(fc[claims] ** 2))
    )


def test_ratings_are_decided_votes_on_claims_still_in():
    matrix = build_vote_matrix(
        [(1, "a", 1), (1, "b", 0), (2, "a", -1), (2, "c", 1)], moderated_out=["c"]
    )

    r = Ratings.from_matrix(matrix)

    assert r.rows.tolist() == [0, 1]
    assert r.cols.tolist() == [0, 0]
    assert r.values.tolist() == [1.0, 0.0]


def test_als_finds_common_ground_and_the_divide():
    # given
    ratings = Ratings.from_matrix(build_vote_matrix(planted_votes()))

    # when
    fit = fit_als(ratings)

    # then common claims have the top intercepts and small factors, divisive
    # claims share one large factor
    kinds = np.array(KINDS)
    assert fit.converged
    assert set(fit.common_ground().tolist()) == set(np.flatnonzero(kinds == "common"))
    assert fit.claim_intercept[kinds == "common"].min() > 0.4
    assert np.abs(fit.claim_factor[kinds == "common"]).max() < 0.5
    divisive = fit.claim_factor[kinds == "divisive"]
    assert np.abs(divisive).min() > 0.5
    assert len(set(np.sign(divisive))) == 1
    assert fit.claim_intercept[kinds == "unpopular"].max() < 0
    assert fit.claim_ratings.sum() == len(ratings.values)


def test_als_reaches_a_stationary_point_of_the_stated_loss():
    # given a small problem, fitted tightly
    ratings = Ratings.from_matrix(build_vote_matrix(planted_votes(n_participants=30)))
    fit = fit_als(ratings, tol=1e-12, max_iter=20_000)
    params = [
        np.array([fit.mu]),
        fit.participant_intercept,
        fit.participant_factor,
        fit.claim_intercept,
        fit.claim_factor,
    ]

    def loss():
        return explicit_loss(ratings, params[0][0], *params[1:])

    # then the reported loss is the stated one, and every partial derivative
    # (central differences) vanishes
    assert fit.loss == pytest.approx(loss(), abs=1e-12)
    h = 1e-6
    for p in params:
        for i in range(len(p)):
            p[i] += h
            up = loss()
            p[i] -= 2 * h
            down = loss()
            p[i] += h
            assert (up - down) / (2 * h) == pytest.approx(0, abs=1e-6)


def test_adam_fits_the_same_model():
    ratings = Ratings.from_matrix(build_vote_matrix(planted_votes()))

    als, adam = fit_als(ratings), fit_gradient(ratings)

    # (Adam may stop on Community Notes' second rule: loss rising after 100)
    assert adam.loss == pytest.approx(als.loss, rel=1e-3)
    assert als.loss <= adam.loss + 1e-9
    rho = spearmanr(als.claim_intercept, adam.claim_intercept).statistic
    assert rho > 0.99
    assert np.allclose(als.claim_intercept, adam.claim_intercept, atol=0.02)


def test_the_larger_group_of_participants_gets_the_negative_factor():
    ratings = Ratings.from_matrix(build_vote_matrix(planted_votes()))

    for fit in (fit_als(ratings), fit_gradient(ratings)):
        factors = fit.participant_factor[fit.participant_factor != 0]
        assert (factors < 0).mean() >= 0.5


def test_fits_are_reproducible():
    ratings = Ratings.from_matrix(build_vote_matrix(planted_votes()))

    first, again = fit_als(ratings, random_state=1), fit_als(ratings, random_state=1)

    assert np.array_equal(first.claim_intercept, again.claim_intercept)
    assert np.array_equal(first.claim_factor, again.claim_factor)


def test_common_ground_thresholds():
    fit = BridgingFit(
        mu=0.2,
        participant_intercept=np.zeros(1),
        participant_factor=np.zeros(1),
        claim_intercept=np.array([0.5, 0.45, 0.39, 0.6, 0.41]),
        claim_factor=np.array([0.1, -0.49, 0.0, 0.5, 0.2]),
        claim_ratings=np.array([5, 9, 9, 9, 4]),
        loss=0.1,
        iterations=1,
        converged=True,
        method="als",
    )

    # 0.39 is below the intercept bar, |0.5| is not below 0.5, 4 ratings < 5
    assert fit.common_ground().tolist() == [0, 1]
    assert bridging.COMMON_GROUND_MIN_INTERCEPT == 0.40
    assert fit.common_ground(min_ratings=4, max_abs_factor=0.6).tolist() == [3, 0, 1, 4]


def test_no_ratings_fit_to_zero():
    fit = fit_als(Ratings.from_matrix(build_vote_matrix([(1, 1, 0)])))

    assert fit.converged and fit.iterations == 0
    assert fit.claim_intercept.tolist() == [0.0]
    assert fit.common_ground().tolist() == []
