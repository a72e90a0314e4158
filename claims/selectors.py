"""Reads of the argument map. Every function issues a fixed number of queries,
whatever the size of the tree (the debate page's query count is tested)."""

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import Substr

from claims.anchoring import split_highlights
from claims.models import Citation, Claim, Source

VISIBLE = Claim.Status.VISIBLE
STEP = Claim.steplen
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


def ancestors_of(claim: Claim) -> list[Claim]:
    paths = [claim.path[: STEP * level] for level in range(1, claim.depth)]
    return list(Claim.objects.filter(path__in=paths).order_by("depth")) if paths else []


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


def children_columns(
    claim: Claim, *, offsets: dict[str, int] | None = None, limit: int = 25
) -> dict[str, Column]:
    """The pros and cons of ``claim``, a page of each, with per-child counts of
    their own pros and cons (``child.pro_count``, ``child.con_count``)."""
    offsets = offsets or {}
    children = visible_claims(claim.debate_id).filter(
        path__startswith=claim.path, depth=claim.depth + 1
    )
    totals = children.aggregate(
        pro=Count("pk", filter=Q(stance=Claim.Stance.PRO)),
        con=Count("pk", filter=Q(stance=Claim.Stance.CON)),
    )
    columns, shown = {}, []
    for stance in (Claim.Stance.PRO, Claim.Stance.CON):
        offset = max(0, int(offsets.get(stance, 0)))
        page = list(
            children.filter(stance=stance)
            .select_related("link_to", "author")
            .annotate(citation_count=Count("citations"))
            .order_by("order", "path")[offset : offset + limit]
        )
        shown += page
        columns[stance] = Column(stance, page, totals[stance], offset, limit)
    _count_grandchildren(claim, shown)
    return columns


def _count_grandchildren(claim: Claim, children: list[Claim]) -> None:
    counts = {}
    if children:
        rows = (
            visible_claims(claim.debate_id)
            .filter(path__startswith=claim.path, depth=claim.depth + 2)
            .annotate(parent_path=Substr("path", 1, claim.depth * STEP + STEP))
            .values("parent_path", "stance")
            .annotate(n=Count("pk"))
        )
        counts = {(row["parent_path"], row["stance"]): row["n"] for row in rows}
    for child in children:
        # A link shows its target: count the target's children instead.
        child.pro_count = counts.get((child.path, Claim.Stance.PRO), 0)
        child.con_count = counts.get((child.path, Claim.Stance.CON), 0)


@dataclass
class OutlineNode:
    claim: Claim
    number: str
    children: list["OutlineNode"] = field(default_factory=list)
    thesis_rank: int = 0
    hidden_children: int = 0
    current: bool = False


def outline(debate, focus: Claim | None) -> list[OutlineNode]:
    """The tree as a jump list: every claim down to OUTLINE_DEPTH, plus the
    siblings along the path to ``focus`` and its children; each branch shows at
    most OUTLINE_SIBLINGS. Numbers are ``Claim.number`` ("1.2.3")."""
    wanted = Q(depth__lte=OUTLINE_DEPTH)
    if focus is not None:
        for level in range(1, focus.depth + 1):
            wanted |= Q(path__startswith=focus.path[: STEP * level], depth=level + 1)
    # Not only visible claims: hidden theses still count for the numbering.
    claims = (
        Claim.objects.filter(debate=debate)
        .filter(wanted)
        .select_related("link_to")
        .only(
            "pk",
            "path",
            "depth",
            "numchild",
            "stance",
            "text",
            "status",
            "link_to__text",
        )
        .order_by("path")
    )
    roots: list[OutlineNode] = []
    nodes: dict[str, OutlineNode] = {}
    theses_seen = 0
    for claim in claims:
        theses_seen += claim.depth == 1
        parent = nodes.get(claim.path[:-STEP]) if claim.depth > 1 else None
        if claim.status != VISIBLE or (claim.depth > 1 and parent is None):
            continue  # not shown, nor anything under it
        siblings = parent.children if parent else roots
        thesis_rank = theses_seen if parent is None else parent.thesis_rank
        node = OutlineNode(claim, claim.number(thesis_rank), thesis_rank=thesis_rank)
        node.current = focus is not None and claim.pk == focus.pk
        nodes[claim.path] = node
        siblings.append(node)
    for node in nodes.values():
        node.hidden_children = max(0, node.claim.numchild - len(node.children))
        if len(node.children) > OUTLINE_SIBLINGS:
            node.hidden_children += len(node.children) - OUTLINE_SIBLINGS
            node.children = node.children[:OUTLINE_SIBLINGS]
    return roots


def number_of(nodes: list[OutlineNode], claim: Claim) -> str:
    for node in nodes:
        if node.claim.pk == claim.pk:
            return node.number
        if claim.path.startswith(node.claim.path):
            return number_of(node.children, claim)
    return ""


# --- Sources -----------------------------------------------------------------


def sources_of(debate) -> list[Source]:
    return list(
        Source.objects.filter(debate=debate).annotate(citation_count=Count("citations"))
    )


def source_with_highlights(source: Source, annotations=()):
    """The source text cut into pieces, each with the visible citations and
    the given annotations over it. Anchors that do not describe the current
    text (orphans, or waiting for re-anchoring after an edit) are left out of
    the pieces; the citations are all returned."""
    citations = list(
        source.citations.filter(claim__status=VISIBLE)
        .select_related("claim", "claim__link_to")
        .order_by("start", "pk")
    )
    anchored = [a for a in [*citations, *annotations] if a.is_anchored_in(source.text)]
    spans = [(a.start, a.end, a) for a in anchored]
    return split_highlights(source.text, spans), citations


# --- Search ------------------------------------------------------------------


def search_claims(debates: QuerySet, query: str, *, limit: int = 50) -> list[Claim]:
    """Visible claims of ``debates`` matching ``query``: ranked full-text search on
    PostgreSQL, every-word substring match elsewhere."""
    claims = Claim.objects.filter(debate__in=debates, status=VISIBLE, link_to=None)
    claims = claims.select_related("debate")
    return list(_match(claims, query, ("text", "explanation"))[:limit])


def search_sources(debates: QuerySet, query: str, *, limit: int = 20) -> list[Source]:
    sources = Source.objects.filter(debate__in=debates).select_related("debate")
    return list(_match(sources, query, ("title", "text"))[:limit])


def _match(queryset: QuerySet, query: str, fields: tuple[str, ...]) -> QuerySet:
    query = query.strip()
    if not query:
        return queryset.none()
    if settings.IS_POSTGRES:
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
