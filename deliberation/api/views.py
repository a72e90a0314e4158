"""API views: thin. Each finds what the requester may see (404 otherwise),
validates the request's shape with an input serializer, calls a service and
renders an output serializer.

Services raise ``PermissionDenied`` (403, which DRF already converts) and
Django's ``ValidationError``, which ``ServiceErrorsMixin`` turns into a 400 with
the messages per field.

Who sees what: a private debate is 404 for people who may not view it
(``deliberation.view_debate``); a claim that is not visible (pending, hidden,
archived), or that sits under one, is 404 except for its author and the
debate's moderators (``deliberation.moderate_debate``).
"""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import (
    F,
    Max,
    QuerySet,
)
from django.http import Http404
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, generics, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from claims import selectors as claim_selectors
from claims import tree
from claims.models import Citation, Claim, ClaimRevision, Source, SourceRevision
from deliberation import services
from deliberation.api import serializers as s
from deliberation.api.idempotency import idempotent
from deliberation.models import Debate
from deliberation.selectors import (
    claims_shown_to,
    debate_list_for,
    naming,
    similar_claims,
    with_claim_counts,
)
from deliberation.selectors.debates import (
    CITE,
    citation_for,
    claim_for,
    debate_for,
    source_for,
)

BAD_REQUEST = OpenApiResponse(
    description="Invalid input: an object of field names to lists of messages "
    "(``non_field_errors`` for the request as a whole)."
)
FORBIDDEN = OpenApiResponse(
    description="Not signed in, or not allowed to do this here."
)
NOT_FOUND = OpenApiResponse(
    description="No such object, or the requester may not see it."
)


class Pagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 500


# --- What a requester may see ---------------------------------------------------


def _sources_of(debate: Debate) -> QuerySet[Source]:
    return (
        Source.objects.filter(debate=debate)
        .select_related("debate")
        .annotate(revision=Max("revisions__number"))
        .order_by(F("published").asc(nulls_last=True), "title", "pk")
    )


def _claim_context(request, debate: Debate) -> dict:
    return {"request": request, "names": naming(request.user, debate)}


# --- Plumbing -------------------------------------------------------------------


# Class docstrings become operation descriptions in the schema, so the shared
# bases below are explained in comments instead.


class ServiceErrorsMixin:
    # Django's ValidationError from a service becomes a 400 with the messages
    # per field, in the same shape as a serializer's errors.

    def handle_exception(self, exc):
        if isinstance(exc, DjangoValidationError):
            detail = as_serializer_error(exc)
            if NON_FIELD_ERRORS in detail:
                detail[api_settings.NON_FIELD_ERRORS_KEY] = detail.pop(NON_FIELD_ERRORS)
            exc = exceptions.ValidationError(detail)
        return super().handle_exception(exc)


class ThrottleWritesMixin:
    # Writes count against the view's ``throttle_scope`` ("writes" when it
    # names none; settings RATE_LIMIT_*): reading is never rate-limited.

    def get_throttles(self):
        if self.request.method in SAFE_METHODS:
            return []
        return super().get_throttles()


class ApiView(ServiceErrorsMixin, ThrottleWritesMixin, APIView):
    pass


class ListView(ServiceErrorsMixin, ThrottleWritesMixin, generics.ListAPIView):
    pagination_class = Pagination

    def schema_only(self) -> bool:
        """True while drf-spectacular inspects the view (no real request)."""
        return getattr(self, "swagger_fake_view", False)


def validated_input(
    serializer_class, request, *, partial: bool = False, **context
) -> dict:
    serializer = serializer_class(
        data=request.data, partial=partial, context={"request": request, **context}
    )
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _claim_response(request, pk: int, *, status_code: int = status.HTTP_200_OK):
    claim = claim_for(request.user, pk, purpose=CITE)
    data = s.ClaimSerializer(claim, context=_claim_context(request, claim.debate)).data
    return Response(data, status=status_code)


def _debate_response(request, debate: Debate, *, status_code=status.HTTP_200_OK):
    debate.thesis_nodes = list(
        claims_shown_to(request.user, debate).filter(depth=1).order_by("path")
    )
    return Response(s.DebateSerializer(debate).data, status=status_code)


