"""Opinion groups, representative claims and consensus: the Pol.is pipeline.

Follows docs ANALYSIS.md (which cites compdemocracy/polis ``math/``) and is
checked against red-dwarf 0.4.0, a Python reproduction of it:

1. Who is clustered: participants with at least ``min(7, n_claims)`` votes
   (passes count); if fewer than 15 are in, the most active others are added
   up to 15.
2. Opinion space: missing cells take their column mean, columns are centred,
   and two principal components are taken. Moderated-out columns are all 0.
   Imputing with the column mean and then centring makes every missing cell
   exactly 0, so the centred matrix has the sparsity pattern of the votes:
   it is built as a sparse matrix and never densified (a truncated SVD of it
   gives the same components as a dense PCA of the imputed matrix).
3. Participant projection, scaled for sparsity (red-dwarf's
   ``SparsityAwareScaler``):
   ``p_u = sqrt(N_claims / max(n_u, 1)) * sum_{j voted by u} (x_uj - centre_j) pc_j``
   where n_u counts u's votes plus every moderated-out column.
   A claim's projection is that of a virtual participant who only agreed
   with it; its length is the claim's *extremity*.
4. Groups: k-means on the projections of the clustered participants for
   k = 2 .. ``k_cap(n)``, keeping the k with the best silhouette (first on
   ties). ``k_cap(n) = min(5, 2 + n // 12)`` is Pol.is's cap, here applied
   to the n clustered participants (Pol.is applies it to its base clusters,
   which are the participants themselves while there are fewer than 100 of
   them); it keeps a class of six to two groups. Like red-dwarf, and unlike
   Pol.is, participants are clustered directly: no 100 "base clusters"
   first and no smoothing of k over updates. Even below 100 participants
   the result need not be Pol.is's (red-dwarf applies no cap and Pol.is
   smooths k across updates and seeds its k-means from the previous run),
   so agreement with Pol.is is measured, not assumed (docs/benchmarks.md).
   ``mode="polis"`` (:func:`polis_groups`) groups Pol.is's way instead: 100
   base clusters, then k-means of their centres weighted by size, k smoothed
   across runs; on the five conversations measured it agrees less with
   Pol.is's own groups than the direct mode (docs/analysis.md).
   Initial centres are red-dwarf's "polis" strategy: the
   first k distinct points in sorted (x, then y) order (Pol.is takes the
   first k distinct rows in participant order; red-dwarf's choice is kept so
   the two can be compared). It is deterministic, so the same votes always
   give the same groups, whatever their order. The silhouettes are exact
   and come from one blocked pass over the pairwise distances for all k.
5. Representative claims per group ("repness"), consensus over everyone and
   group-informed consensus, with the formulas and the selection rules of
   Pol.is's ``repness.clj`` as red-dwarf implements them.

Pure numpy and scipy (scikit-learn only in the tests): no Django.
"""

import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import ArpackNoConvergence, svds
from threadpoolctl import threadpool_limits

from deliberation.analysis.matrix import VoteMatrix

#: One-sided 90 % critical value, ``scipy.stats.norm.ppf(0.9)``; ANALYSIS.md
#: rounds it to 1.2816. The exact value keeps the selections equal to
#: red-dwarf's, which uses ``norm.ppf``.
Z_90 = 1.2815515655446004
MIN_VOTES = 7
MIN_PARTICIPANTS = 15
K_RANGE = (2, 5)
PICK_MAX = 5
#: Up to this many cells the centred matrix is densified for a full SVD
#: (under 5 ms); above it ARPACK computes only the two components wanted,
#: to machine precision (the same components to 1e-14 and the same groups
#: on the five Pol.is conversations; a 1,999 x 2,000 matrix went from 3.7 s
#: to 17 ms).
DENSE_SVD_CELLS = 20_000


#: BLAS may use one thread only inside the pipeline: its matrices are small
#: or sparse, and on a busy server (a worker next to the web processes)
#: OpenBLAS's spinning threads made the small dense steps 10-20x slower in
#: our measurements. The one O(n^2) step runs its own two threads.
single_threaded_blas = threadpool_limits.wrap(limits=1, user_api="blas")


# ---------------------------------------------------------------- statistics


def prop_test(successes, n):
    """Pol.is one-proportion z-test against 1/2, with a pseudo-count:
    ``2 sqrt(n+1) ((s+1)/(n+1) - 1/2)``."""
    successes = np.asarray(successes, dtype=float) + 1
    n = np.asarray(n, dtype=float) + 1
    return 2 * np.sqrt(n) * (successes / n - 0.5)


