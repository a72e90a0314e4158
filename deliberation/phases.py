"""What each phase of a classroom debate lets participants do, and every text
about phases: their labels, what a pupil can do now, why an act waits for
another phase (pure rules, no database). ``Debate.Phase`` is built from here.
Moderators and the teacher are never held by phases."""

from collections.abc import Sequence

NONE = ""  # a debate without phases: everything open
PREPARE, OPENING, REBUTTAL, VOTING, REFLECTION, CLOSED = (
    "prepare",
    "opening",
    "rebuttal",
    "voting",
    "reflection",
    "closed",
)
ORDER = (PREPARE, OPENING, REBUTTAL, VOTING, REFLECTION, CLOSED)

LABELS = {
    NONE: "No phases",
    PREPARE: "Prepare",
    OPENING: "Opening",
    REBUTTAL: "Rebuttal",
    VOTING: "Voting",
    REFLECTION: "Reflection",
    CLOSED: "Closed",
}

# What a pupil can do now (the phase banner, the live phase event).
HINTS = {
    NONE: "",
    PREPARE: "Read the sources and annotate them.",
    OPENING: "Add claims for your side, straight under a thesis.",
    REBUTTAL: "Answer the other side's claims with cons.",
    VOTING: "Vote on the claims.",
    REFLECTION: "Comment on the arguments.",
    CLOSED: "The debate is closed: read only.",
}

ANNOTATE, CLAIM, VOTE, COMMENT = "annotate", "claim", "vote", "comment"
FEATURES = (ANNOTATE, CLAIM, VOTE, COMMENT)

# A feature as the subject of a sentence ("Voting is not open ...") and as
# what a person does ("cannot vote"), for the refusals here and in rules.py.
ACTIVITIES = {
    ANNOTATE: "Annotating",
    CLAIM: "Adding claims",
    VOTE: "Voting",
    COMMENT: "Commenting",
}
VERBS = {
    ANNOTATE: "annotate",
    CLAIM: "add claims",
    VOTE: "vote",
    COMMENT: "comment",
}

ENABLED: dict[str, frozenset[str]] = {
    NONE: frozenset(FEATURES),
    PREPARE: frozenset({ANNOTATE}),
    OPENING: frozenset({ANNOTATE, CLAIM}),
    REBUTTAL: frozenset({ANNOTATE, CLAIM}),
    VOTING: frozenset({VOTE}),
    REFLECTION: frozenset({COMMENT}),
    CLOSED: frozenset(),
}

FOR, AGAINST = "for", "against"
SIDES = (FOR, AGAINST)
PRO, CON = "pro", "con"
STANCES = (PRO, CON)


def label(phase: str) -> str:
    return LABELS.get(phase, phase)


def hint(phase: str) -> str:
    return HINTS.get(phase, "")


def choices() -> list[tuple[str, str]]:
    """The phases in order, as (value, label) pairs for forms."""
    return [(phase, LABELS[phase]) for phase in ORDER]


def allows(phase: str, feature: str) -> bool:
    return feature in ENABLED.get(phase, frozenset())


def next_phase(phase: str) -> str | None:
    """The phase after ``phase`` (the first one for a debate without phases)."""
    if phase not in ORDER:
        return ORDER[0]
    index = ORDER.index(phase)
    return ORDER[index + 1] if index + 1 < len(ORDER) else None


def not_now(phase: str, feature: str) -> str:
    """Why ``phase`` holds a pupil back from ``feature``, naming the phase
    and the later phase that opens it, if any ("" when it does not)."""
    if allows(phase, feature):
        return ""
    refusal = f"{ACTIVITIES[feature]} is not open in the {label(phase).lower()} phase."
    later = ORDER[ORDER.index(phase) + 1 :] if phase in ORDER else ()
    opens = next((p for p in later if allows(p, feature)), None)
    if opens:
        refusal += f" It opens in the {label(opens).lower()} phase."
    return refusal


def alignment(stances: Sequence[str]) -> int:
    """+1 if a claim argues for its thesis, -1 if against: the stances on the
    path below the thesis (thesis excluded, the claim last), each con
    turning the direction."""
    sign = 1
    for stance in stances:
        if stance == CON:
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
            wanted = PRO if sign > 0 else CON
            return f"In the opening, argue for your side: add a {wanted}."
        return ""
    # Rebuttal
    if parent_stances is None or alignment(parent_stances) == sign:
        return "In the rebuttal, answer a claim of the other side."
    if stance != CON:
        return "In the rebuttal, add a con against the other side's claim."
    return ""


def allowed_stances(
    *, phase: str, side: str, parent_stances: Sequence[str] | None
) -> tuple[str, ...]:
    """The stances (pro, con) a pupil on ``side`` may add under that parent
    in ``phase``: what the claim form offers."""
    return tuple(
        stance
        for stance in STANCES
        if not claim_rule_broken(
            phase=phase, side=side, parent_stances=parent_stances, stance=stance
        )
    )
