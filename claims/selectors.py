"""Reads of the argument map. Every function issues a fixed number of queries,
whatever the size of the tree (the debate page's query count is tested)."""

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import (
    Avg,
    Count,
    Exists,
    F,
    Func,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.functions import Coalesce

from claims import tree
from claims.anchoring import split_highlights
from claims.models import Citation, Claim, ClaimRevision, Source

VISIBLE = Claim.Status.VISIBLE
OUTLINE_DEPTH = 3  # levels always shown in the outline, besides the focus path
OUTLINE_SIBLINGS = 25  # siblings shown per branch before "+N more"


def visible_claims(debate) -> QuerySet[Claim]:
    return Claim.objects.filter(debate=debate, status=VISIBLE)


def theses_of(debate) -> list[Claim]:
    return list(visible_claims(debate).filter(depth=1).order_by("order", "path"))


def claim_for_page(debate, pk: int) -> Claim | None:
    return (
        Claim.objects.filter(debate=debate, pk=pk)
        .select_related("link_to", "author")
        .prefetch_related(
            Prefetch(
                "citations",
                queryset=Citation.objects.select_related("source").order_by("pk"),
            )
        )
        .first()
    )


def theses_and_ancestors(debate, claim: Claim) -> tuple[list[Claim], list[Claim]]:
    """The debate's visible theses and ``claim``'s ancestors (any status), in
    one query."""
    paths = tree.ancestor_paths(claim.path)
    rows = Claim.objects.filter(
        Q(debate=debate, depth=1, status=VISIBLE) | Q(path__in=paths)
    ).order_by("order", "path")
    rows = list(rows)
    theses = [c for c in rows if c.depth == 1 and c.status == VISIBLE]
    ancestors = sorted((c for c in rows if c.path in paths), key=lambda c: c.depth)
    return theses, ancestors


@dataclass
class Column:
    stance: str
    claims: list[Claim]
    total: int
    offset: int
    limit: int

    @property
    def end(self):
        return self.offset + len(self.claims)

    @property
    def next_offset(self):
        return (
            self.offset + self.limit if self.offset + self.limit < self.total else None
        )

    @property
    def previous_offset(self):
        return max(0, self.offset - self.limit) if self.offset else None


def _target_among(shown: QuerySet[Claim]) -> Q:
    """Not a link, or a link to one of ``shown``: looked up link by link, so a
    page does not read the whole of ``shown``."""
    return Q(link_to__isnull=True) | Exists(shown.filter(pk=OuterRef("link_to_id")))


def _count_below(stance: str, shown: QuerySet[Claim] | None):
    """Visible children with ``stance`` of the outer claim (or of the claim it
    links to), as a correlated count; with ``shown``, no link to a claim the
    reader may not see (a count must not tell of a hidden branch)."""
    children = Claim.objects.filter(
        tree.children_of(OuterRef("shown_path"), OuterRef("shown_depth")),
        debate_id=OuterRef("debate_id"),
        status=VISIBLE,
        stance=stance,
    )
    if shown is not None:
        children = children.filter(_target_among(shown))
    return Coalesce(_count(children), 0)


def _count(queryset):
    # COUNT as a plain function, not an aggregate: no GROUP BY in the subquery.
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT"))
    return Subquery(counted.values("n")[:1])


def _total_beyond_page(children, stance: str, offset: int) -> int:
    # An empty page tells no total; only a count does (0 when offset is 0).
    return children.filter(stance=stance).count() if offset else 0


def children_columns(
    claim: Claim,
    *,
    offsets: dict[str, int] | None = None,
    limit: int = 25,
    order: str = "manual",
    shown: QuerySet[Claim] | None = None,
) -> dict[str, Column]:
    """The pros and cons of ``claim``, a page of each, with each child's own
    pro and con counts (``pro_count``, ``con_count``) and ``impact_mean``.
    ``order``: "manual" (pinned first, then the author's order, then age) or
    "impact" (mean impact rating, unrated last). Hidden children are included
    as placeholders (status "hidden", shown with their public reason only).
    ``shown``: the claims the reader may see (the deliberation side's rule);
    a link to any other claim is left out."""
    offsets = offsets or {}
    # Hidden children keep their place: the card shows the moderator's public
    # reason instead of the claim (includes/claim_card.html), never its text.
    children = Claim.objects.filter(
        tree.children_of(claim.path, claim.depth),
        debate_id=claim.debate_id,
        status__in=[VISIBLE, Claim.Status.HIDDEN],
    )
    if shown is not None:
        children = children.filter(_target_among(shown))
    ordering = ["-pinned", "order", "path"]
    if order == "impact":
        ordering = [F("impact_mean").desc(nulls_last=True), *ordering]
    columns = {}
    for stance in (Claim.Stance.PRO, Claim.Stance.CON):
        offset = max(0, int(offsets.get(stance, 0)))
        page = (
            children.filter(stance=stance)
            .select_related("link_to", "author")
            # A link shows its target, so its citations and rating are the target's.
            .annotate(
                shown_id=Coalesce(F("link_to_id"), F("pk")),
                shown_path=Coalesce(F("link_to__path"), F("path")),
                shown_depth=Coalesce(F("link_to__depth"), F("depth")),
            )
            .annotate(
                # Counted before LIMIT: the column's total, without a query of its own.
                total=Window(Count("pk")),
                pro_count=_count_below(Claim.Stance.PRO, shown),
                con_count=_count_below(Claim.Stance.CON, shown),
                citation_count=Coalesce(
                    _count(Citation.objects.filter(claim_id=OuterRef("shown_id"))), 0
                ),
                impact_mean=Subquery(
                    Claim.objects.filter(pk=OuterRef("shown_id"))
                    .annotate(mean=Avg("impacts__value"))
                    .values("mean")
                ),
            )
            .order_by(*ordering)[offset : offset + limit]
        )
        page = list(page)
        total = page[0].total if page else _total_beyond_page(children, stance, offset)
        columns[stance] = Column(stance, page, total, offset, limit)
    return columns


@dataclass
class OutlineNode:
    claim: Claim
    number: str
    children: list["OutlineNode"] = field(default_factory=list)
    thesis_rank: int = 0
    hidden_children: int = 0
    current: bool = False


def outline(
    debate, focus: Claim | None, *, shown: QuerySet[Claim] | None = None
) -> list[OutlineNode]:
    """The tree as a jump list: every claim down to OUTLINE_DEPTH, plus the
    siblings along the path to ``focus`` and its children; each branch shows at
    most OUTLINE_SIBLINGS. Numbers are ``Claim.number`` ("1.2.3"). Visible
    claims under visible claims only; with ``shown`` (the claims the reader
    may see), no link to any other claim."""
    wanted = Q(depth__lte=OUTLINE_DEPTH)
    if focus is not None:
        for level in range(1, focus.depth + 1):
            wanted |= tree.children_of(tree.path_at(focus.path, level), level)
    # Not only visible claims: hidden theses still count for the numbering.
    claims = Claim.objects.filter(debate=debate).filter(wanted)
    if shown is not None:
        claims = claims.filter(_target_among(shown))
    # The "(+N)" beyond the outline's depth counts what the reader could open:
    # visible children, no link to a claim they may not see.
    below = Claim.objects.filter(
        tree.children_of(OuterRef("path"), OuterRef("depth")),
        debate_id=OuterRef("debate_id"),
        status=VISIBLE,
    )
    if shown is not None:
        below = below.filter(_target_among(shown))
    claims = (
        claims.select_related("link_to")
        .annotate(shown_children=Coalesce(_count(below), 0))
        .only(
            "pk",
            "path",
            "depth",
            "stance",
            "text",
            "status",
            "link_to__text",
            "link_to__status",
        )
        .order_by("path")
    )
    roots: list[OutlineNode] = []
    nodes: dict[str, OutlineNode] = {}
    theses_seen = 0
    for claim in claims:
        theses_seen += claim.depth == 1
        parent = nodes.get(tree.parent_path(claim.path)) if claim.depth > 1 else None
        if claim.status != VISIBLE or (claim.depth > 1 and parent is None):
            continue  # not shown, nor anything under it
        siblings = parent.children if parent else roots
        thesis_rank = theses_seen if parent is None else parent.thesis_rank
        node = OutlineNode(claim, claim.number(thesis_rank), thesis_rank=thesis_rank)
        node.current = focus is not None and claim.pk == focus.pk
        nodes[claim.path] = node
        siblings.append(node)
    for node in nodes.values():
        node.hidden_children = max(0, node.claim.shown_children - len(node.children))
        if len(node.children) > OUTLINE_SIBLINGS:
            node.hidden_children += len(node.children) - OUTLINE_SIBLINGS
            node.children = node.children[:OUTLINE_SIBLINGS]
    return roots


def number_of(nodes: list[OutlineNode], claim: Claim) -> str:
    for node in nodes:
        if node.claim.pk == claim.pk:
            return node.number
        if tree.is_in_branch(claim.path, node.claim.path):
            return number_of(node.children, claim)
    return ""


def claim_at_number(claims: QuerySet[Claim], debate, number: str) -> Claim | None:
    """The claim among ``claims`` whose map number is ``number`` ("1.2.3", as
    ``Claim.number`` and the outline show it), or None. Two queries: the
    thesis's place counts every thesis of the debate, hidden ones too, as the
    numbering does."""
    places = tree.parse_number(number)
    if places is None:
        return None
    rank, below = places[0], places[1:]
    theses = Claim.objects.filter(debate=debate, depth=1).order_by("path")
    thesis_path = theses.values_list("path", flat=True)[rank - 1 : rank].first()
    steps = [tree.step_for(place) for place in below]
    if thesis_path is None or None in steps:
        return None
    return claims.filter(path=thesis_path + "".join(steps)).first()


def revisions_of(claim: Claim) -> QuerySet:
    """The claim's revisions, with ``before_redacted`` (the previous
    revision was redacted: this one's before is emptied too)."""
    previous = ClaimRevision.objects.filter(
        claim_id=OuterRef("claim_id"), number=OuterRef("number") - 1
    )
    return claim.revisions.select_related("author").annotate(
        before_redacted=Exists(previous.filter(redacted_at__isnull=False))
    )


# --- Sources -----------------------------------------------------------------


def sources_of(debate, *, claims: QuerySet[Claim] | None = None) -> list[Source]:
    """The debate's sources with ``citation_count``: with ``claims`` (those
    the reader may see), citations by those claims only."""
    cited = Q()
    if claims is not None:
        cited = Q(citations__claim__in=claims.values("pk"))
    return list(
        Source.objects.filter(debate=debate).annotate(
            citation_count=Count("citations", filter=cited)
        )
    )


def source_with_highlights(
    source: Source,
    annotations=(),
    *,
    claims: QuerySet,
    cited_by: Claim | None = None,
    no_citations: bool = False,
):
    """The source text cut into pieces, each with the citations by ``claims``
    (those the reader may see; only ``cited_by``'s when given, none with
    ``no_citations``) and the given annotations over it. Anchors that do not
    describe the current text (orphans, or waiting for re-anchoring after an
    edit) are left out of the pieces; the citations are all returned."""
    if cited_by is not None:
        claims = claims.filter(pk=cited_by.pk)
    if no_citations:
        claims = claims.none()
    citations = list(
        source.citations.filter(Exists(claims.filter(pk=OuterRef("claim_id"))))
        .select_related("claim", "claim__link_to")
        .order_by("start", "pk")
    )
    anchored = [a for a in [*citations, *annotations] if a.is_anchored_in(source.text)]
    spans = [(a.start, a.end, a) for a in anchored]
    return split_highlights(source.text, spans), citations


# --- Search ------------------------------------------------------------------


def search_claims(
    claims: QuerySet[Claim], query: str, *, limit: int = 50
) -> list[Claim]:
    """The claims among ``claims`` (those the reader may see: the caller asks
    deliberation's visibility rule) matching ``query``, links left out: ranked
    full-text search on PostgreSQL, every-word substring match elsewhere."""
    claims = claims.filter(link_to=None).select_related("debate")
    return list(_match(claims, query, ("text", "explanation"))[:limit])


def search_sources(debates: QuerySet, query: str, *, limit: int = 20) -> list[Source]:
    sources = Source.objects.filter(debate__in=debates).select_related("debate")
    return list(_match(sources, query, ("title", "text"))[:limit])


def _match(queryset: QuerySet, query: str, fields: tuple[str, ...]) -> QuerySet:
    query = query.strip()
    if not query:
        return queryset.none()
    if settings.IS_POSTGRES:
        # deferred: PostgreSQL's full-text search, used only on PostgreSQL
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = SearchVector(*fields, config="english")
        search = SearchQuery(query, config="english", search_type="websearch")
        return (
            queryset.annotate(document=vector, rank=SearchRank(vector, search))
            .filter(document=search)
            .order_by("-rank", "pk")
        )
    condition = Q()
    for word in query.split():
        any_field = Q()
        for name in fields:
            any_field |= Q(**{f"{name}__icontains": word})
        condition &= any_field
    return queryset.filter(condition).order_by("pk")