def two_prop_test(s1, s2, n1, n2):
    """Pol.is two-proportion z-test, 1 added to all four counts; 0 where the
    pooled proportion is 1 (the limit there)."""
    s1, s2, n1, n2 = (np.asarray(v, dtype=float) + 1 for v in (s1, s2, n1, n2))
    p1, p2 = s1 / n1, s2 / n2
    pooled = (s1 + s2) / (n1 + n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return np.where(pooled == 1, 0.0, z)


def smoothed(successes, n):
    """``(s + 1) / (n + 2)``: a proportion with a pseudo-count."""
    return (np.asarray(successes, dtype=float) + 1) / (np.asarray(n, dtype=float) + 2)


# ------------------------------------------------------------------- results


@dataclass(frozen=True)
class RepnessEntry:
    """One representative claim of a group. The statistics are those of
    the direction ``agree`` when ``rat > rdt``, else ``disagree``, named as in
    Pol.is. That rule holds for the "best agree" claim too (as in Pol.is and
    red-dwarf), so a claim everyone agrees on can be listed as best agree
    with direction ``disagree``; ``n_agree`` always counts the agrees."""

    claim: object
    direction: str
    n_success: int
    n_trials: int
    p_success: float
    p_test: float
    repness: float
    repness_test: float
    n_agree: int
    best_agree: bool = False


@dataclass(frozen=True)
class ConsensusEntry:
    claim: object
    n_success: int
    n_trials: int
    p_success: float
    p_test: float


@dataclass
class OpinionResult:
    """Output of :func:`opinion_groups`, indexed like the matrix: rows are
    ``matrix.participant_ids``, columns ``matrix.claim_ids``."""

    matrix: VoteMatrix
    in_conversation: np.ndarray  # bool per participant
    centre: np.ndarray  # per claim
    components: np.ndarray  # (2, n_claims)
    projections: np.ndarray  # (n_participants, 2)
    claim_projections: np.ndarray  # (n_claims, 2)
    extremity: np.ndarray  # per claim
    labels: np.ndarray  # per participant, -1 when not clustered
    k: int
    mode: str  # "direct" (red-dwarf's) or "polis" (base clusters first)
    smoothing: "KSmoothing | None"  # Pol.is mode: the k smoother to keep
    large_groups: int  # groups 0 .. large_groups-1 have min_group_size members
    silhouettes: dict  # k -> silhouette score
    repness: dict  # group -> list[RepnessEntry]
    consensus: dict  # "agree"/"disagree" -> list[ConsensusEntry]
    claim_votes: tuple  # (agrees, disagrees, votes) per claim, everyone's
    gac: np.ndarray  # group-informed consensus (agree), per claim
    gac_disagree: np.ndarray  # the same for disagreement

    @property
    def groups(self) -> dict[int, list]:
        ids = self.matrix.participant_ids
        return {
            g: [ids[i] for i in np.flatnonzero(self.labels == g)] for g in range(self.k)
        }


# ------------------------------------------------------------------ pipeline


def in_conversation(
    votes_per_participant: np.ndarray,
    n_claims: int,
    *,
    min_votes: int = MIN_VOTES,
    min_participants: int = MIN_PARTICIPANTS,
    keep: np.ndarray | None = None,
) -> np.ndarray:
    """Mask of the participants to cluster (see the module docstring). Among
    the others, more votes come first, then the earlier row. ``keep`` (a
    mask) marks participants who are in whatever their count: Pol.is keeps
    anyone who was once in, and a caller holding the previous snapshot can
    pass its clustered participants to do the same."""
    counts = np.asarray(votes_per_participant)
    mask = counts >= min(min_votes, n_claims)
    if keep is not None:
        mask |= keep
    missing = min_participants - int(mask.sum())
    if missing > 0:
        others = np.flatnonzero(~mask & (counts > 0))
        others = others[np.argsort(-counts[others], kind="stable")]
        mask[others[:missing]] = True
    return mask


def centred_matrix(matrix: VoteMatrix) -> tuple[sp.csr_matrix, np.ndarray]:
    """The imputed and centred matrix (sparse, see the module docstring) and
    the column centres. Moderated-out columns are 0 with centre 0."""
    votes = matrix.votes
    n_claims = votes.shape[1]
    cols = votes.indices
    counts = np.bincount(cols, minlength=n_claims)
    sums = np.bincount(cols, weights=votes.data, minlength=n_claims)
    centre = np.divide(sums, counts, out=np.zeros(n_claims), where=counts > 0)
    centre[matrix.moderated] = 0.0
    data = votes.data - centre[cols]
    data[matrix.moderated[cols]] = 0.0
    centred = sp.csr_matrix((data, cols, votes.indptr), shape=votes.shape)
    return centred, centre


def principal_components(
    centred: sp.csr_matrix, n_components: int = 2, *, random_state: int = 42
) -> np.ndarray:
    """The top principal axes, shape (n_components, n_claims), each with its
    largest-magnitude entry positive (scikit-learn's sign convention, so that
    the projections and the k-means start match red-dwarf's). Axes the data
    cannot supply (rank too low) are zero."""
    n_rows, n_cols = centred.shape
    out = np.zeros((n_components, n_cols))
    k = min(n_components, n_rows, n_cols)
    if k == 0 or not np.any(centred.data):
        # Nobody differs from a column mean (all passed, or all agreed): no
        # axis of division, so none is made up (a full SVD of a zero matrix
        # returns arbitrary unit axes, and claims would get an extremity).
        return out
    vt = None
    if n_rows * n_cols > DENSE_SVD_CELLS and min(n_rows, n_cols) > k + 1:
        # ARPACK with a fixed start vector: reproducible, and exact to
        # machine precision (tol=0), unlike a randomised SVD.
        v0 = np.random.default_rng(random_state).uniform(-1, 1, min(centred.shape))
        try:
            _, s, vt = svds(centred, k=k, v0=v0, tol=0)
            vt = vt[np.argsort(-s)]
        except ArpackNoConvergence:  # pragma: no cover - never seen; be safe
            vt = None
    if vt is None:
        _, _, vt = np.linalg.svd(centred.toarray(), full_matrices=False)
        vt = vt[:k]
    biggest = np.argmax(np.abs(vt), axis=1)
    signs = np.sign(vt[np.arange(k), biggest])
    signs[signs == 0] = 1
    out[:k] = vt * signs[:, None]
    return out


def project(
    matrix: VoteMatrix, centred: sp.csr_matrix, components: np.ndarray
) -> np.ndarray:
    """Sparsity-aware participant projections, shape (n_participants, 2)."""
    n_claims = matrix.shape[1]
    votes = matrix.votes
    rows = np.repeat(np.arange(votes.shape[0]), np.diff(votes.indptr))
    moderated_votes = np.bincount(
        rows, weights=matrix.moderated[votes.indices], minlength=votes.shape[0]
    )
    # n_u: u's votes on the claims still in, plus every zeroed column.
    n_u = np.diff(votes.indptr) - moderated_votes + matrix.moderated.sum()
    scale = np.sqrt(n_claims / np.maximum(n_u, 1))
    return np.asarray(centred @ components.T) * scale[:, None]


def project_claims(centre: np.ndarray, components: np.ndarray) -> np.ndarray:
    """Each claim as a virtual participant who agreed with it and with
    nothing else: ``sqrt(N) (1 - centre_j) pc_j``."""
    n_claims = len(centre)
    return (np.sqrt(n_claims) * (1 - centre))[:, None] * components.T


# ----------------------------------------------------------------- k-means


def polis_init(points: np.ndarray, k: int) -> np.ndarray:
    """red-dwarf's deterministic start: the first k distinct points in sorted
    order (``np.unique(points, axis=0)[:k]``)."""
    return np.unique(points, axis=0)[:k]


def _nearest(points: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Index of the nearest centre per point (squared distances summed over
    the dimensions in order, as before, but without a 3-D temporary)."""
    dist = np.zeros((len(points), len(centers)))
    for d in range(points.shape[1]):
        diff = np.subtract.outer(points[:, d], centers[:, d])
        diff *= diff
        dist += diff
    return np.argmin(dist, axis=1)


def _means(points, labels, centers_old) -> np.ndarray:
    """Cluster means; an empty cluster takes the point farthest from its
    centre (scikit-learn's relocation), that point leaving its cluster."""
    k, dim = centers_old.shape
    counts = np.bincount(labels, minlength=k).astype(float)
    sums = np.stack(
        [np.bincount(labels, weights=points[:, d], minlength=k) for d in range(dim)],
        axis=1,
    )
    empty = np.flatnonzero(counts == 0)
    if len(empty):
        far = ((points - centers_old[labels]) ** 2).sum(axis=1)
        if far.max() > 0:
            for cluster, i in zip(empty, np.argsort(-far, kind="stable"), strict=False):
                sums[labels[i]] -= points[i]
                counts[labels[i]] -= 1
                sums[cluster], counts[cluster] = points[i], 1
    centers = centers_old.copy()
    filled = counts > 0
    centers[filled] = sums[filled] / counts[filled, None]
    return centers


def kmeans(
    points: np.ndarray,
    k: int,
    *,
    max_iter: int = 300,
    tol: float = 1e-4,
    distinct: np.ndarray | None = None,
) -> np.ndarray:
    """Lloyd's k-means from :func:`polis_init`; labels per point.

    The loop is scikit-learn's ``KMeans(algorithm="lloyd", n_init=1)`` (which
    red-dwarf uses): stop when the labels no longer change or when the
    centres moved less than ``tol`` times the mean variance of the points,
    then label by the final centres. Written out in numpy because the data
    are 2-D and small, and scikit-learn's OpenMP threads only cost time
    here. ``distinct``: ``np.unique(points, axis=0)`` when the caller has
    it (the start is its first k rows; sorting once serves every k)."""
    start = polis_init(points, k) if distinct is None else distinct[:k]
    centers = start.astype(float)
    tol = float(np.mean(np.var(points, axis=0))) * tol
    labels_old = np.full(len(points), -1)
    converged = False
    for _ in range(max_iter):
        labels = _nearest(points, centers)
        new = _means(points, labels, centers)
        shift = float(((new - centers) ** 2).sum())
        centers = new
        if np.array_equal(labels, labels_old):
            converged = True
            break
        if shift <= tol:
            break
        labels_old = labels
    return labels if converged else _nearest(points, centers)


#: Below this many points the distance sums run in the calling thread: the
#: pass takes milliseconds, and starting and joining threads on a busy
#: machine cost as much (vTaiwan's 1,218 clustered participants).
THREADED_SILHOUETTE_POINTS = 4096


def _cluster_distance_sums(
    points: np.ndarray, onehot: np.ndarray, *, dtype=np.float32, block: int = 256
) -> np.ndarray:
    """For every point and every column of ``onehot`` (a point-by-cluster
    membership matrix, several labelings side by side), the sum of the
    Euclidean distances from the point to the cluster's members.

    Exact up to ``dtype``'s rounding, O(n^2) time but O(n * block) memory:
    the distance matrix is formed one cache-sized block at a time, only on
    and above the diagonal (it is symmetric), and each block is reduced with
    one matrix product per side; the sums accumulate in float64. Blocks are
    shared between two threads (numpy releases the GIL)."""
    n = len(points)
    x, y = (np.ascontiguousarray(points[:, d], dtype=dtype) for d in (0, 1))
    members = onehot.astype(dtype)
    starts = range(0, n, block)
    pairs = [(i, j) for a, i in enumerate(starts) for j in starts[a:]]

    def work(chunk):
        sums = np.zeros((n, onehot.shape[1]))
        for i, j in chunk:
            i1, j1 = min(i + block, n), min(j + block, n)
            dist = np.subtract.outer(x[i:i1], x[j:j1])
            dist *= dist
            dy = np.subtract.outer(y[i:i1], y[j:j1])
            dy *= dy
            dist += dy
            np.sqrt(dist, out=dist)
            sums[i:i1] += dist @ members[j:j1]
            if i != j:
                sums[j:j1] += dist.T @ members[i:i1]
        return sums

    workers = max(1, min(2, os.cpu_count() or 1, len(pairs)))
    if workers == 1 or n < THREADED_SILHOUETTE_POINTS:
        return work(pairs)
    with ThreadPoolExecutor(workers) as pool:
        return sum(pool.map(work, [pairs[w::workers] for w in range(workers)]))


def _silhouettes(points, labelings, dtype) -> list[float]:
    sizes_list = [np.bincount(labels) for labels in labelings]
    onehot = np.hstack(
        [
            np.eye(len(sizes))[labels]
            for labels, sizes in zip(labelings, sizes_list, strict=True)
        ]
    )
    sums = _cluster_distance_sums(points, onehot, dtype=dtype)
    scores, offset = [], 0
    for labels, sizes in zip(labelings, sizes_list, strict=True):
        k = len(sizes)
        block = sums[:, offset : offset + k]
        offset += k
        rows = np.arange(len(labels))
        own_size = sizes[labels]
        intra = block[rows, labels] / np.maximum(own_size - 1, 1)
        means = block / np.maximum(sizes, 1)
        means[rows, labels] = np.inf
        nearest = means.min(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            s = (nearest - intra) / np.maximum(intra, nearest)
        s = np.nan_to_num(s)
        s[own_size <= 1] = 0.0
        scores.append(float(s.mean()))
    return scores


#: Silhouettes closer than this are recomputed in float64 before one wins.
SILHOUETTE_TIE = 1e-5


def silhouette_scores(points: np.ndarray, labelings: list[np.ndarray]) -> list[float]:
    """Mean silhouette of each labeling (as ``sklearn.metrics.silhouette_score``
    with the Euclidean metric: 0 for members of one-point clusters), all from
    one pass over the pairwise distances.

    The distances are summed in float32 (half the memory traffic; the
    scores are then good to about 1e-7). If the best two are within
    :data:`SILHOUETTE_TIE`, those two are recomputed in float64, so a near
    tie is decided as with exact arithmetic."""
    scores = _silhouettes(points, labelings, np.float32)
    if len(scores) > 1:
        top = np.argsort(scores, kind="stable")[::-1][:2]
        if abs(scores[top[0]] - scores[top[1]]) < SILHOUETTE_TIE:
            exact = _silhouettes(points, [labelings[i] for i in top], np.float64)
            for i, score in zip(top, exact, strict=True):
                scores[i] = score
    return scores


def k_cap(n: int) -> int:
    """Pol.is's largest number of groups for ``n`` points (base clusters in
    Pol.is, participants here): ``min(5, 2 + n // 12)``."""
    return min(K_RANGE[1], 2 + n // 12)


def choose_groups(points: np.ndarray, *, k_range=K_RANGE) -> tuple[np.ndarray, dict]:
    """k-means for each k in ``k_range`` (inclusive), keeping the best
    silhouette; the smaller k wins a tie. Returns the labels and the score of
    every k tried. k is at most :func:`k_cap` of the number of points, the
    number of distinct points, and below the number of points (a silhouette
    needs it); if no k >= 2 fits, everyone is in one group."""
    distinct = np.unique(points, axis=0) if len(points) else points
    k_max = min(k_range[1], k_cap(len(points)), len(distinct), len(points) - 1)
    ks = list(range(k_range[0], k_max + 1))
    if not ks:
        return np.zeros(len(points), dtype=np.int64), {}
    labelings = [kmeans(points, k, distinct=distinct) for k in ks]
    # k-means can leave a cluster empty only in degenerate data; renumber.
    labelings = [np.unique(labels, return_inverse=True)[1] for labels in labelings]
    scores = silhouette_scores(points, labelings)
    best = int(np.argmax(scores))
    return labelings[best], dict(zip(ks, scores, strict=True))


def small_groups_last(
    labels: np.ndarray, n_groups: int, min_size: int
) -> tuple[np.ndarray, int]:
    """Renumber groups so that those of at least ``min_size`` members come
    first, each part in its old order; returns the labels and how many
    groups are that large. With no small group nothing changes."""
    sizes = np.bincount(labels, minlength=n_groups)
    large = sizes >= min_size
    order = np.concatenate([np.flatnonzero(large), np.flatnonzero(~large)])
    new_id = np.empty(n_groups, dtype=np.int64)
    new_id[order] = np.arange(n_groups)
    return (new_id[labels] if n_groups else labels), int(large.sum())


# ------------------------------------------------ Pol.is-faithful grouping

#: Pol.is's number of base clusters, and how many updates in a row a new
#: best k must win before the groups switch to it.
BASE_CLUSTERS = 100
K_SMOOTHING_UPDATES = 4


def _weighted_kmeans(points, weights, k, *, max_iter: int = 300) -> np.ndarray:
    """Lloyd's k-means of weighted points from the first k distinct points
    in sorted order; stops when the labels no longer change."""
    centers = np.unique(points, axis=0)[:k].astype(float)
    labels = _nearest(points, centers)
    for _ in range(max_iter):
        totals = np.bincount(labels, weights=weights, minlength=k)
        filled = totals > 0
        for d in range(points.shape[1]):
            sums = np.bincount(labels, weights=weights * points[:, d], minlength=k)
            centers[filled, d] = sums[filled] / totals[filled]
        new = _nearest(points, centers)
        if np.array_equal(new, labels):
            break
        labels = new
    return np.unique(labels, return_inverse=True)[1]


def weighted_silhouette(points, weights, labels) -> float:
    """The silhouette of the participants when each sits at its base
    cluster's centre: ``points`` are the centres, ``weights`` their sizes.
    Equal to scikit-learn's silhouette of the expanded points, on m points."""
    dist = np.sqrt(((points[:, None, :] - points[None, :, :]) ** 2).sum(axis=2))
    k = int(labels.max()) + 1
    member = np.eye(k)[labels] * weights[:, None]  # (m, k) weighted membership
    sums = dist @ member  # weighted distance from each centre to each group
    sizes = member.sum(axis=0)
    rows = np.arange(len(points))
    own = sizes[labels]
    intra = sums[rows, labels] / np.maximum(own - 1, 1)
    means = sums / np.maximum(sizes, 1e-300)
    means[rows, labels] = np.inf
    nearest = means.min(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = (nearest - intra) / np.maximum(intra, nearest)
    score = np.nan_to_num(score)
    score[own <= 1] = 0.0
    return float((score * weights).sum() / weights.sum())


@dataclass(frozen=True)
class KSmoothing:
    """Pol.is's k smoother, kept between runs (on the Snapshot): the k in
    use, and the candidate k with how many runs in a row it has won."""

    k: int
    candidate: int
    wins: int

    def update(self, best: int) -> "KSmoothing":
        if best == self.k:
            return KSmoothing(self.k, best, 0)
        wins = self.wins + 1 if best == self.candidate else 1
        if wins >= K_SMOOTHING_UPDATES:
            return KSmoothing(best, best, 0)
        return KSmoothing(self.k, best, wins)


def polis_groups(
    points: np.ndarray, *, smoothing: KSmoothing | None = None
) -> tuple[np.ndarray, dict, KSmoothing | None]:
    """Pol.is's grouping: up to :data:`BASE_CLUSTERS` base clusters by k-means
    on the participants, then k-means of the base clusters' centres weighted
    by their sizes for k = 2 .. ``k_cap(number of base clusters)``, the best
    weighted silhouette winning (the smaller k on a tie); with ``smoothing``
    from the previous run, k changes only once the same new k has won
    :data:`K_SMOOTHING_UPDATES` runs in a row. Returns the participants'
    labels, the score per k and the smoothing state to keep."""
    n = len(points)
    if n == 0:
        return np.zeros(0, dtype=np.int64), {}, smoothing
    distinct = np.unique(points, axis=0)
    n_base = min(BASE_CLUSTERS, len(distinct))
    base = kmeans(points, n_base, distinct=distinct)
    base = np.unique(base, return_inverse=True)[1]
    weights = np.bincount(base).astype(float)
    centres = np.stack(
        [np.bincount(base, weights=points[:, d]) / weights for d in range(2)], axis=1
    )
    m = len(centres)
    k_max = min(k_cap(m), m - 1, K_RANGE[1])
    ks = list(range(K_RANGE[0], k_max + 1))
    if not ks:
        return np.zeros(n, dtype=np.int64), {}, smoothing
    labelings = {k: _weighted_kmeans(centres, weights, k) for k in ks}
    scores = {k: weighted_silhouette(centres, weights, labelings[k]) for k in ks}
    best = max(ks, key=lambda k: (scores[k], -k))
    state = smoothing.update(best) if smoothing else KSmoothing(best, best, 0)
    if state.k not in labelings:  # fewer base clusters now: k is out of range
        state = KSmoothing(best, best, 0)
    return labelings[state.k][base], scores, state


# ------------------------------------------------------ repness and consensus


def vote_counts(
    matrix: VoteMatrix, rows: np.ndarray, labels: np.ndarray, n_groups: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Raw agrees, disagrees and votes per group and claim, shape
    (n_groups, n_claims), over ``rows`` whose groups are ``labels``."""
    votes = matrix.votes
    n_claims = votes.shape[1]
    row_group = np.full(votes.shape[0], -1, dtype=np.int64)
    row_group[rows] = labels
    entry_group = np.repeat(row_group, np.diff(votes.indptr))
    keep = entry_group >= 0
    cell = entry_group[keep] * n_claims + votes.indices[keep]
    data = votes.data[keep]
    size = n_groups * n_claims

    def count(mask=None):
        counted = cell if mask is None else cell[mask]
        return np.bincount(counted, minlength=size).reshape(n_groups, n_claims)

    return count(data == 1), count(data == -1), count()


@dataclass(frozen=True)
class _Stats:
    """Per group (rows) and claim (columns), the Pol.is comment statistics."""

    na: np.ndarray
    nd: np.ndarray
    ns: np.ndarray
    pa: np.ndarray
    pd: np.ndarray
    pat: np.ndarray
    pdt: np.ndarray
    ra: np.ndarray
    rd: np.ndarray
    rat: np.ndarray
    rdt: np.ndarray


def group_stats(na: np.ndarray, nd: np.ndarray, ns: np.ndarray) -> _Stats:
    """Repness statistics of ANALYSIS.md; "rest" sums run over the other
    groups."""
    rest_a, rest_d, rest_s = (m.sum(axis=0) - m for m in (na, nd, ns))
    pa, pd = smoothed(na, ns), smoothed(nd, ns)
    return _Stats(
        na=na,
        nd=nd,
        ns=ns,
        pa=pa,
        pd=pd,
        pat=prop_test(na, ns),
        pdt=prop_test(nd, ns),
        ra=pa / smoothed(rest_a, rest_s),
        rd=pd / smoothed(rest_d, rest_s),
        rat=two_prop_test(na, rest_a, ns, rest_s),
        rdt=two_prop_test(nd, rest_d, ns, rest_s),
    )


def _entry(stats: _Stats, g: int, j: int, claim, *, best_agree=False) -> RepnessEntry:
    agree = stats.rat[g, j] > stats.rdt[g, j]
    return RepnessEntry(
        claim=claim,
        direction="agree" if agree else "disagree",
        n_success=int((stats.na if agree else stats.nd)[g, j]),
        n_trials=int(stats.ns[g, j]),
        p_success=float((stats.pa if agree else stats.pd)[g, j]),
        p_test=float((stats.pat if agree else stats.pdt)[g, j]),
        repness=float((stats.ra if agree else stats.rd)[g, j]),
        repness_test=float((stats.rat if agree else stats.rdt)[g, j]),
        n_agree=int(stats.na[g, j]),
        best_agree=best_agree,
    )


def _best_agree(stats: _Stats, g: int, candidates: np.ndarray) -> int | None:
    """Pol.is's ``beats-best-agr?`` scan, claim by claim: the claim that best
    shows what the group agrees on, by the repness metric once a candidate
    with ``ra > 1`` is held, by ``pa * pat`` before that."""
    ra, pa, pat = stats.ra[g].tolist(), stats.pa[g].tolist(), stats.pat[g].tolist()
    by_repness = (stats.ra[g] * stats.rat[g] * stats.pa[g] * stats.pat[g]).tolist()
    by_probability = (stats.pa[g] * stats.pat[g]).tolist()
    voted = (stats.na[g] + stats.nd[g] > 0).tolist()
    best = None
    for j in candidates.tolist():
        if not voted[j]:
            continue
        if best is None:
            ok = pat[j] > Z_90 or (ra[j] > 1 and pa[j] > 0.5)
        elif ra[best] > 1:
            ok = by_repness[j] > by_repness[best]
        else:
            ok = by_probability[j] > by_probability[best]
        if ok:
            best = j
    return best


def select_repness(
    stats: _Stats, claim_ids, moderated: np.ndarray, *, pick_max: int = PICK_MAX
) -> dict[int, list[RepnessEntry]]:
    """Representative claims per group, as Pol.is / red-dwarf select them:

    - a claim passes if ``(rat > z and pat > z) or (rdt > z and pdt > z)``;
      its direction is agree when ``rat > rdt``; passing claims are ranked
      by ``repness * repness_test * p_success * p_test`` of that direction;
    - the group's "best agree" claim (see :func:`_best_agree`) goes first,
      flagged; when nothing passes and there is no best agree, the claim with
      the highest ``max(rat, rdt)`` stands alone;
    - the first ``pick_max`` are kept, then agrees are put before disagrees.

    One deliberate difference from red-dwarf 0.4.0: when claims pass but
    there is no best agree, red-dwarf returns nothing for the group; we
    return the passing claims, as Pol.is does.
    """
    candidates = np.flatnonzero(~moderated)
    result = {}
    for g in range(stats.ns.shape[0]):
        best_agree = _best_agree(stats, g, candidates)
        passes = (stats.rat[g] > Z_90) & (stats.pat[g] > Z_90) | (
            stats.rdt[g] > Z_90
        ) & (stats.pdt[g] > Z_90)
        passing = candidates[passes[candidates]]
        entries = [_entry(stats, g, j, claim_ids[j]) for j in passing]
        metric = [e.repness * e.repness_test * e.p_success * e.p_test for e in entries]
        order = np.argsort(-np.asarray(metric), kind="stable")
        ranked = [entries[i] for i in order]
        if best_agree is not None:
            head = [
                _entry(stats, g, best_agree, claim_ids[best_agree], best_agree=True)
            ]
        elif not ranked and len(candidates):
            score = np.maximum(stats.rat[g], stats.rdt[g])[candidates]
            best = candidates[int(np.argmax(score))]
            head = [_entry(stats, g, best, claim_ids[best])]
        else:
            head = []
        head_claims = {e.claim for e in head}
        selected = (head + [e for e in ranked if e.claim not in head_claims])[:pick_max]
        result[g] = sorted(selected, key=lambda e: e.direction != "agree")
    return result


def select_consensus(
    na: np.ndarray,
    nd: np.ndarray,
    ns: np.ndarray,
    claim_ids,
    moderated: np.ndarray,
    *,
    pick_max: int = PICK_MAX,
) -> dict[str, list[ConsensusEntry]]:
    """Claims agreed (disagreed) on over everyone: ``p > 0.5`` and
    ``p_test > z``, ranked by ``p * p_test``, top ``pick_max``. Counts are
    1-D arrays per claim."""
    result = {}
    for name, n_success in (("agree", na), ("disagree", nd)):
        p, test = smoothed(n_success, ns), prop_test(n_success, ns)
        ok = np.flatnonzero((p > 0.5) & (test > Z_90) & ~moderated)
        ok = ok[np.argsort(-(p * test)[ok], kind="stable")][:pick_max]
        result[name] = [
            ConsensusEntry(
                claim=claim_ids[j],
                n_success=int(n_success[j]),
                n_trials=int(ns[j]),
                p_success=float(p[j]),
                p_test=float(test[j]),
            )
            for j in ok
        ]
    return result


# ------------------------------------------------------------------- entry


@single_threaded_blas
def opinion_groups(
    matrix: VoteMatrix,
    *,
    random_state: int = 42,
    pick_max: int = PICK_MAX,
    keep_in: Iterable = (),
    min_group_size: int = 1,
    mode: str = "direct",
    smoothing: KSmoothing | None = None,
) -> OpinionResult:
    """Run the whole pipeline on ``matrix`` (see the module docstring).
    ``random_state`` seeds the start vector of the sparse SVD (large
    matrices); the k-means start is deterministic. ``keep_in``: participant
    ids to cluster whatever their vote count (see :func:`in_conversation`);
    ids not in the matrix are ignored. Groups of fewer than
    ``min_group_size`` members are numbered after the others (the groups
    themselves do not change; :attr:`OpinionResult.large_groups` counts the
    others), so that a reader who may not see small groups sees groups
    0 .. large_groups - 1."""
    n_participants, n_claims = matrix.shape
    keep = np.zeros(n_participants, dtype=bool)
    for pid in keep_in:
        if pid in matrix.participant_index:
            keep[matrix.participant_index[pid]] = True
    clustered = in_conversation(matrix.votes_per_participant(), n_claims, keep=keep)
    centred, centre = centred_matrix(matrix)
    components = principal_components(centred, random_state=random_state)
    projections = project(matrix, centred, components)
    claim_projections = project_claims(centre, components)
    rows = np.flatnonzero(clustered)
    if mode == "polis":
        group_labels, silhouettes, smoothing = polis_groups(
            projections[rows], smoothing=smoothing
        )
    elif mode == "direct":
        group_labels, silhouettes = choose_groups(projections[rows])
    else:
        raise ValueError(f"mode must be 'direct' or 'polis', not {mode!r}")
    n_groups = int(group_labels.max()) + 1 if len(rows) else 0
    group_labels, large_groups = small_groups_last(
        group_labels, n_groups, min_group_size
    )
    labels = np.full(n_participants, -1, dtype=np.int64)
    labels[rows] = group_labels
    na, nd, ns = vote_counts(matrix, rows, group_labels, n_groups)
    stats = group_stats(na, nd, ns)
    everyone = np.arange(n_participants)
    all_a, all_d, all_s = vote_counts(
        matrix, everyone, np.zeros(n_participants, dtype=np.int64), 1
    )
    return OpinionResult(
        matrix=matrix,
        in_conversation=clustered,
        centre=centre,
        components=components,
        projections=projections,
        claim_projections=claim_projections,
        extremity=np.linalg.norm(claim_projections, axis=1),
        labels=labels,
        k=n_groups,
        large_groups=large_groups,
        mode=mode,
        smoothing=smoothing,
        silhouettes=silhouettes,
        repness=select_repness(
            stats, matrix.claim_ids, matrix.moderated, pick_max=pick_max
        ),
        consensus=select_consensus(
            all_a[0],
            all_d[0],
            all_s[0],
            matrix.claim_ids,
            matrix.moderated,
            pick_max=pick_max,
        ),
        claim_votes=(all_a[0], all_d[0], all_s[0]),
        gac=stats.pa.prod(axis=0) if n_groups else np.zeros(n_claims),
        gac_disagree=stats.pd.prod(axis=0) if n_groups else np.zeros(n_claims),
    )
