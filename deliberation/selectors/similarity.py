"""Reads for duplicate suggestions: claims like a draft, likely duplicate pairs."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache

from claims import tree
from claims.models import Claim
from deliberation.models import (
    Debate,
)
from deliberation.selectors.debates import claims_shown_to

# --- Duplicate suggestions ----------------------------------------------------------

_similarity_backends: dict = {}


def similarity_backend():
    """The backend SIMILARITY_BACKEND names (auto: sentence embeddings when the
    optional extra is installed, else TF-IDF), made once per process so a
    model loads once."""
    # deferred: scikit-learn takes a second to load; only drafts and duplicates need it
    from deliberation.analysis.similarity import make_backend

    name = settings.SIMILARITY_BACKEND
    if name not in _similarity_backends:
        # Embedding vectors are kept in the cache (Redis in production) for
        # every process: encoding is the slow part.
        _similarity_backends[name] = make_backend(name, store=cache)
    return _similarity_backends[name]


def comparable_claims(debate: Debate) -> dict[int, Claim]:
    """The claims anyone may read (``claims_shown_to`` an anonymous reader),
    links left out, in tree order: what drafts are compared with. One query."""
    rows = (
        claims_shown_to(AnonymousUser(), debate, numbered=False)
        .filter(link_to=None)
        .exclude(text="")
        .only("pk", "path", "depth", "status", "stance", "text", "link_to_id")
        .order_by("path")
    )
    return {c.pk: c for c in rows}


def similar_claims(
    *, debate: Debate, text: str, limit: int = 5, min_score: float | None = None
) -> list[tuple]:
    """``(claim, score)`` of the debate's visible claims most like ``text``
    (a draft), best first: suggestions before someone adds a duplicate."""
    # deferred: scikit-learn takes a second to load; only drafts and duplicates need it
    from deliberation.analysis.similarity import MIN_SCORE, most_similar

    claims = comparable_claims(debate)
    found = most_similar(
        text,
        [(pk, c.text) for pk, c in claims.items()],
        limit=limit,
        min_score=MIN_SCORE if min_score is None else min_score,
        backend=similarity_backend(),
    )
    return [(claims[pk], score) for pk, score in found]


def near_duplicates_of(*, debate: Debate, text: str, limit: int = 5) -> list[tuple]:
    """Claims so like the draft that it is likely said already: the form asks
    once before posting it."""
    return similar_claims(
        debate=debate,
        text=text,
        limit=limit,
        min_score=similarity_backend().duplicate_min_score,
    )


def suggestion_min_score() -> float:
    """Below this score a similar claim is not worth suggesting to a writer."""
    return similarity_backend().suggest_min_score


@dataclass
class DuplicatePair:
    """Two visible claims that likely say the same, and the merges the
    moderator may choose between: ``(duplicate, kept)`` pairs (a thesis is
    never merged away, nor a claim into its own branch)."""

    first: Claim
    second: Claim
    score: float
    merges: list[tuple[Claim, Claim]]

    @property
    def claims(self) -> tuple[Claim, Claim]:
        return self.first, self.second


def _may_merge(duplicate: Claim, kept: Claim) -> bool:
    # The same rules as services.moderation.claims_merge, checked up front so
    # the page offers only merges that can succeed.
    return duplicate.depth > 1 and not tree.is_in_branch(kept.path, duplicate.path)


def duplicate_pairs(
    debate: Debate, *, min_score: float | None = None, limit: int = 100
) -> list[DuplicatePair]:
    """Likely duplicate pairs among the debate's visible claims, most alike
    first (one query)."""
    # deferred: scikit-learn takes a second to load; only drafts and duplicates need it
    from deliberation.analysis.similarity import duplicate_pairs as find_pairs

    claims = comparable_claims(debate)
    pairs = []
    for a, b, score in find_pairs(
        [(pk, c.text) for pk, c in claims.items()],
        min_score=min_score,
        backend=similarity_backend(),
    ):
        first, second = claims[a], claims[b]
        merges = [
            (dup, kept)
            for dup, kept in ((second, first), (first, second))
            if _may_merge(dup, kept)
        ]
        if merges:
            pairs.append(DuplicatePair(first, second, score, merges))
        if len(pairs) == limit:
            break
    return pairs
