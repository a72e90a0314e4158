"""Which claim to offer a participant next (guided voting).

Pol.is's comment priority (math/src/polismath/math/conversation.clj):
importance = (1 - p) * (E + 1) * a, with p = (P+1)/(S+2) and a = (A+1)/(S+2),
priority = (importance * (1 + 8 * 2^(-S/5)))^2
where A agrees, P passes, S all votes and E the claim's extremity in the
opinion space. The 2^(-S/5) term puts claims with few votes first; a higher E
puts divisive claims first. Until an analysis gives extremities we use the
vote split itself, 2*min(A, D)/(A + D), as E.
"""

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Counts:
    agree: int = 0
    disagree: int = 0
    passes: int = 0

    @property
    def total(self) -> int:
        return self.agree + self.disagree + self.passes


def divisiveness(counts: Counts) -> float:
    decided = counts.agree + counts.disagree
    return 2 * min(counts.agree, counts.disagree) / decided if decided else 0.0


def priority(counts: Counts, extremity: float | None = None) -> float:
    s = counts.total
    p = (counts.passes + 1) / (s + 2)
    a = (counts.agree + 1) / (s + 2)
    e = divisiveness(counts) if extremity is None else extremity
    importance = (1 - p) * (e + 1) * a
    return (importance * (1 + 8 * 2 ** (-s / 5))) ** 2


def pick_next(
    candidates: Iterable[int],
    counts: Mapping[int, Counts],
    *,
    extremities: Mapping[int, float] | None = None,
    rng: random.Random | None = None,
) -> int | None:
    """A candidate drawn with probability proportional to its priority, as
    Pol.is does, so that not everyone is sent to the same claim."""
    candidates = list(candidates)
    if not candidates:
        return None
    extremities = extremities or {}
    weights = [
        priority(counts.get(c, Counts()), extremities.get(c)) for c in candidates
    ]
    return (rng or random.Random()).choices(candidates, weights=weights, k=1)[0]