# --- Debates --------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(
        summary="List debates",
        description="Public debates and those the requester owns or belongs to, "
        "newest first.",
    )
)
class DebateListView(ListView):
    throttle_scope = "debates"
    serializer_class = s.DebateListItemSerializer

    def get_queryset(self):
        return debate_list_for(user=self.request.user).select_related("owner")

    def paginate_queryset(self, queryset):
        return with_claim_counts(super().paginate_queryset(queryset))

    @extend_schema(
        summary="Create a debate",
        description="The requester becomes its owner; ``theses`` become its first "
        "root claims.",
        request=s.DebateCreateSerializer,
        responses={201: s.DebateSerializer, 400: BAD_REQUEST, 403: FORBIDDEN},
    )
    def post(self, request):
        data = validated_input(s.DebateCreateSerializer, request)
        debate = services.debate_create(owner=request.user, **data)
        return _debate_response(request, debate, status_code=status.HTTP_201_CREATED)


class DebateDetailView(ApiView):
    throttle_scope = "edits"

    @extend_schema(
        summary="Read a debate",
        responses={200: s.DebateSerializer, 404: NOT_FOUND},
    )
    def get(self, request, slug):
        return _debate_response(request, debate_for(request.user, slug))

    @extend_schema(
        summary="Change a debate's question or settings",
        description="Owner or staff only. Only the fields sent change.",
        request=s.DebateUpdateSerializer,
        responses={
            200: s.DebateSerializer,
            400: BAD_REQUEST,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def patch(self, request, slug):
        debate = debate_for(request.user, slug)
        data = validated_input(s.DebateUpdateSerializer, request, partial=True)
        debate = services.debate_update(user=request.user, debate=debate, **data)
        return _debate_response(request, debate)


@extend_schema_view(
    get=extend_schema(
        summary="The argument map as a flat list",
        description="Every claim of the debate the requester may see, in path "
        "order (a parent comes before its children), paginated with limit/offset.",
        responses={200: s.ClaimNodeSerializer(many=True), 404: NOT_FOUND},
    )
)
class DebateTreeView(ListView):
    serializer_class = s.ClaimNodeSerializer

    def get_queryset(self):
        if self.schema_only():
            return Claim.objects.none()
        debate = debate_for(self.request.user, self.kwargs["slug"])
        return claims_shown_to(self.request.user, debate).order_by("path")


class DebateSimilarView(ApiView):
    @extend_schema(
        summary="Claims like a draft",
        description="Up to five visible claims of the debate most like the draft "
        "``text`` (TF-IDF over character n-grams, or sentence embeddings when the "
        "server has them), best first: offer them before someone adds a "
        "duplicate.",
        parameters=[
            OpenApiParameter(
                "text", str, required=True, description="The draft claim text."
            )
        ],
        responses={
            200: s.SimilarClaimSerializer(many=True),
            400: BAD_REQUEST,
            404: NOT_FOUND,
        },
    )
    def get(self, request, slug):
        debate = debate_for(request.user, slug)
        text = request.query_params.get("text", "").strip()
        if not text:
            raise exceptions.ValidationError({"text": ["Give the draft text."]})
        if len(text) > 2000:
            raise exceptions.ValidationError({"text": ["At most 2000 characters."]})
        rows = [
            {
                "id": claim.pk,
                "text": claim.text,
                "depth": claim.depth,
                "stance": claim.stance,
                "score": score,
            }
            for claim, score in similar_claims(debate=debate, text=text[:2000])
        ]
        return Response(s.SimilarClaimSerializer(rows, many=True).data)


class DebateThesesView(ApiView):
    throttle_scope = "claims"

    @extend_schema(
        summary="Add a thesis",
        description="The owner or a moderator adds a root claim to the debate.",
        request=s.ThesisCreateSerializer,
        responses={
            201: s.ClaimSerializer,
            400: BAD_REQUEST,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    @idempotent
    def post(self, request, slug):
        debate = debate_for(request.user, slug)
        data = validated_input(s.ThesisCreateSerializer, request)
        thesis = services.thesis_add(user=request.user, debate=debate, **data)
        return _claim_response(request, thesis.pk, status_code=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(
        summary="List a debate's sources",
        responses={200: s.SourceListItemSerializer(many=True), 404: NOT_FOUND},
    )
)
class DebateSourcesView(ListView):
    throttle_scope = "sources"
    serializer_class = s.SourceListItemSerializer

    def get_queryset(self):
        if self.schema_only():
            return Source.objects.none()
        return _sources_of(debate_for(self.request.user, self.kwargs["slug"]))

    @extend_schema(
        summary="Add a source",
        description="Moderators only. The text becomes revision 1.",
        request=s.SourceCreateSerializer,
        responses={
            201: s.SourceSerializer,
            400: BAD_REQUEST,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def post(self, request, slug):
        debate = debate_for(request.user, slug)
        data = validated_input(s.SourceCreateSerializer, request)
        source = services.source_add(user=request.user, debate=debate, **data)
        source = source_for(request.user, source.pk)
        return Response(s.SourceSerializer(source).data, status=status.HTTP_201_CREATED)


# --- Claims ---------------------------------------------------------------------


class ClaimCreateView(ApiView):
    throttle_scope = "claims"

    @extend_schema(
        summary="Add a pro or con",
        description="The requester (never a field of the body) becomes the author "
        "and joins the debate as a participant if needed. Under pre-moderation, "
        "or from a suggester, the claim waits as pending.",
        request=s.ClaimCreateSerializer,
        responses={201: s.ClaimSerializer, 400: BAD_REQUEST, 403: FORBIDDEN},
    )
    @idempotent
    def post(self, request):
        data = validated_input(s.ClaimCreateSerializer, request)
        parent_pk = data.pop("parent")
        try:
            parent = claim_for(request.user, parent_pk)
        except Http404:
            # As for any id in a body: unknown and unseeable look the same.
            message = f'Invalid pk "{parent_pk}" - object does not exist.'
            raise exceptions.ValidationError({"parent": [message]}) from None
        claim = services.claim_contribute(user=request.user, parent=parent, **data)
        return _claim_response(request, claim.pk, status_code=status.HTTP_201_CREATED)


class ClaimDetailView(ApiView):
    throttle_scope = "edits"

    @extend_schema(
        summary="Read a claim",
        responses={200: s.ClaimSerializer, 404: NOT_FOUND},
    )
    def get(self, request, pk):
        return _claim_response(request, pk)

    @extend_schema(
        summary="Edit a claim",
        description="The author or a moderator changes the text and/or the "
        "explanation; the change is kept as a revision (with ``note``).",
        request=s.ClaimUpdateSerializer,
        responses={
            200: s.ClaimSerializer,
            400: BAD_REQUEST,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def patch(self, request, pk):
        claim = claim_for(request.user, pk)
        data = validated_input(s.ClaimUpdateSerializer, request, partial=True)
        services.claim_edit(
            user=request.user,
            claim=claim,
            text=data.get("text"),
            explanation=data.get("explanation"),
            note=data.get("note", ""),
        )
        return _claim_response(request, pk)


class _ClaimListView(ListView):
    # A list under a claim the requester may see (404 otherwise).

    def claim(self) -> Claim:
        if not hasattr(self, "_claim"):
            self._claim = claim_for(self.request.user, self.kwargs["pk"])
        return self._claim

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not self.schema_only():
            context.update(_claim_context(self.request, self.claim().debate))
        return context


@extend_schema_view(
    get=extend_schema(
        summary="The pros and cons of a claim",
        description="Its direct children the requester may see, in path order.",
        responses={200: s.ClaimNodeSerializer(many=True), 404: NOT_FOUND},
    )
)
class ClaimChildrenView(_ClaimListView):
    serializer_class = s.ClaimNodeSerializer

    def get_queryset(self):
        if self.schema_only():
            return Claim.objects.none()
        claim = self.claim()
        return (
            claims_shown_to(self.request.user, claim.debate)
            .filter(tree.children_of(claim.path, claim.depth))
            .order_by("path")
        )


@extend_schema_view(
    get=extend_schema(
        summary="A claim's revisions",
        description="Every version of the claim, oldest first.",
        responses={200: s.ClaimRevisionSerializer(many=True), 404: NOT_FOUND},
    )
)
class ClaimRevisionsView(_ClaimListView):
    serializer_class = s.ClaimRevisionSerializer

    def get_queryset(self):
        if self.schema_only():
            return ClaimRevision.objects.none()
        return claim_selectors.revisions_of(self.claim()).order_by("number")


@extend_schema_view(
    get=extend_schema(
        summary="A claim's citations",
        description="The passages of sources the claim cites, in the order of "
        "their position.",
        responses={200: s.CitationSerializer(many=True), 404: NOT_FOUND},
    )
)
class ClaimCitationsView(_ClaimListView):
    throttle_scope = "citations"
    serializer_class = s.CitationSerializer

    def get_queryset(self):
        if self.schema_only():
            return Citation.objects.none()
        return (
            Citation.objects.filter(claim=self.claim())
            .select_related("source", "source_revision")
            .order_by("start", "pk")
        )

    @extend_schema(
        summary="Cite a passage of a source",
        description="The claim's author or a moderator. The quote must occur in "
        "the source's current text (give ``start`` when it occurs more than once).",
        request=s.CitationCreateSerializer,
        responses={
            201: s.CitationSerializer,
            400: BAD_REQUEST,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def post(self, request, pk):
        claim = self.claim()
        data = validated_input(s.CitationCreateSerializer, request, debate=claim.debate)
        citation = services.citation_add(user=request.user, claim=claim, **data)
        return Response(
            s.CitationSerializer(citation).data, status=status.HTTP_201_CREATED
        )


class CitationDetailView(ApiView):
    throttle_scope = "edits"

    @extend_schema(
        summary="Read a citation",
        responses={200: s.CitationSerializer, 404: NOT_FOUND},
    )
    def get(self, request, pk):
        return Response(s.CitationSerializer(citation_for(request.user, pk)).data)

    @extend_schema(
        summary="Remove a citation",
        description="The claim's author or a moderator.",
        request=None,
        responses={204: None, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def delete(self, request, pk):
        citation = citation_for(request.user, pk)
        services.citation_remove(user=request.user, citation=citation)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Sources --------------------------------------------------------------------


class SourceDetailView(ApiView):
    throttle_scope = "edits"

    @extend_schema(
        summary="Read a source",
        responses={200: s.SourceSerializer, 404: NOT_FOUND},
    )
    def get(self, request, pk):
        return Response(s.SourceSerializer(source_for(request.user, pk)).data)

    @extend_schema(
        summary="Edit a source",
        description="Moderators only. Only the fields sent change; a new text is "
        "kept as a new revision (with ``note``), and existing citations keep "
        "pointing at the revision they quote.",
        request=s.SourceUpdateSerializer,
        responses={
            200: s.SourceSerializer,
            400: BAD_REQUEST,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def patch(self, request, pk):
        source = source_for(request.user, pk)
        data = validated_input(s.SourceUpdateSerializer, request, partial=True)
        services.source_edit(user=request.user, source=source, **data)
        return Response(s.SourceSerializer(source_for(request.user, pk)).data)


@extend_schema_view(
    get=extend_schema(
        summary="A source's text revisions",
        description="Every version of the source's text, oldest first.",
        responses={200: s.SourceRevisionSerializer(many=True), 404: NOT_FOUND},
    )
)
class SourceRevisionsView(ListView):
    serializer_class = s.SourceRevisionSerializer

    def get_queryset(self):
        if self.schema_only():
            return SourceRevision.objects.none()
        self._source = source_for(self.request.user, self.kwargs["pk"])
        return self._source.revisions.select_related("author").order_by("number")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        source = getattr(self, "_source", None)
        if source is not None:
            context["names"] = naming(self.request.user, source.debate)
        return context
