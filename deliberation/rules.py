"""Who may do what, as named predicates (django-rules), and why not.

Pages, the API and services all ask these same permissions. Objects: a Debate
for debate-level permissions, a Claim for claim-level ones.

Each permission is a list of checks in a fixed order (signed in, not removed,
may see the debate, not suspended, who may do it, not an observer, thread
open (for replies: new claims and comments, never votes), the phase, the
side rule, the claim shown, voting on): the permission is all of them, and
``refusal`` gives the reason of the first that fails, so a page, the API and
a service refuse the same act with the same words.
"""

import functools
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import rules
from django.utils import timezone
from django.utils.formats import date_format

from claims import tree
from claims.models import Claim
from deliberation import phases
from deliberation.models import Debate, Membership, ModerationAction
from deliberation.names import is_guest_username


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


# Roles that moderate a debate (the owner is its teacher or facilitator).
MODERATING_ROLES = (Membership.Role.OWNER, Membership.Role.MODERATOR)


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
        membership and membership.role in MODERATING_ROLES and membership.is_active()
    )


@rules.predicate
def is_not_removed(user, obj):
    membership = _membership(user, obj)
    return membership is None or membership.status != Membership.Status.REMOVED


@rules.predicate
def is_not_suspended(user, obj):
    """No membership yet, or one that is not suspended, or a suspension whose
    time is up (``suspended_until`` passed)."""
    membership = _membership(user, obj)
    return (
        membership is None
        or membership.status != Membership.Status.SUSPENDED
        or membership.is_active()
    )


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
def is_creator(user, obj):
    return bool(user.is_authenticated and getattr(obj, "creator_id", None) == user.pk)


@rules.predicate
def is_item_author(user, obj):
    """The author of a claim or comment, or the creator of an annotation."""
    if not user.is_authenticated:
        return False
    owner = getattr(obj, "author_id", None) or getattr(obj, "creator_id", None)
    return owner == user.pk


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
    paths = tree.ancestor_paths(claim.path, include_self=True)
    claim.branch_locked = Claim.objects.filter(
        debate_id=claim.debate_id, path__in=paths, locked=True
    ).exists()
    return claim.branch_locked


@rules.predicate
def thread_is_open(user, claim):
    """No replies (new claims, comments) at or below a locked claim. A lock
    stops the discussion, not the judgement: votes still count (as a locked
    topic on Discourse takes no replies but keeps its likes)."""
    return not branch_is_locked(claim)


def phase_allows(feature: str):
    """The debate's phase enables ``feature`` (a debate without phases
    enables everything)."""

    @rules.predicate(name=f"phase_allows_{feature}")
    def predicate(user, obj):
        debate = _debate_of(obj)
        return debate is None or phases.allows(debate.phase, feature)

    return predicate


@rules.predicate
def debate_is_not_closed(user, obj):
    """The debate (of ``obj``) is not in its closed phase, which is read only."""
    debate = _debate_of(obj)
    return debate is None or debate.phase != phases.CLOSED


@rules.predicate
def is_guest_account(user):
    """An account made for one debate: by joining with a code and a
    pseudonym, or from a teacher's roster (erased with the class). Told by
    the internal username every such account gets (``guest_create``), so
    asking costs no query; sign-up refuses that shape of username."""
    return user.is_authenticated and is_guest_username(user.get_username())


is_staff = rules.is_staff
# A teacher is a registered account: signed in, and not a guest account. Who
# signs up (or is made by an administrator) may run classes; pupils who
# joined with a code or from a roster never may.
is_teacher = rules.is_authenticated & ~is_guest_account
can_view = debate_is_listed_or_unlisted | is_member | is_debate_owner | is_staff
is_moderator = is_debate_owner | is_debate_moderator | is_staff


def may_moderate(user, debate: Debate) -> bool:
    """The one moderator gate: pages, the API, selectors and services ask
    this (the ``deliberation.moderate_debate`` permission)."""
    return user.has_perm("deliberation.moderate_debate", debate)


