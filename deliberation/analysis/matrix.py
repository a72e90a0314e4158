"""The participants x claims vote matrix, sparse.

Encoding (docs ANALYSIS.md): agree = +1, disagree = -1, pass = 0, no vote =
missing. The matrix is a scipy CSR matrix whose *stored* entries are exactly
the votes: a pass is an explicitly stored 0, a missing vote is not stored.
Scipy arithmetic may drop explicit zeros, so code that needs "who voted on
what" reads the structure (``indptr``/``indices``) of ``votes`` and never
calls ``eliminate_zeros`` on it.

Claims hidden by moderation ("moderated out") keep their raw votes in
``votes`` (the in-conversation rule and the raw counts use them, as Pol.is
does) and are zeroed, missing cells included, in ``zeroed()``, the matrix the
opinion space is computed from.
"""

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain

import numpy as np
import scipy.sparse as sp

AGREE, PASS, DISAGREE = 1, 0, -1
VOTE_VALUES = (AGREE, PASS, DISAGREE)


def sort_ids(ids: Iterable[Hashable]) -> list:
    """Ids in a stable order: numerically when they all are integers (also
    integer strings, as red-dwarf does), otherwise by their text."""
    ids = list(ids)
    try:
        return sorted(ids, key=lambda i: int(i))
    except (TypeError, ValueError):
        return sorted(ids, key=str)


@dataclass(frozen=True, eq=False)
class VoteMatrix:
    """Votes as a CSR matrix plus the maps between ids and indices.

    ``participant_ids[i]`` is the id of row ``i``; ``claim_ids[j]`` the id of
    column ``j``. ``moderated`` is a boolean mask over the columns.
    """

    votes: sp.csr_matrix
    participant_ids: tuple
    claim_ids: tuple
    moderated: np.ndarray
    participant_index: dict = field(repr=False)
    claim_index: dict = field(repr=False)

    @property
    def shape(self) -> tuple[int, int]:
        return self.votes.shape

    @property
    def nnz(self) -> int:
        """Number of votes (passes included)."""
        return int(self.votes.indptr[-1])

    def votes_per_participant(self) -> np.ndarray:
        """Raw vote count of each row (passes and moderated claims included)."""
        return np.diff(self.votes.indptr)

    def zeroed(self) -> sp.csr_matrix:
        """The matrix with every moderated-out column set to 0 for everyone
        (stored zeros, missing cells included). Dense in those columns, so the
        pipeline itself handles them implicitly; this is the reference."""
        n_rows, n_cols = self.shape
        coo = self.votes.tocoo()
        keep = ~self.moderated[coo.col]
        mod_cols = np.flatnonzero(self.moderated)
        rows = np.concatenate(
            [coo.row[keep], np.repeat(np.arange(n_rows), len(mod_cols))]
        )
        cols = np.concatenate([coo.col[keep], np.tile(mod_cols, n_rows)])
        data = np.concatenate([coo.data[keep], np.zeros(n_rows * len(mod_cols))])
        return _csr(rows, cols, data, self.shape)

    def dense(self, missing: float = np.nan) -> np.ndarray:
        """Dense copy with ``missing`` where there is no vote (for tests and
        small matrices only)."""
        out = np.full(self.shape, missing, dtype=float)
        coo = self.votes.tocoo()
        out[coo.row, coo.col] = coo.data
        return out


def _csr(rows, cols, data, shape, *, presorted=False) -> sp.csr_matrix:
    """CSR with sorted indices and the stored zeros kept."""
    if not presorted:
        order = np.lexsort((cols, rows))
        rows, cols, data = rows[order], cols[order], data[order]
    indptr = np.zeros(shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=shape[0]), out=indptr[1:])
    matrix = sp.csr_matrix(
        (data.astype(float), cols.astype(np.int32), indptr), shape=shape
    )
    matrix.has_sorted_indices = True
    return matrix


