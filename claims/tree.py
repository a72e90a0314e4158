"""Path arithmetic of the claim tree, in one place.

Claims are a django-treebeard materialised-path tree: a claim's ``path`` is its
parent's path plus one step of STEP characters, so the ancestors of a claim are
prefixes of its path and its branch is every path that starts with it. Code
outside ``claims`` asks these functions (or ``claims.services`` for writes)
instead of cutting paths itself.

No model import here: ``claims.models`` takes STEP from this module.
"""

from django.db.models import Q
from django.db.models.functions import Length, Substr
from treebeard.mp_tree import MP_Node

STEP = MP_Node.steplen  # characters per level (treebeard's default, 4)


def depth_of(path: str) -> int:
    return len(path) // STEP


def parent_path(path: str) -> str:
    """The parent's path; "" for a thesis (it has none)."""
    return path[:-STEP] if len(path) > STEP else ""


def path_at(path: str, depth: int) -> str:
    """The path of the claim at ``depth`` on the way to ``path`` (its own
    when ``depth`` is its depth): 1 is the thesis."""
    return path[: STEP * depth]


def ancestor_paths(path: str, *, include_self: bool = False) -> list[str]:
    """The paths above ``path``, the thesis first; with ``include_self`` the
    claim's own path last."""
    last = depth_of(path) if include_self else depth_of(path) - 1
    return [path[: STEP * level] for level in range(1, last + 1)]


def steps(path: str) -> list[str]:
    """The path cut into its steps, one per level, the thesis's first."""
    return [path[i : i + STEP] for i in range(0, len(path), STEP)]


def step_for(place: int) -> str | None:
    """The path step of the ``place``-th child (1 is the first), as treebeard
    writes it; None when it does not fit in a step. The inverse of the places
    in ``Claim.number``."""
    if place < 1:
        return None
    key = MP_Node._int2str(place)
    return key.rjust(STEP, MP_Node.alphabet[0]) if len(key) <= STEP else None


def parse_number(value: str) -> list[int] | None:
    """A map number ("1.2.3", as ``Claim.number`` writes it) as its places, or
    None when ``value`` is not one."""
    parts = value.strip().split(".")
    if not all(part.isdigit() and int(part) > 0 for part in parts):
        return None
    return [int(part) for part in parts]


def is_in_branch(path: str, top: str) -> bool:
    """True when ``path`` is ``top``'s or below it."""
    return path.startswith(top)


def in_branch(path: str) -> Q:
    """The claim at ``path`` and every claim under it."""
    return Q(path__startswith=path)


def children_of(path, depth) -> Q:
    """The direct children of the claim at ``path`` of depth ``depth`` (values,
    or expressions such as ``OuterRef("path")``)."""
    return Q(path__startswith=path, depth=depth + 1)


# --- In queries ----------------------------------------------------------------


def parent_path_expression(path):
    """The parent's path of ``path`` (an expression: ``OuterRef("path")``...),
    computed by the database."""
    return Substr(path, 1, Length(path) - STEP)


def thesis_path_expression(path):
    """The path of the thesis above ``path``, computed by the database."""
    return Substr(path, 1, STEP)


def parent_path_sql(column: str) -> str:
    """SQL for the parent's path of the path in ``column`` (raw SQL on the hot
    vote path; see deliberation.selectors.voting)."""
    return f"SUBSTR({column}, 1, LENGTH({column}) - {STEP})"
