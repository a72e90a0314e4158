"""Who may do what, as named predicates (django-rules).

Pages, the API and services all ask these same permissions. Objects: a Debate
for debate-level permissions, a Claim for claim-level ones.
"""

import rules

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


def remember_membership(user, membership: Membership) -> None:
    user.__dict__.setdefault("_membership_cache", {})[membership.debate_id] = membership


def _membership(user, obj):
    debate = _debate_of(obj)
    return None if debate is None else cached_membership(user, debate.pk)


@rules.predicate
def is_debate_owner(user, obj):
    debate = _debate_of(obj)
    return bool(debate and user.is_authenticated and debate.owner_id == user.pk)


@rules.predicate
def is_member(user, obj):
    return _membership(user, obj) is not None


@rules.predicate
def is_debate_moderator(user, obj):
    membership = _membership(user, obj)
    return bool(
        membership
        and membership.role in (Membership.Role.OWNER, Membership.Role.MODERATOR)
    )


@rules.predicate
def is_not_suspended(user, obj):
    membership = _membership(user, obj)
    return membership is None or membership.status == Membership.Status.ACTIVE


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


is_staff = rules.is_staff
can_view = debate_is_listed_or_unlisted | is_member | is_debate_owner | is_staff
is_moderator = is_debate_owner | is_debate_moderator | is_staff

rules.add_perm("deliberation.view_debate", can_view)
rules.add_perm("deliberation.change_debate", is_debate_owner | is_staff)
rules.add_perm("deliberation.moderate_debate", is_moderator)
# Any signed-in reader may add claims to an open debate (joining it as a
# participant); observers and suspended members may not.
rules.add_perm(
    "deliberation.add_claim",
    rules.is_authenticated & can_view & is_not_suspended & ~is_observer,
)
rules.add_perm(
    "deliberation.change_claim",
    rules.is_authenticated & can_view & is_not_suspended & (is_author | is_moderator),
)
rules.add_perm("deliberation.change_source", is_moderator)
# Object: a Claim. Phases (classroom) will add their own predicate here.
rules.add_perm(
    "deliberation.vote_claim",
    rules.is_authenticated
    & can_view
    & voting_enabled
    & claim_is_visible
    & is_not_suspended
    & ~is_observer,
)
# Seeing one participant's votes: their consent, or a moderator's view.
rules.add_perm("deliberation.view_member_votes", is_moderator)


# --- Annotations and comments -------------------------------------------------


@rules.predicate
def is_creator(user, obj):
    return bool(user.is_authenticated and getattr(obj, "creator_id", None) == user.pk)


# Objects: a Debate. Who may add annotations and comments: as for claims.
can_contribute = rules.is_authenticated & can_view & is_not_suspended & ~is_observer
rules.add_perm("deliberation.annotate", can_contribute)
rules.add_perm("deliberation.comment", can_contribute)
# Objects: an Annotation, a Comment. Their authors, and the debate's moderators.
rules.add_perm(
    "deliberation.change_annotation",
    rules.is_authenticated & can_view & is_not_suspended & (is_creator | is_moderator),
)
rules.add_perm(
    "deliberation.change_comment",
    rules.is_authenticated & can_view & is_not_suspended & (is_author | is_moderator),
)
