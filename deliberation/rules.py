"""Who may do what, as named predicates (django-rules).

Pages, the API and services all ask these same permissions. Objects: a Debate
for debate-level permissions, a Claim for claim-level ones.
"""

import rules

from claims import tree
from deliberation import phases
from deliberation.models import Debate, Membership


def _debate_of(obj):
    return obj if isinstance(obj, Debate) else getattr(obj, "debate", None)


def cached_membership(user, debate_id: int) -> Membership | None:
    """The user's membership in a debate, looked up once per request (the
    cache lives on the request's user object)."""
    if not user.is_authenticated:
        return None
    cache = user.__dict__.setdefault("_membership_cache", {})
    if debate_id not in cache:
        cache[debate_id] = Membership.objects.filter(
            debate_id=debate_id, user=user
        ).first()
    return cache[debate_id]


def membership_is_cached(user, debate_id: int) -> bool:
    """True when ``cached_membership`` answers without a query."""
    return debate_id in user.__dict__.get("_membership_cache", {})


def remember_membership(
    user, membership: Membership | None, *, debate_id: int | None = None
) -> None:
    """Keep ``user``'s membership (or None: not a member of ``debate_id``) for
    ``cached_membership``."""
    key = membership.debate_id if membership is not None else debate_id
    user.__dict__.setdefault("_membership_cache", {})[key] = membership


def _membership(user, obj):
    debate = _debate_of(obj)
    return None if debate is None else cached_membership(user, debate.pk)


@rules.predicate
def is_debate_owner(user, obj):
    debate = _debate_of(obj)
    return bool(debate and user.is_authenticated and debate.owner_id == user.pk)


@rules.predicate
def is_member(user, obj):
    membership = _membership(user, obj)
    return membership is not None and membership.status != Membership.Status.REMOVED


@rules.predicate
def is_debate_moderator(user, obj):
    """An owner or moderator membership that is active: a suspended or
    removed moderator moderates nothing until reinstated."""
    membership = _membership(user, obj)
    return bool(
        membership
        and membership.role in (Membership.Role.OWNER, Membership.Role.MODERATOR)
        and membership.is_active()
    )


@rules.predicate
def is_not_suspended(user, obj):
    """No membership yet, an active one, or a suspension whose time is up
    (``suspended_until`` passed). Removed members stay out."""
    membership = _membership(user, obj)
    return membership is None or membership.is_active()


@rules.predicate
def is_observer(user, obj):
    membership = _membership(user, obj)
    return bool(membership and membership.role == Membership.Role.OBSERVER)


@rules.predicate
def debate_is_listed_or_unlisted(user, obj):
    debate = _debate_of(obj)
    return bool(debate and debate.visibility != Debate.Visibility.PRIVATE)


@rules.predicate
def is_author(user, obj):
    return bool(user.is_authenticated and getattr(obj, "author_id", None) == user.pk)


@rules.predicate
def voting_enabled(user, obj):
    debate = _debate_of(obj)
    return bool(debate and debate.voting_enabled)


@rules.predicate
def claim_is_visible(user, claim):
    return getattr(claim, "status", None) == "visible"


def branch_is_locked(claim) -> bool:
    """True when ``claim`` or one of its ancestors is locked. Pages that have
    loaded the ancestors set ``claim.branch_locked`` and spare the query."""
    cached = getattr(claim, "branch_locked", None)
    if cached is not None:
        return cached
    from claims.models import Claim

    paths = tree.ancestor_paths(claim.path, include_self=True)
    claim.branch_locked = Claim.objects.filter(
        debate_id=claim.debate_id, path__in=paths, locked=True
    ).exists()
    return claim.branch_locked


@rules.predicate
def thread_is_open(user, claim):
    """Nothing new (claims, votes, comments) at or below a locked claim."""
    return not branch_is_locked(claim)


def phase_allows(feature: str):
    """The debate's phase enables ``feature`` (a debate without phases
    enables everything)."""

    @rules.predicate(name=f"phase_allows_{feature}")
    def predicate(user, obj):
        debate = _debate_of(obj)
        return debate is None or phases.allows(debate.phase, feature)

    return predicate


