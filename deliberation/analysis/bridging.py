"""Bridging ("common ground"): Community Notes' matrix factorisation on claims.

Model (twitter/communitynotes ``scoring/``, one factor)::

    r_uc ~ mu + i_u + i_c + f_u * f_c

fitted on agree = 1, disagree = 0 (passes and moderated-out claims left out)
by minimising::

    mean (r - r_hat)^2
      + lambda_i (mean_u i_u^2 + mean_c i_c^2 + mu^2)
      + lambda_f (mean_u f_u^2 + mean_c f_c^2)

with lambda_i = 0.15 and lambda_f = 0.03 (means over the participants and
claims that have ratings). ``f`` places people and claims on the main axis of
division; the claim intercept ``i_c`` is the agreement that this axis does not
explain, so a high intercept with a small factor marks a claim agreed on
across the divide.

Two fits of the same loss:

- :func:`fit_als`, alternating least squares: with the claims fixed, each
  participant's ``(i_u, f_u)`` is a 2-parameter ridge regression with a
  closed form, and symmetrically for claims, and ``mu`` has one too. Every
  step solves its block exactly, so the loss never increases; the sums the
  closed forms need are sparse matrix products.
- :func:`fit_gradient`, full-batch Adam, as Community Notes fits it with
  torch, kept for comparison (bench/analysis.py).

Pure numpy and scipy: no Django.
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from deliberation.analysis.matrix import VoteMatrix

LAMBDA_I = 0.15
LAMBDA_F = 0.03

#: "Common ground" thresholds: Community Notes' helpful-note rule (i_c >= 0.40,
#: |f_c| < 0.5, at least 5 ratings) carried over with the same numbers, since
#: the ratings have the same 0/1 scale and the same regularisation. What is
#: adapted is the meaning of a rating: a decided vote (agree = helpful,
#: disagree = not helpful); passes count neither way, and so not towards the
#: 5 either. Checked on the five Pol.is conversations in shared/data: the rule
#: picks 0 (Seattle), 10 of 50 (Brexit), 8 of 36 (London), 3 of 154
#: (biodiversity) and 8 of 99 (vTaiwan) claims, their median at the 89th
#: percentile of group-informed consensus or above; Spearman(i_c, GAC) is
#: 0.87-0.96 there.
COMMON_GROUND_MIN_INTERCEPT = 0.40
COMMON_GROUND_MAX_ABS_FACTOR = 0.5
COMMON_GROUND_MIN_RATINGS = 5


@dataclass(frozen=True)
class Ratings:
    """Decided votes as parallel arrays: row, column and rating (1 or 0)."""

    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray
    n_rows: int
    n_cols: int

    @classmethod
    def from_matrix(cls, matrix: VoteMatrix) -> "Ratings":
        votes = matrix.votes
        rows = np.repeat(np.arange(votes.shape[0]), np.diff(votes.indptr))
        keep = (votes.data != 0) & ~matrix.moderated[votes.indices]
        return cls(
            rows=rows[keep],
            cols=votes.indices[keep].astype(np.int64),
            values=(votes.data[keep] > 0).astype(float),
            n_rows=votes.shape[0],
            n_cols=votes.shape[1],
        )

    def counts(self) -> tuple[np.ndarray, np.ndarray]:
        return (
            np.bincount(self.rows, minlength=self.n_rows),
            np.bincount(self.cols, minlength=self.n_cols),
        )


@dataclass
class BridgingFit:
    """Fitted parameters, indexed like the matrix rows (participants) and
    columns (claims); rows and columns without ratings keep 0."""

    mu: float
    participant_intercept: np.ndarray
    participant_factor: np.ndarray
    claim_intercept: np.ndarray
    claim_factor: np.ndarray
    claim_ratings: np.ndarray  # decided votes per claim
    loss: float
    iterations: int
    converged: bool
    method: str

    def common_ground(
        self,
        *,
        min_intercept: float = COMMON_GROUND_MIN_INTERCEPT,
        max_abs_factor: float = COMMON_GROUND_MAX_ABS_FACTOR,
        min_ratings: int = COMMON_GROUND_MIN_RATINGS,
    ) -> np.ndarray:
        """Column indices of the common-ground claims, highest intercept
        first."""
        ok = (
            (self.claim_intercept >= min_intercept)
            & (np.abs(self.claim_factor) < max_abs_factor)
            & (self.claim_ratings >= min_ratings)
        )
        found = np.flatnonzero(ok)
        return found[np.argsort(-self.claim_intercept[found], kind="stable")]


def _loss(r: Ratings, mu, iu, fu, ic, fc, n_u, n_c, lambda_i, lambda_f) -> float:
    if len(r.values) == 0:
        return 0.0
    e = r.values - (mu + iu[r.rows] + ic[r.cols] + fu[r.rows] * fc[r.cols])
    users, claims = max(n_u, 1), max(n_c, 1)
    return float(
        np.mean(e * e)
        + lambda_i * ((iu @ iu) / users + (ic @ ic) / claims + mu * mu)
        + lambda_f * ((fu @ fu) / users + (fc @ fc) / claims)
    )


def _initial(r: Ratings, random_state: int):
    """Intercepts 0, mu the mean rating, factors small and seeded (a zero
    factor is a stationary point the fit would never leave)."""
    rng = np.random.default_rng(random_state)
    mu = float(r.values.mean()) if len(r.values) else 0.0
    rated_u, rated_c = r.counts()
    fu = rng.normal(0, 0.1, r.n_rows) * (rated_u > 0)
    fc = rng.normal(0, 0.1, r.n_cols) * (rated_c > 0)
    return mu, np.zeros(r.n_rows), fu, np.zeros(r.n_cols), fc


def _orient(fu: np.ndarray, fc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The factor's sign is arbitrary (f_u f_c is unchanged by flipping
    both). Community Notes' identification: flip so that the larger group of
    participants has a negative factor."""
    nonzero = fu[fu != 0]
    if len(nonzero) and (nonzero < 0).mean() < 0.5:
        return -fu, -fc
    return fu, fc


