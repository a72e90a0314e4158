"""Reads about debates, memberships and which claims a person may see."""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    Count,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Length, Substr
from django.http import Http404

from claims import selectors as claim_selectors
from claims.models import Citation, Claim, Source
from claims.tree import STEP
from deliberation.models import (
    Debate,
    Membership,
)
from deliberation.rules import may_moderate


def debate_for_viewer(*, slug: str, user) -> Debate | None:
    """The debate if it exists and ``user`` may see it, else None."""
    debate = Debate.objects.filter(slug=slug).first()
    if debate is None:
        return None
    user = user or AnonymousUser()
    return debate if user.has_perm("deliberation.view_debate", debate) else None


def may_follow_live(*, debate_id: int, user_id: int | None, session_key: str) -> bool:
    """Whether a websocket opened on ``debate_id`` may still be sent its
    events, asked afresh (not from the socket's memory of its connect): the
    debate's view permission for the person now; a socket opened signed in
    also needs its session to be alive and still theirs (not logged out), and
    their account to exist (not erased)."""
    debate = Debate.objects.filter(pk=debate_id).first()
    if debate is None:
        return False
    user = AnonymousUser()
    if user_id is not None:
        store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
        if not session_key or str(store.get(SESSION_KEY, "")) != str(user_id):
            return False
        user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
        if user is None:
            return False
    return user.has_perm("deliberation.view_debate", debate)


def debate_list_for(*, user) -> QuerySet[Debate]:
    """Public debates plus every debate the user owns or belongs to."""
    visible = Q(visibility=Debate.Visibility.PUBLIC)
    if user.is_authenticated:
        visible |= Q(owner=user) | Q(memberships__user=user)
    return Debate.objects.filter(visible).distinct().order_by("-created")


def with_claim_counts(debates) -> list[Debate]:
    """``debates`` (a page of a list), each with ``claim_count``: the claims
    anyone in it may read (``public_claims``: none under a hidden claim). One
    query for the page."""
    debates = list(debates)
    counts = dict(
        public_claims(Debate.objects.filter(pk__in=[d.pk for d in debates]))
        .order_by()
        .values("debate")
        .annotate(n=Count("pk"))
        .values_list("debate", "n")
    )
    for debate in debates:
        debate.claim_count = counts.get(debate.pk, 0)
    return debates


def membership_of(*, debate: Debate, user) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(debate=debate, user=user).first()


def claims_shown_to(user, debate: Debate, *, numbered: bool = True) -> QuerySet[Claim]:
    """The claims of ``debate`` that ``user`` may see, annotated with
    ``parent_id`` and ``thesis_rank`` (for the claim's number) unless
    ``numbered`` is False. One query, whatever the size of the tree.

    Moderators see everything. Others see visible claims and their own, but
    nothing under a claim they may not see (a hidden or pending claim hides
    its branch), and no link to a claim they may not see. This is the one
    rule: pages, the API, search, exports, guided voting, the analysis and
    live events all ask it (or ``claims_are_public``, its anonymous reader)."""
    claims = Claim.objects.filter(debate=debate)
    if not may_moderate(user, debate):
        claims = _without_branches_of(claims, _unreadable(user, claims))
    return _numbered(claims) if numbered else claims


def shown_to(user, debate: Debate, claim_id: str) -> Exists:
    """Whether the claim whose id is the outer query's ``claim_id`` is shown
    to ``user`` (``claims_shown_to``), looked up row by row: a page that lists
    a few annotations or comments does not read every claim of the debate."""
    shown = claims_shown_to(user, debate, numbered=False)
    return Exists(shown.filter(pk=OuterRef(claim_id)))


def public_claims(debates: QuerySet[Debate]) -> QuerySet[Claim]:
    """The claims of ``debates`` anyone may read: ``claims_shown_to`` an
    anonymous reader, over several debates at once (site search)."""
    claims = Claim.objects.filter(debate__in=debates)
    return _without_branches_of(claims, _unreadable(AnonymousUser(), claims))


def _unreadable(user, claims: QuerySet[Claim]) -> QuerySet[Claim]:
    # The claims ``user`` may not read themselves (not visible, and not
    # theirs): each hides its branch. Found by the partial index
    # claim_not_visible: a few rows whatever the size of the tree.
    unreadable = claims.filter(~Q(status=Claim.Status.VISIBLE))
    if user.is_authenticated:
        unreadable = unreadable.filter(~Q(author=user))
    return unreadable.order_by()


def _without_branches_of(claims: QuerySet[Claim], unreadable: QuerySet[Claim]):
    """``claims`` without those in the branch of an ``unreadable`` claim, and
    without links to them."""
    # The few links to a claim in such a branch, found once (a hashed set of
    # ids): a join of every claim to its target would read the whole table.
    target_path = Claim.objects.filter(pk=OuterRef("link_to_id")).values("path")
    unreadable_links = (
        claims.filter(link_to__isnull=False)
        .alias(target_path=Subquery(target_path[:1]))
        .filter(_in_branch_of(unreadable, path="target_path"))
        .values("pk")
    )
    return claims.filter(~_in_branch_of(unreadable)).exclude(pk__in=unreadable_links)


