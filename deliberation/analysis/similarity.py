"""Near-duplicate suggestions and likely-duplicate pairs. Pure (numpy, scipy,
scikit-learn; no Django).

Two backends turn texts into L2-normalised row vectors, so a dot product is
the cosine similarity:

- ``tfidf`` (default): TF-IDF over character n-grams (within words), so it
  works for languages written without spaces and survives typos and
  inflections;
- ``embeddings``: sentence embeddings (all-MiniLM-L6-v2), when the optional
  ``embeddings`` extra is installed (see embeddings.py); it also finds the
  same idea in other words.

Scores are on each backend's own scale, so each backend says which score
makes a suggestion worth showing and which makes a likely duplicate.
"""

from collections.abc import Hashable, Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from deliberation.analysis import embeddings

MIN_SCORE = 0.05
BACKENDS = ("auto", "tfidf", "embeddings")


class BackendUnavailable(RuntimeError):
    """The embeddings backend was asked for but its extra is not installed."""


class TfidfBackend:
    name = "tfidf"
    # Calibrated on rephrasings ("Public cameras reduce crime." against
    # "Cameras in public spaces reduce crime." scores 0.84; unrelated claims
    # on the same topic 0.1-0.3).
    suggest_min_score = 0.35
    duplicate_min_score = 0.6

    def encode(self, corpus: Sequence[str], queries: Sequence[str] = ()):
        """``(corpus vectors, query vectors)``; the vocabulary and weights are
        learnt from the corpus. None when there is nothing to learn from
        (e.g. only one-letter texts)."""
        vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, lowercase=True
        )
        try:
            matrix = vectorizer.fit_transform(list(corpus))
        except ValueError:
            return None
        return matrix, vectorizer.transform(list(queries)) if queries else None


def make_backend(
    name: str = "auto", *, embeddings_available: bool | None = None, store=None
):
    """The backend a ``SIMILARITY_BACKEND`` setting names: ``auto`` takes
    embeddings when the extra is installed, TF-IDF otherwise. ``store``: a
    shared cache for the embeddings' vectors (see embeddings.py)."""
    if name not in BACKENDS:
        raise ValueError(f"Unknown similarity backend {name!r}: one of {BACKENDS}.")
    if embeddings_available is None:
        embeddings_available = embeddings.available()
    if name == "tfidf" or (name == "auto" and not embeddings_available):
        return TfidfBackend()
    if not embeddings_available:
        raise BackendUnavailable(
            "SIMILARITY_BACKEND=embeddings needs the optional extra: "
            "pip install 'counterpoint[embeddings]'."
        )
    return embeddings.EmbeddingBackend(store=store)


def most_similar(
    text: str,
    candidates: Sequence[tuple[Hashable, str]],
    *,
    limit: int = 5,
    min_score: float = MIN_SCORE,
    backend=None,
) -> list[tuple[Hashable, float]]:
    """``(id, cosine similarity)`` of the ``limit`` candidates most like
    ``text``, best first (ties by candidate order); scores below
    ``min_score`` are left out."""
    text = text.strip()
    if not text or not candidates:
        return []
    encoded = (backend or TfidfBackend()).encode([b for _, b in candidates], [text])
    if encoded is None:
        return []
    matrix, query = encoded
    scores = _dense(matrix @ query.T).ravel()
    order = np.lexsort((np.arange(len(scores)), -scores))[:limit]
    return [
        (candidates[i][0], round(float(scores[i]), 4))
        for i in order
        if scores[i] >= min_score
    ]


def duplicate_pairs(
    candidates: Sequence[tuple[Hashable, str]],
    *,
    min_score: float | None = None,
    per_claim: int = 5,
    backend=None,
    block: int = 256,
) -> list[tuple[Hashable, Hashable, float]]:
    """Likely duplicates among ``candidates``: ``(id_a, id_b, score)`` with
    ``a`` before ``b`` in candidate order, best first (ties in candidate
    order). A pair is listed when it scores at least ``min_score`` (the
    backend's duplicate threshold by default) and is among the
    ``per_claim`` nearest earlier, or nearest later, candidates of one of
    its two claims.

    Rows are compared a block at a time with the rows from the block on (the
    upper triangle of the similarity matrix: each pair is scored once), with
    top-k by argpartition along rows (nearest later) and along columns
    (nearest earlier, kept in a running n × k table across blocks). Memory
    stays at block × n and no Python loop runs over pairs."""
    backend = backend or TfidfBackend()
    if min_score is None:
        min_score = backend.duplicate_min_score
    n = len(candidates)
    if n < 2 or per_claim < 1:
        return []
    encoded = backend.encode([body for _, body in candidates])
    if encoded is None:
        return []
    matrix = encoded[0]
    if sparse.issparse(matrix):
        matrix = matrix.tocsr()
    k = min(per_claim, n - 1)
    earlier_score = np.full((n, k), -np.inf)  # per claim: its nearest earlier
    earlier_index = np.zeros((n, k), dtype=np.int64)
    rows, cols, scores = [], [], []
    for start in range(0, n - 1, block):
        stop = min(start + block, n)
        slab = _dense(matrix[start:stop] @ matrix[start:].T).astype(
            np.float64, copy=False
        )
        height, width = slab.shape
        local = np.arange(height)
        # Only later candidates: the diagonal and below are out.
        slab[local[:, None] >= np.arange(width)[None, :]] = -np.inf
        # Nearest later, row by row.
        k_row = min(k, width - 1)
        top = np.argpartition(-slab, k_row - 1, axis=1)[:, :k_row]
        best = np.take_along_axis(slab, top, axis=1)
        keep = best >= min_score
        rows.append(np.broadcast_to((local + start)[:, None], top.shape)[keep])
        cols.append(top[keep] + start)
        scores.append(best[keep])
        # Nearest earlier, column by column: this block's best rows merged
        # into the running table.
        k_col = min(k, height)
        top = np.argpartition(-slab, k_col - 1, axis=0)[:k_col]
        columns = np.arange(start, n)
        merged_score = np.hstack(
            [earlier_score[columns], np.take_along_axis(slab, top, axis=0).T]
        )
        merged_index = np.hstack([earlier_index[columns], top.T + start])
        pick = np.argpartition(-merged_score, k - 1, axis=1)[:, :k]
        earlier_score[columns] = np.take_along_axis(merged_score, pick, axis=1)
        earlier_index[columns] = np.take_along_axis(merged_index, pick, axis=1)
    keep = earlier_score >= min_score
    rows.append(earlier_index[keep])
    cols.append(np.broadcast_to(np.arange(n)[:, None], keep.shape)[keep])
    scores.append(earlier_score[keep])
    first, second = np.concatenate(rows), np.concatenate(cols)
    s = np.round(np.concatenate(scores), 4)
    # A pair found from both of its claims is listed once.
    _, unique = np.unique(first * n + second, return_index=True)
    first, second, s = first[unique], second[unique], s[unique]
    order = np.lexsort((second, first, -s))
    return [
        (candidates[first[i]][0], candidates[second[i]][0], float(s[i])) for i in order
    ]


def _dense(product) -> np.ndarray:
    return product.toarray() if sparse.issparse(product) else np.asarray(product)
