"""What each phase of a classroom debate lets participants do (pure rules,
no database). Moderators and the teacher are never held by phases."""

from collections.abc import Sequence

PREPARE, OPENING, REBUTTAL, VOTING, REFLECTION, CLOSED = (
    "prepare",
    "opening",
    "rebuttal",
    "voting",
    "reflection",
    "closed",
)
ORDER = (PREPARE, OPENING, REBUTTAL, VOTING, REFLECTION, CLOSED)

ANNOTATE, CLAIM, VOTE, COMMENT = "annotate", "claim", "vote", "comment"
FEATURES = (ANNOTATE, CLAIM, VOTE, COMMENT)

# Blank phase: a debate without phases, everything open.
ENABLED: dict[str, frozenset[str]] = {
    "": frozenset(FEATURES),
    PREPARE: frozenset({ANNOTATE}),
    OPENING: frozenset({ANNOTATE, CLAIM}),
    REBUTTAL: frozenset({ANNOTATE, CLAIM}),
    VOTING: frozenset({VOTE}),
    REFLECTION: frozenset({COMMENT}),
    CLOSED: frozenset(),
}

# What a pupil is told when a phase holds them back.
NOT_NOW = {
    ANNOTATE: "Annotating is not open in this phase.",
    CLAIM: "Adding claims is not open in this phase.",
    VOTE: "Voting is not open in this phase.",
    COMMENT: "Comments are not open in this phase.",
}

FOR, AGAINST = "for", "against"
SIDES = (FOR, AGAINST)


def allows(phase: str, feature: str) -> bool:
    return feature in ENABLED.get(phase, frozenset())


def next_phase(phase: str) -> str | None:
    """The phase after ``phase`` (the first one for a debate without phases)."""
    if phase not in ORDER:
        return ORDER[0]
    index = ORDER.index(phase)
    return ORDER[index + 1] if index + 1 < len(ORDER) else None


def alignment(stances: Sequence[str]) -> int:
    """+1 if a claim argues for its thesis, -1 if against: the stances on the
    path below the thesis (thesis excluded, the claim last), each con
    turning the direction."""
    sign = 1
    for stance in stances:
        if stance == "con":
            sign = -sign
    return sign


def side_sign(side: str) -> int:
    return {FOR: 1, AGAINST: -1}.get(side, 0)


def claim_rule_broken(
    *, phase: str, side: str, parent_stances: Sequence[str] | None, stance: str
) -> str:
    """Why a pupil on ``side`` may not add a ``stance`` claim under a parent
    whose path stances (below the thesis) are ``parent_stances`` (None: the
    parent is a thesis) in ``phase``; "" when they may.

    Opening: claims for your own side, straight under a thesis. Rebuttal:
    cons against the other side's claims."""
    if phase not in (OPENING, REBUTTAL):
        return ""
    sign = side_sign(side)
    if sign == 0:
        return "The teacher has not given you a side yet."
    if phase == OPENING:
        if parent_stances is not None:
            return "In the opening, add claims straight under a thesis."
        if alignment([stance]) != sign:
            wanted = "pro" if sign > 0 else "con"
            return f"In the opening, argue for your side: add a {wanted}."
        return ""
    # Rebuttal
    if parent_stances is None or alignment(parent_stances) == sign:
        return "In the rebuttal, answer a claim of the other side."
    if stance != "con":
        return "In the rebuttal, add a con against the other side's claim."
    return ""
