"""Opinion groups compared with assigned sides (classroom debates): a cross
table, the adjusted Rand index, and how many pupils were grouped with the
side most of their group holds. Pure: no Django."""

from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

from sklearn.metrics import adjusted_rand_score


@dataclass(frozen=True)
class SidesComparison:
    sides: list[str]  # columns, sorted
    groups: list[int]  # rows, sorted
    counts: dict[tuple[int, str], int]  # (group, side) -> pupils
    compared: int  # pupils both grouped and with a side
    with_their_side: int  # in a group whose most common side is theirs
    ari: float | None  # adjusted Rand index; None below two pupils

    def count(self, group: int, side: str) -> int:
        return self.counts.get((group, side), 0)


def compare_with_sides(
    group_of: Mapping[Hashable, int], side_of: Mapping[Hashable, str]
) -> SidesComparison:
    """``group_of`` maps grouped participants to their group, ``side_of``
    participants to their side; only those in both count. A group's side is
    the one most of its pupils hold (ties: the first in alphabetical order),
    so "with their side" is the agreement of the best group-to-side match."""
    pupils = [p for p in group_of if side_of.get(p)]
    counts = Counter((group_of[p], side_of[p]) for p in pupils)
    sides = sorted({side for _, side in counts})
    groups = sorted({group for group, _ in counts})
    # max() keeps the first of equal counts: sides are sorted.
    majority = {g: max(sides, key=lambda s: counts.get((g, s), 0)) for g in groups}
    with_side = sum(n for (g, s), n in counts.items() if majority[g] == s)
    ari = None
    if len(pupils) >= 2:
        ari = float(
            adjusted_rand_score(
                [side_of[p] for p in pupils], [group_of[p] for p in pupils]
            )
        )
    return SidesComparison(
        sides=sides,
        groups=groups,
        counts=dict(counts),
        compared=len(pupils),
        with_their_side=with_side,
        ari=ari,
    )