# --- The side rule (opening and rebuttal) -------------------------------------


def path_stances(claim) -> list[str] | None:
    """The stances on the path below the thesis down to ``claim`` (the claim
    last); None for a thesis. Pages that loaded the ancestors set
    ``claim.path_stances`` and spare the query."""
    if "path_stances" not in claim.__dict__:
        if claim.depth == 1:
            claim.path_stances = None
        else:
            above = Claim.objects.get_ancestors(claim).values_list("stance", flat=True)
            claim.path_stances = [*above[1:], claim.stance]
    return claim.path_stances


def _side_rule_applies(user, claim) -> bool:
    debate = _debate_of(claim)
    return bool(
        debate
        and debate.phase in (phases.OPENING, phases.REBUTTAL)
        and not is_moderator(user, claim)
    )


def _side_rule_broken(user, claim, stance: str) -> str:
    """Why the phase and ``user``'s side forbid a ``stance`` claim under
    ``claim``; "" when they allow it. Teachers and moderators are never held."""
    if not _side_rule_applies(user, claim):
        return ""
    membership = _membership(user, claim)
    return phases.claim_rule_broken(
        phase=_debate_of(claim).phase,
        side=membership.side if membership else "",
        parent_stances=path_stances(claim),
        stance=stance,
    )


def allowed_stances(user, claim) -> tuple[str, ...]:
    """The stances ``user`` may add under ``claim`` as its phase and their
    side stand: what the claim form offers."""
    return tuple(
        stance
        for stance in phases.STANCES
        if not _side_rule_broken(user, claim, stance)
    )


@rules.predicate
def side_allows_a_stance(user, claim):
    return bool(allowed_stances(user, claim))


# --- Why not: the checks, in their fixed order --------------------------------


@dataclass(frozen=True)
class Check:
    """One condition of a permission and what a person it stops is told.

    ``role``: the check says who may do this at all (its reason is generic;
    a service may name its act instead). ``stance_reason``: for the side
    rule, why a given stance is refused ("" when allowed)."""

    test: rules.Predicate
    reason: Callable[[Any, Any], str]
    role: bool = False
    stance_reason: Callable[[Any, Any, str], str] | None = None


def _says(text: str) -> Callable[[Any, Any], str]:
    return lambda user, obj: text


def _last_act(membership: Membership, action: str) -> str:
    """The reason a moderator gave for suspending or removing ``membership``
    (read only when someone is refused for it)."""
    return (
        ModerationAction.objects.filter(membership=membership, action=action)
        .order_by("-pk")
        .values_list("reason", flat=True)
        .first()
        or ""
    )


def _removed(user, obj) -> str:
    reason = _last_act(_membership(user, obj), ModerationAction.Action.REMOVE)
    return "You were removed from this debate" + (f": {reason}" if reason else ".")


def _suspended(user, obj) -> str:
    membership = _membership(user, obj)
    text = "You are suspended from this debate"
    if membership.suspended_until:
        until = timezone.localtime(membership.suspended_until)
        text += f" until {date_format(until, 'j F Y, H:i T')}"
    reason = _last_act(membership, ModerationAction.Action.SUSPEND)
    return text + (f": {reason}" if reason else ".")


# What a lock or a claim's state stops, per feature.
NEW_THINGS = {
    phases.ANNOTATE: "new annotations",
    phases.CLAIM: "new claims",
    phases.VOTE: "votes",
    phases.COMMENT: "new comments",
}


def _claim_not_shown(feature: str) -> Callable[[Any, Any], str]:
    def reason(user, claim) -> str:
        state = {"hidden": "hidden", "pending": "waiting for a moderator"}.get(
            getattr(claim, "status", ""), "not shown"
        )
        return f"This claim is {state}: no {NEW_THINGS[feature]}."

    return reason