def _in_branch_of(unreadable: QuerySet[Claim], *, path: str = "path") -> Exists:
    """True when the claim at the outer query's ``path`` is an ``unreadable``
    claim or lies under one: one of its path's prefixes is an unreadable
    claim's path.

    Cut at the depths where unreadable claims are (one representative claim
    per depth, a handful of rows), each prefix is looked up in the hashed set
    of unreadable paths: a few lookups per claim, whatever the number of
    claims, hidden or not. (Comparing each claim with the claims above it, as
    the rule once did, costs claims x claims.)"""
    depths = unreadable.values("depth").annotate(one=Min("pk")).values("one")
    return Exists(
        Claim.objects.filter(pk__in=depths)
        .alias(length=F("depth") * STEP)
        .filter(length__lte=Length(OuterRef(path)))
        .alias(prefix=Substr(OuterRef(path), 1, F("length")))
        .filter(prefix__in=unreadable.values("path"))
    )


def _numbered(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    parent = Claim.objects.filter(
        path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - STEP)
    ).values("pk")[:1]
    earlier_theses = (
        Claim.objects.filter(
            debate=OuterRef("debate"),
            depth=1,
            path__lte=Substr(OuterRef("path"), 1, STEP),
        )
        .order_by()
        .values("debate")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return claims.annotate(
        parent_id=Subquery(parent), thesis_rank=Subquery(earlier_theses)
    )


# --- Lookups: one thing by its key, as a person may see it (Http404 otherwise) --
# Pages and the API both use these, so "not found" means the same on both.

READ, CITE, PAGE = "read", "cite", "page"


class HiddenClaim(Http404):
    """A claim hidden by a moderator, under visible claims: its page shows the
    public reason where the claim was; anywhere else it is simply not found."""

    def __init__(self, claim, ancestors):
        super().__init__("No such claim.")
        self.claim, self.ancestors = claim, ancestors


def debate_for(user, slug: str) -> Debate:
    debate = debate_for_viewer(slug=slug, user=user)
    if debate is None:
        raise Http404("No such debate.")
    return debate


def claim_in_tree_for(user, debate: Debate, pk) -> tuple[Claim, list, list]:
    """The claim, the debate's theses and the claim's ancestors, for its page.
    Raises HiddenClaim for a hidden claim under visible ones (its page says
    why), Http404 for anything else ``user`` may not see."""
    claim = claim_selectors.claim_for_page(debate, pk)
    if claim is None:
        raise Http404("No such claim.")
    theses, ancestors = claim_selectors.theses_and_ancestors(debate, claim)
    # What the rule would say of a visible claim under visible claims is
    # known from the ancestors; the rule is asked for anything else.
    claim.hidden_above = any(a.status != Claim.Status.VISIBLE for a in ancestors)
    shown = claim.status == Claim.Status.VISIBLE and not claim.hidden_above
    shown = shown and not claim.is_link  # a link needs its target shown too
    readers = claims_shown_to(user, debate, numbered=False)
    if not shown and not readers.filter(pk=pk).exists():
        if claim.status == Claim.Status.HIDDEN and all(
            a.status == Claim.Status.VISIBLE for a in ancestors
        ):
            raise HiddenClaim(claim, ancestors)
        raise Http404("No such claim.")
    claim.debate = debate  # permission checks on the claim then need no query
    # The lock rule (thread_is_open) and the side rule read these instead of
    # querying.
    claim.branch_locked = any(c.locked for c in [claim, *ancestors])
    claim.path_stances = (
        [*(a.stance for a in ancestors[1:]), claim.stance] if ancestors else None
    )
    return claim, theses, ancestors


def claim_for(user, pk, *, debate: Debate | None = None, purpose: str = READ) -> Claim:
    """The claim ``pk`` if ``user`` may see it. ``purpose``: READ (with its
    author), CITE (and its citations), PAGE (in ``debate``'s tree, with what
    the claim's page and the lock rule read)."""
    if purpose == PAGE:
        return claim_in_tree_for(user, debate, pk)[0]
    if debate is None:
        debate = Debate.objects.filter(claims__pk=pk).first()
    if debate is None or not user.has_perm("deliberation.view_debate", debate):
        raise Http404("No such claim.")
    claims = claims_shown_to(user, debate).select_related("author")
    if purpose == CITE:
        claims = claims.prefetch_related(
            Prefetch(
                "citations",
                queryset=Citation.objects.select_related(
                    "source", "source_revision"
                ).order_by("start", "pk"),
            )
        )
    claim = claims.filter(pk=pk).first()
    if claim is None:
        raise Http404("No such claim.")
    claim.debate = debate
    return claim


def source_for(user, pk) -> Source:
    """The source with its latest revision number (``revision``)."""
    source = (
        Source.objects.select_related("debate")
        .annotate(revision=Max("revisions__number"))
        .filter(pk=pk)
        .first()
    )
    if source is None or not user.has_perm("deliberation.view_debate", source.debate):
        raise Http404("No such source.")
    return source


def citation_for(user, pk) -> Citation:
    """A citation of a claim ``user`` may see (``citation.claim`` is that claim)."""
    citation = (
        Citation.objects.select_related("source", "source_revision")
        .filter(pk=pk)
        .first()
    )
    if citation is None:
        raise Http404("No such citation.")
    try:
        citation.claim = claim_for(user, citation.claim_id)
    except Http404:
        raise Http404("No such citation.") from None
    return citation