def _ridge_2(n, sf, sff, st, stf, alpha, beta):
    """Solve, per row, [[n + alpha, sf], [sf, sff + beta]] x = [st, stf]."""
    a11, a22 = n + alpha, sff + beta
    det = a11 * a22 - sf * sf
    safe = np.where(det > 0, det, 1.0)
    intercept = np.where(det > 0, (a22 * st - sf * stf) / safe, 0.0)
    factor = np.where(det > 0, (a11 * stf - sf * st) / safe, 0.0)
    return intercept, factor


def fit_als(
    ratings: Ratings,
    *,
    lambda_i: float = LAMBDA_I,
    lambda_f: float = LAMBDA_F,
    random_state: int = 42,
    max_iter: int = 1000,
    tol: float = 1e-5,
) -> BridgingFit:
    """Alternating least squares (see the module docstring). Stops when no
    claim intercept or factor moves by more than ``tol`` in a sweep; the
    convergence is linear, and on vTaiwan and the 20,000 x 2,000 benchmark
    the intercepts are then within 1e-4 of a fit run to 1e-9.

    The per-row sums the ridge solutions need are sparse matrix products:
    with P the rating pattern and A the ratings (users x claims),
    ``sum_c f_c = P f``, ``sum_c (r - mu - i_c) f_c = A f - mu P f - P (i f)``
    and so on, one product of P (or its transpose) with four columns and one
    of A per side and sweep."""
    r = ratings
    shape = (r.n_rows, r.n_cols)
    pattern = sp.csr_matrix((np.ones(len(r.values)), (r.rows, r.cols)), shape=shape)
    agreed = sp.csr_matrix((r.values, (r.rows, r.cols)), shape=shape)
    pattern_t, agreed_t = pattern.T.tocsr(), agreed.T.tocsr()
    n_rated_u = np.asarray(pattern.sum(axis=1)).ravel()
    n_rated_c = np.asarray(pattern.sum(axis=0)).ravel()
    agrees_u = np.asarray(agreed.sum(axis=1)).ravel()
    agrees_c = np.asarray(agreed.sum(axis=0)).ravel()
    n_u, n_c = max(int((n_rated_u > 0).sum()), 1), max(int((n_rated_c > 0).sum()), 1)
    total = max(len(r.values), 1)
    mu, iu, fu, ic, fc = _initial(r, random_state)

    def solve(p, a, counts, agrees, other_i, other_f, n_side):
        # R times the loss, as a function of one side's (i, f): a 2x2 ridge
        # problem per row with penalties R * lambda / (rated rows on the side).
        sums = p @ np.column_stack([other_f, other_f**2, other_i, other_i * other_f])
        s_f, s_ff, s_i, s_if = sums.T
        s_t = agrees - mu * counts - s_i
        s_tf = a @ other_f - mu * s_f - s_if
        scale = total / n_side
        i, f = _ridge_2(
            counts, s_f, s_ff, s_t, s_tf, scale * lambda_i, scale * lambda_f
        )
        return i, f, s_f

    converged, iteration = len(r.values) == 0, 0
    while not converged and iteration < max_iter:
        iteration += 1
        iu, fu, _ = solve(pattern, agreed, n_rated_u, agrees_u, ic, fc, n_u)
        new_ic, new_fc, fu_sums = solve(
            pattern_t, agreed_t, n_rated_c, agrees_c, iu, fu, n_c
        )
        both = float(new_fc @ fu_sums)  # sum over the ratings of f_u f_c
        residual = agrees_u.sum() - iu @ n_rated_u - new_ic @ n_rated_c - both
        mu = float(residual / (total * (1 + lambda_i)))
        moved = max(
            np.abs(new_ic - ic).max(initial=0), np.abs(new_fc - fc).max(initial=0)
        )
        ic, fc = new_ic, new_fc
        converged = moved <= tol
    fu, fc = _orient(fu, fc)
    return BridgingFit(
        mu=mu,
        participant_intercept=iu,
        participant_factor=fu,
        claim_intercept=ic,
        claim_factor=fc,
        claim_ratings=n_rated_c.astype(np.int64),
        loss=_loss(r, mu, iu, fu, ic, fc, n_u, n_c, lambda_i, lambda_f),
        iterations=iteration,
        converged=converged,
        method="als",
    )