def _phase_holds(feature: str) -> Callable[[Any, Any], str]:
    return lambda user, obj: phases.not_now(_debate_of(obj).phase, feature)


def _any_stance_refused(user, claim) -> str:
    # With no stance allowed, both are refused for the same reason.
    return _side_rule_broken(user, claim, phases.PRO)


def signed_in(verb: str = "") -> Check:
    return Check(
        rules.is_authenticated, _says(f"Sign in to {verb}." if verb else "Sign in.")
    )


NOT_REMOVED = Check(is_not_removed, _removed)
CAN_VIEW = Check(can_view, _says("You may not see this debate."))
NOT_SUSPENDED = Check(is_not_suspended, _suspended)
SIDE_RULE = Check(
    side_allows_a_stance, _any_stance_refused, stance_reason=_side_rule_broken
)
VOTING_ON = Check(voting_enabled, _says("Voting is switched off in this debate."))


def role(test: rules.Predicate, text: str) -> Check:
    return Check(test, _says(text), role=True)


def not_observer(feature: str) -> Check:
    return Check(
        ~is_observer,
        _says(f"Observers read and flag, but cannot {phases.VERBS[feature]}."),
    )


def thread_open(feature: str) -> Check:
    return Check(
        thread_is_open, _says(f"This thread is locked: no {NEW_THINGS[feature]}.")
    )


def in_phase(feature: str) -> Check:
    # Phases hold participants back; the teacher and moderators never.
    return Check(phase_allows(feature) | is_moderator, _phase_holds(feature))


def not_closed() -> Check:
    # A closed debate is read only, but for its teacher and moderators.
    return Check(debate_is_not_closed | is_moderator, _says(phases.hint(phases.CLOSED)))


def claim_shown(feature: str) -> Check:
    return Check(claim_is_visible, _claim_not_shown(feature))


CHECKS: dict[str, tuple[Check, ...]] = {}


def add_perm(name: str, *checks: Check) -> None:
    """Register ``name`` as all of ``checks``, in their order."""
    CHECKS[name] = checks
    rules.add_perm(name, functools.reduce(operator.and_, (c.test for c in checks)))


def member(verb: str = "") -> tuple[Check, ...]:
    """Signed in, not removed, may see the debate, not suspended: the start
    of every act of a participant."""
    return (signed_in(verb), NOT_REMOVED, CAN_VIEW, NOT_SUSPENDED)


NOT_A_MODERATOR = "Only the debate's moderators may do this."
OWN_ONLY = "Only its author or a moderator may change it."

add_perm("deliberation.view_debate", CAN_VIEW)
# No object: making a class or workshop (services.class_create).
add_perm(
    "deliberation.create_class",
    signed_in("create a class"),
    role(
        is_teacher,
        "Only teachers make classes: sign up for your own account to run one.",
    ),
)
add_perm(
    "deliberation.change_debate",
    role(is_debate_owner | is_staff, "Only the debate's owner may do this."),
)
add_perm("deliberation.moderate_debate", role(is_moderator, NOT_A_MODERATOR))
# Any signed-in reader may add claims to an open debate (joining it as a
# participant); observers and suspended members may not.
add_perm(
    "deliberation.add_claim",
    *member(phases.VERBS[phases.CLAIM]),
    not_observer(phases.CLAIM),
    in_phase(phases.CLAIM),
)
# Object: a Claim, the parent of a new pro or con. The side rule needs the
# stance (``refusal(..., stance=...)``); without one it asks whether any
# stance is left to add.
add_perm(
    "deliberation.add_claim_under",
    *member(phases.VERBS[phases.CLAIM]),
    not_observer(phases.CLAIM),
    thread_open(phases.CLAIM),
    in_phase(phases.CLAIM),
    SIDE_RULE,
    claim_shown(phases.CLAIM),
)
# The author in a phase for claims, or a moderator.
add_perm(
    "deliberation.change_claim",
    *member(),
    role(is_author | is_moderator, OWN_ONLY),
    in_phase(phases.CLAIM),
)
add_perm(
    "deliberation.change_source",
    role(is_moderator, "Only the debate's moderators may change its sources."),
)
# Object: a Claim.
add_perm(
    "deliberation.vote_claim",
    *member(phases.VERBS[phases.VOTE]),
    not_observer(phases.VOTE),
    in_phase(phases.VOTE),
    claim_shown(phases.VOTE),
    VOTING_ON,
)
# Seeing one participant's votes: their consent, or a moderator's view.
add_perm(
    "deliberation.view_member_votes",
    role(is_moderator, "Only the debate's moderators may see a member's votes."),
)