is_staff = rules.is_staff
can_view = debate_is_listed_or_unlisted | is_member | is_debate_owner | is_staff
is_moderator = is_debate_owner | is_debate_moderator | is_staff
# Phases hold participants back; the teacher and moderators never.
in_phase = {f: phase_allows(f) | is_moderator for f in phases.FEATURES}

rules.add_perm("deliberation.view_debate", can_view)
rules.add_perm("deliberation.change_debate", is_debate_owner | is_staff)
rules.add_perm("deliberation.moderate_debate", is_moderator)
# Any signed-in reader may add claims to an open debate (joining it as a
# participant); observers and suspended members may not.
rules.add_perm(
    "deliberation.add_claim",
    rules.is_authenticated
    & can_view
    & is_not_suspended
    & ~is_observer
    & in_phase[phases.CLAIM],
)
rules.add_perm(
    "deliberation.change_claim",
    rules.is_authenticated
    & can_view
    & is_not_suspended
    & ((is_author & in_phase[phases.CLAIM]) | is_moderator),
)
rules.add_perm("deliberation.change_source", is_moderator)
# Object: a Claim.
rules.add_perm(
    "deliberation.vote_claim",
    rules.is_authenticated
    & can_view
    & voting_enabled
    & claim_is_visible
    & is_not_suspended
    & ~is_observer
    & in_phase[phases.VOTE]
    & thread_is_open,
)
# Object: a Claim, the parent of a new pro or con.
rules.add_perm(
    "deliberation.add_claim_under",
    rules.is_authenticated
    & can_view
    & is_not_suspended
    & ~is_observer
    & in_phase[phases.CLAIM]
    & claim_is_visible
    & thread_is_open,
)
# Seeing one participant's votes: their consent, or a moderator's view.
rules.add_perm("deliberation.view_member_votes", is_moderator)


# --- Annotations and comments -------------------------------------------------


@rules.predicate
def is_creator(user, obj):
    return bool(user.is_authenticated and getattr(obj, "creator_id", None) == user.pk)


# Objects: a Debate. Who may add annotations and comments: as for claims.
can_contribute = rules.is_authenticated & can_view & is_not_suspended & ~is_observer
rules.add_perm("deliberation.annotate", can_contribute & in_phase[phases.ANNOTATE])
rules.add_perm("deliberation.comment", can_contribute & in_phase[phases.COMMENT])
# Object: a Claim. Comments on a claim also need its thread to be open (who
# may see a pending or hidden claim, its author and moderators, may discuss it).
rules.add_perm(
    "deliberation.comment_on_claim",
    can_contribute & in_phase[phases.COMMENT] & thread_is_open,
)
# Objects: an Annotation, a Comment. Their authors, and the debate's moderators.
rules.add_perm(
    "deliberation.change_annotation",
    rules.is_authenticated & can_view & is_not_suspended & (is_creator | is_moderator),
)
rules.add_perm(
    "deliberation.change_comment",
    rules.is_authenticated & can_view & is_not_suspended & (is_author | is_moderator),
)


# --- Moderation ---------------------------------------------------------------


@rules.predicate
def is_item_author(user, obj):
    """The author of a claim or comment, or the creator of an annotation."""
    if not user.is_authenticated:
        return False
    owner = getattr(obj, "author_id", None) or getattr(obj, "creator_id", None)
    return owner == user.pk


# Objects: a Claim, an Annotation or a Comment. Any signed-in reader who may
# contribute (observers too: reporting is not contributing), not on their own.
rules.add_perm(
    "deliberation.flag",
    rules.is_authenticated & can_view & is_not_suspended & ~is_item_author,
)
# Object: a Debate. Moderators see the whole audit log; everyone signed in
# sees the rows about their own items (the selector filters).
rules.add_perm("deliberation.view_moderation_log", rules.is_authenticated & can_view)