def fit_gradient(
    ratings: Ratings,
    *,
    lambda_i: float = LAMBDA_I,
    lambda_f: float = LAMBDA_F,
    random_state: int = 42,
    learning_rate: float = 1.0,
    max_iter: int = 20_000,
    tol: float = 1e-7,
) -> BridgingFit:
    """Full-batch Adam on the same loss and from the same start as
    :func:`fit_als`, the way Community Notes fits it
    (``matrix_factorization.py``: Adam at learning rate 1.0 when starting
    from scratch; stop when the loss changes by at most 1e-7, or rises after
    100 epochs). ``converged`` says whether the first rule stopped it."""
    r = ratings
    n_rated_u, n_rated_c = r.counts()
    n_u, n_c = max(int((n_rated_u > 0).sum()), 1), max(int((n_rated_c > 0).sum()), 1)
    total = max(len(r.values), 1)
    mu, iu, fu, ic, fc = _initial(r, random_state)
    params = [np.array([mu]), iu, fu, ic, fc]
    first = [np.zeros_like(p) for p in params]
    second = [np.zeros_like(p) for p in params]
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    loss, converged, iteration = np.inf, len(r.values) == 0, 0
    while not converged and iteration < max_iter:
        iteration += 1
        mu_a, iu, fu, ic, fc = params
        e = r.values - (mu_a[0] + iu[r.rows] + ic[r.cols] + fu[r.rows] * fc[r.cols])
        new = float(
            np.mean(e * e)
            + lambda_i * ((iu @ iu) / n_u + (ic @ ic) / n_c + mu_a[0] ** 2)
            + lambda_f * ((fu @ fu) / n_u + (fc @ fc) / n_c)
        )
        converged = abs(loss - new) <= tol
        rising = iteration > 100 and new > loss
        loss = new
        if rising:
            break
        g = -2 * e / total
        grads = [
            np.array([g.sum() + 2 * lambda_i * mu_a[0]]),
            np.bincount(r.rows, weights=g, minlength=r.n_rows)
            + 2 * lambda_i * iu / n_u,
            np.bincount(r.rows, weights=g * fc[r.cols], minlength=r.n_rows)
            + 2 * lambda_f * fu / n_u,
            np.bincount(r.cols, weights=g, minlength=r.n_cols)
            + 2 * lambda_i * ic / n_c,
            np.bincount(r.cols, weights=g * fu[r.rows], minlength=r.n_cols)
            + 2 * lambda_f * fc / n_c,
        ]
        for p, m, v, grad in zip(params, first, second, grads, strict=True):
            m *= beta1
            m += (1 - beta1) * grad
            v *= beta2
            v += (1 - beta2) * grad * grad
            m_hat = m / (1 - beta1**iteration)
            v_hat = v / (1 - beta2**iteration)
            p -= learning_rate * m_hat / (np.sqrt(v_hat) + eps)
    mu_a, iu, fu, ic, fc = params
    fu, fc = _orient(fu, fc)
    return BridgingFit(
        mu=float(mu_a[0]),
        participant_intercept=iu,
        participant_factor=fu,
        claim_intercept=ic,
        claim_factor=fc,
        claim_ratings=n_rated_c,
        loss=_loss(r, mu_a[0], iu, fu, ic, fc, n_u, n_c, lambda_i, lambda_f),
        iterations=iteration,
        converged=converged,
        method="adam",
    )