# --- Annotations and comments -------------------------------------------------

# Objects: a Debate. Who may add annotations and comments: as for claims.
add_perm(
    "deliberation.annotate",
    *member(phases.VERBS[phases.ANNOTATE]),
    not_observer(phases.ANNOTATE),
    in_phase(phases.ANNOTATE),
)
add_perm(
    "deliberation.comment",
    *member(phases.VERBS[phases.COMMENT]),
    not_observer(phases.COMMENT),
    in_phase(phases.COMMENT),
)
# Object: a Claim. Comments on a claim also need its thread to be open (who
# may see a pending or hidden claim, its author and moderators, may discuss it).
add_perm(
    "deliberation.comment_on_claim",
    *member(phases.VERBS[phases.COMMENT]),
    not_observer(phases.COMMENT),
    thread_open(phases.COMMENT),
    in_phase(phases.COMMENT),
)
# Objects: an Annotation, a Comment. Their authors, and the debate's
# moderators; once the debate is closed, its moderators only.
add_perm(
    "deliberation.change_annotation",
    *member(),
    role(is_creator | is_moderator, OWN_ONLY),
    not_closed(),
)
add_perm(
    "deliberation.change_comment",
    *member(),
    role(is_author | is_moderator, OWN_ONLY),
    not_closed(),
)


# --- Moderation ---------------------------------------------------------------

# Objects: a Claim, an Annotation or a Comment. Any signed-in reader who may
# contribute (observers too: reporting is not contributing), not on their own.
add_perm(
    "deliberation.flag",
    *member("flag"),
    role(~is_item_author, "You cannot flag what you wrote."),
)
# Object: a Debate. Moderators see the whole audit log; everyone signed in
# sees the rows about their own items (the selector filters).
add_perm("deliberation.view_moderation_log", signed_in(), CAN_VIEW)


# --- Asking why ---------------------------------------------------------------

NOT_ALLOWED = "You may not do this here."


def refused(user, perm: str, obj, *, stance: str | None = None):
    """The first check of ``perm`` that stops ``user`` on ``obj`` and its
    reason, as (check, reason); None when allowed. With ``stance``, the side
    rule is asked about that stance (adding a claim)."""
    allowed = user.has_perm(perm, obj)
    checks = CHECKS.get(perm, ())
    if allowed and stance is None:
        return None
    for check in checks:
        if stance is not None and check.stance_reason is not None:
            why = check.stance_reason(user, obj, stance)
        elif allowed:
            continue  # other backends (a superuser) may allow what checks do not
        else:
            why = "" if check.test.test(user, obj) else check.reason(user, obj)
        if why:
            return check, why
    return None if allowed else (None, NOT_ALLOWED)


def refusal(user, perm: str, obj, *, stance: str | None = None) -> str | None:
    """Why ``user`` may not do ``perm`` on ``obj`` (with ``stance``: add such
    a claim), in words for them; None when they may. In the order of the
    checks: signed in, removed, may see, suspended (until when, and why),
    who may, observer, locked thread, phase, side rule, claim shown, voting."""
    found = refused(user, perm, obj, stance=stance)
    return None if found is None else found[1]
