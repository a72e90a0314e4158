"""Near-duplicate suggestions: TF-IDF over character n-grams (within words),
so it works for languages written without spaces and survives typos and
inflections. Pure (scikit-learn, no Django)."""

from collections.abc import Hashable, Sequence

from sklearn.feature_extraction.text import TfidfVectorizer

MIN_SCORE = 0.05


def most_similar(
    text: str,
    candidates: Sequence[tuple[Hashable, str]],
    *,
    limit: int = 5,
    min_score: float = MIN_SCORE,
) -> list[tuple[Hashable, float]]:
    """``(id, cosine similarity)`` of the ``limit`` candidates most like
    ``text``, best first (ties by candidate order); scores below
    ``min_score`` are left out."""
    text = text.strip()
    if not text or not candidates:
        return []
    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, lowercase=True
    )
    try:
        matrix = vectorizer.fit_transform([body for _, body in candidates])
    except ValueError:  # nothing to learn from (e.g. only one-letter texts)
        return []
    query = vectorizer.transform([text])
    scores = (matrix @ query.T).toarray().ravel()  # rows are L2-normalised
    order = sorted(range(len(candidates)), key=lambda i: (-scores[i], i))
    return [
        (candidates[i][0], round(float(scores[i]), 4))
        for i in order[:limit]
        if scores[i] >= min_score
    ]