def _index(values: Sequence, given: Iterable | None) -> tuple[list, np.ndarray]:
    """Sorted distinct ids and the index of each value among them."""
    given = list(given or ())
    array = np.asarray(values)
    if array.dtype.kind in "iu" and all(isinstance(g, int) for g in given):
        # Integer ids (the common case): vectorised, no Python loop.
        ids, inverse = np.unique(
            np.concatenate([array, np.asarray(given, dtype=array.dtype)]),
            return_inverse=True,
        )
        return ids.tolist(), inverse[: len(array)].astype(np.int64)
    ids = sort_ids(set(values) | set(given))
    position = {pid: i for i, pid in enumerate(ids)}
    return ids, np.fromiter((position[v] for v in values), np.int64, len(values))


def _columns(votes: Iterable) -> tuple[Sequence, Sequence, Sequence]:
    """Participant ids, claim ids and votes as three sequences: int64 arrays
    when everything is an integer (one C-level pass, no tuples of a million
    items), otherwise tuples of the original objects."""
    triples = votes if isinstance(votes, list) else list(votes)
    if not triples:
        return (), (), ()
    if set(map(len, triples)) != {3}:
        raise ValueError("votes must be (participant_id, claim_id, vote) triples")
    if set(map(type, chain.from_iterable(triples))) == {int}:
        flat = np.fromiter(
            chain.from_iterable(triples), dtype=np.int64, count=3 * len(triples)
        )
        return flat[0::3], flat[1::3], flat[2::3]
    p_raw, c_raw, v_raw = zip(*triples, strict=True)
    return p_raw, c_raw, v_raw


def build_vote_matrix(
    votes: Iterable[tuple[Hashable, Hashable, int]],
    *,
    moderated_out: Iterable[Hashable] = (),
    claim_ids: Iterable[Hashable] | None = None,
    participant_ids: Iterable[Hashable] | None = None,
) -> VoteMatrix:
    """Build the matrix from ``(participant_id, claim_id, vote)`` triples.

    Ids can be any hashable values and are kept as given; rows and columns
    are sorted by id (numerically when possible). Only claims and
    participants that appear in ``votes`` get an index, plus any listed in
    ``claim_ids``/``participant_ids`` (columns or rows with no votes). If a
    (participant, claim) pair repeats, the last vote wins. Moderated-out ids
    that have no column are ignored.
    """
    p_raw, c_raw, v_raw = _columns(votes)
    values = np.asarray(v_raw)
    if values.dtype.kind not in "biuf" and len(values):
        raise ValueError("votes must be numbers: 1 agree, -1 disagree, 0 pass")
    values = values.astype(float)
    bad = ~np.isin(values, VOTE_VALUES)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"vote {v_raw[i]!r} of triple {i} is not one of -1, 0, 1")
    p_ids, rows = _index(p_raw, participant_ids)
    c_ids, cols = _index(c_raw, claim_ids)
    shape = (len(p_ids), len(c_ids))
    # The last vote on a pair wins: keep the last occurrence of each cell.
    cell = rows * max(shape[1], 1) + cols
    # np.unique sorts the cells, which is CSR order: no second sort needed.
    cells, last_from_end = np.unique(cell[::-1], return_index=True)
    data = values[len(cell) - 1 - last_from_end]
    rows, cols = np.divmod(cells, max(shape[1], 1))
    matrix = _csr(rows, cols, data, shape, presorted=True)
    claim_index = {cid: j for j, cid in enumerate(c_ids)}
    moderated = np.zeros(shape[1], dtype=bool)
    for cid in moderated_out:
        if cid in claim_index:
            moderated[claim_index[cid]] = True
    return VoteMatrix(
        votes=matrix,
        participant_ids=tuple(p_ids),
        claim_ids=tuple(c_ids),
        moderated=moderated,
        participant_index={pid: i for i, pid in enumerate(p_ids)},
        claim_index=claim_index,
    )
