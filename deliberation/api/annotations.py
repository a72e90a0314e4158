"""API for annotations and comments.

Annotations speak the W3C Web Annotation Protocol: each debate has a container
at ``/api/v1/debates/{slug}/annotations/`` (GET pages it as an
AnnotationCollection of AnnotationPages, POST of a W3C annotation creates one)
and each annotation lives at its ``id``, ``/api/v1/annotations/{id}/`` (GET, PUT,
DELETE), as JSON-LD (``deliberation/formats/w3c.py``). Comments are plain JSON.

Who sees what: as on the pages (``deliberation.selectors``): annotations for
"only me" reach their creator only, "moderators" ones their creator and the
debate's moderators; nothing on or linked to a claim the requester may not see.
Everything else is 404, as for claims.
"""

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from claims.markdown import render_markdown
from claims.models import Annotation, Claim
from config.badinput import JSONParser
from deliberation import services
from deliberation.api.idempotency import idempotent
from deliberation.api.serializers import person_name
from deliberation.api.views import (
    BAD_REQUEST,
    FORBIDDEN,
    NOT_FOUND,
    ApiView,
    ListView,
    validated_input,
)
from deliberation.api.w3c import AnnotationJsonLdRenderer, JsonLdParser, JsonLdRenderer
from deliberation.formats import w3c
from deliberation.models import Comment, CommentRevision, Debate
from deliberation.rules import may_moderate
from deliberation.selectors import (
    annotations_shown_to,
    citations_shown_to,
    comments_shown_to,
    naming,
)
from deliberation.selectors.annotations import annotation_for, comment_for
from deliberation.selectors.debates import claim_for, debate_for
from deliberation.selectors.moderation import hidden_notice
from deliberation.selectors.people import Naming

PAGE_SIZE = 50
LINK_CONTAINER = (
    '<http://www.w3.org/ns/ldp#BasicContainer>; rel="type", '
    "<http://www.w3.org/TR/annotation-protocol/>; "
    'rel="http://www.w3.org/ns/ldp#constrainedBy"'
)
LINK_RESOURCE = '<http://www.w3.org/ns/ldp#Resource>; rel="type"'


# --- W3C serializers (they document the JSON-LD; w3c.py renders and reads it) --


class _JsonLdSerializer(serializers.Serializer):
    # JSON-LD's "@context" cannot be a Python attribute name: add it here.
    context_required = True

    def get_fields(self):
        return {
            "@context": serializers.CharField(
                required=self.context_required,
                help_text=f"``{w3c.ANNO_CONTEXT}``.",
            ),
            **super().get_fields(),
        }


class W3CSelectorSerializer(serializers.Serializer):
    type = serializers.CharField(
        help_text="``TextQuoteSelector`` or ``TextPositionSelector``."
    )
    exact = serializers.CharField(
        required=False, trim_whitespace=False, help_text="TextQuoteSelector: the quote."
    )
    prefix = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False
    )
    suffix = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False
    )
    start = serializers.IntegerField(
        required=False, min_value=0, help_text="TextPositionSelector: first character."
    )
    end = serializers.IntegerField(
        required=False, min_value=0, help_text="TextPositionSelector: end, exclusive."
    )


class W3CStateSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="``TimeState``.")
    sourceDate = serializers.DateTimeField(  # noqa: N815 (a W3C term)
        help_text="When the text the selectors describe was written (the "
        "revision). Older than the current text for an orphan: its passage was "
        "not found again after an edit."
    )


class W3CTargetSerializer(serializers.Serializer):
    source = serializers.URLField(
        help_text="API URL of the source or claim whose text is annotated."
    )
    selector = W3CSelectorSerializer(
        many=True, help_text="Alternatives: a quote and a position."
    )
    state = W3CStateSerializer(read_only=True)


class W3CBodySerializer(serializers.Serializer):
    type = serializers.CharField(
        required=False, help_text="``TextualBody`` or ``SpecificResource``."
    )
    value = serializers.CharField(
        required=False,
        trim_whitespace=False,
        help_text="TextualBody: the comment (Markdown), a tag, or for evidence "
        "``supports`` / ``opposes``.",
    )
    format = serializers.CharField(required=False)
    purpose = serializers.ChoiceField(
        choices=["commenting", "tagging", "linking", "describing", "replying"],
        required=False,
    )
    source = serializers.URLField(
        required=False, help_text="SpecificResource (linking): a claim's API URL."
    )


class W3CCreatorSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="``Person``.")
    nickname = serializers.CharField()


class W3CAudienceSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="``Audience``.")

    def get_fields(self):
        return {
            **super().get_fields(),
            w3c.AUDIENCE_TYPE: serializers.ChoiceField(
                choices=sorted(w3c.VISIBILITIES),
                help_text="``moderators``: the creator and the debate's "
                "moderators; ``creator``: only the creator.",
            ),
        }


class W3CAnnotationSerializer(_JsonLdSerializer):
    """A W3C Web Annotation. Without ``audience`` everyone who may read the
    debate sees it."""

    id = serializers.URLField(read_only=True)
    type = serializers.CharField(help_text="``Annotation``.")
    motivation = serializers.ChoiceField(
        choices=Annotation.Motivation.values,
        required=False,
        help_text="Derived from the bodies when left out.",
    )
    created = serializers.DateTimeField(read_only=True)
    modified = serializers.DateTimeField(read_only=True)
    # Not read-only: a read-only field is required in the response schema,
    # and the creator is left out where no name may be shown.
    creator = W3CCreatorSerializer(
        required=False,
        help_text="Left out in anonymous debates (except for moderators and "
        "the creator) and for citations made by an import; ignored on input.",
    )
    body = W3CBodySerializer(many=True, required=False)
    bodyValue = serializers.CharField(  # noqa: N815 (a W3C term)
        required=False, write_only=True, help_text="A plain-text comment."
    )
    target = W3CTargetSerializer()
    audience = W3CAudienceSerializer(required=False)


class W3CAnnotationEmbeddedSerializer(W3CAnnotationSerializer):
    context_required = False


class W3CPartOfSerializer(serializers.Serializer):
    id = serializers.URLField()
    total = serializers.IntegerField()


class W3CPageSerializer(_JsonLdSerializer):
    """One page of a debate's annotations, oldest first."""

    context_required = False
    id = serializers.URLField()
    type = serializers.CharField(help_text="``AnnotationPage``.")
    partOf = W3CPartOfSerializer()  # noqa: N815 (a W3C term)
    startIndex = serializers.IntegerField()  # noqa: N815 (a W3C term)
    next = serializers.URLField(required=False)
    prev = serializers.URLField(required=False)
    items = W3CAnnotationEmbeddedSerializer(many=True)


class W3CCollectionSerializer(_JsonLdSerializer):
    """The container: how many annotations, and the first page embedded."""

    id = serializers.URLField()
    type = serializers.CharField(help_text="``AnnotationCollection``.")
    label = serializers.CharField()
    total = serializers.IntegerField()
    first = W3CPageSerializer()
    last = serializers.URLField()


# --- Comment serializers --------------------------------------------------------


class CommentSerializer(serializers.ModelSerializer):
    claim = serializers.IntegerField(source="claim_id", read_only=True, allow_null=True)
    annotation = serializers.IntegerField(
        source="annotation_id", read_only=True, allow_null=True
    )
    parent = serializers.IntegerField(
        source="parent_id", read_only=True, allow_null=True
    )
    body = serializers.SerializerMethodField(
        help_text="Markdown; null once deleted (the thread shows “[deleted]”)."
    )
    body_html = serializers.SerializerMethodField(
        help_text="The body rendered from Markdown and sanitised; null once deleted."
    )
    author = serializers.SerializerMethodField(
        help_text="The author's name in the debate, as for claims "
        "(selectors.people); null when the comment or account was deleted, or "
        "a moderator hid the comment (except for moderators)."
    )
    deleted = serializers.BooleanField(source="is_deleted", read_only=True)
    hidden = serializers.BooleanField(source="is_hidden", read_only=True)
    hidden_reason = serializers.CharField(
        read_only=True,
        help_text="Public reason of a moderator who hid it (body and author are "
        "then null except for moderators).",
    )
    hidden_notice = serializers.SerializerMethodField(
        help_text="What readers are told where it was, as the pages say it: "
        "the moderator's reason, or that flags hid it and a moderator has yet "
        "to look; null when it is not hidden."
    )

    class Meta:
        model = Comment
        fields = [
            "id",
            "claim",
            "annotation",
            "parent",
            "depth",
            "alignment",
            "body",
            "body_html",
            "author",
            "deleted",
            "hidden",
            "hidden_reason",
            "hidden_notice",
            "created",
            "updated",
        ]
        read_only_fields = fields

    def _masked(self, comment) -> bool:
        hidden = comment.is_hidden and not self.context.get("moderator")
        return comment.is_deleted or hidden

    def get_body(self, comment) -> str | None:
        return None if self._masked(comment) else comment.body

    def get_body_html(self, comment) -> str | None:
        return None if self._masked(comment) else render_markdown(comment.body)

    def get_author(self, comment) -> str | None:
        if self._masked(comment):
            return None
        return person_name(self.context, comment.author)

    def get_hidden_notice(self, comment) -> str | None:
        return hidden_notice(comment.hidden_reason) if comment.is_hidden else None


class CommentRevisionSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField(
        help_text="Who made this version, named as the comment's author is."
    )

    class Meta:
        model = CommentRevision
        fields = ["number", "body", "alignment", "author", "created"]
        read_only_fields = fields

    def get_author(self, revision) -> str | None:
        return person_name(self.context, revision.author)


class CommentCreateSerializer(serializers.Serializer):
    body = serializers.CharField(help_text="Markdown, at most 5,000 characters.")
    alignment = serializers.ChoiceField(
        choices=Comment.Alignment.choices, default=Comment.Alignment.NEUTRAL
    )
    parent = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Id of the comment this one replies to (same thread; replies "
        "nest at most 3 deep).",
    )


class CommentUpdateSerializer(serializers.Serializer):
    body = serializers.CharField(help_text="Markdown. The old text is kept.")
    alignment = serializers.ChoiceField(
        choices=Comment.Alignment.choices, required=False
    )


# --- Lookups --------------------------------------------------------------------


def _annotations(user, debate: Debate):
    return annotations_shown_to(user, debate).select_related(
        "creator", "source_revision", "claim_revision"
    )


def _render(
    request, annotation: Annotation, names: Naming | None = None, **kwargs
) -> dict:
    names = names or naming(request.user, annotation.debate)
    return w3c.annotation_to_w3c(
        annotation, request, creator_name=names(annotation.creator), **kwargs
    )


class _Items:
    """The container's items: the annotations, then the citations (each
    counted once; a page reads only the rows it shows)."""

    def __init__(self, annotations, citations):
        self.annotations, self.citations = annotations, citations
        self.annotation_count = annotations.count()
        self.total = self.annotation_count + citations.count()

    def page(self, start: int, size: int) -> tuple[list, list]:
        end, split = start + size, self.annotation_count
        shown, cited = [], []
        if start < split:
            shown = list(self.annotations[start : min(end, split)])
        if end > split:
            cited = list(self.citations[max(0, start - split) : end - split])
        return shown, cited


class W3CView(ApiView):
    # JSON-LD in and out (plain JSON too, for simple clients).
    renderer_classes = [
        AnnotationJsonLdRenderer,
        JsonLdRenderer,
        JSONRenderer,
    ]
    parser_classes = [JsonLdParser, JSONParser]
    link_header = LINK_RESOURCE

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Link"] = self.link_header
        return response

    def _data(self, request) -> dict:
        if not isinstance(request.data, dict):
            raise ValidationError("Send one annotation, a JSON object.")
        return request.data


_W3C_ERRORS = {400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND}


class AnnotationContainerView(W3CView):
    link_header = LINK_CONTAINER
    throttle_scope = "annotations"

    @extend_schema(
        summary="A debate's annotations (W3C Annotation Container)",
        description="Without ``page``: the AnnotationCollection, with the first "
        f"page embedded. With ``page`` (from 0): that AnnotationPage, "
        f"{PAGE_SIZE} annotations each, oldest first, linked by next/prev and "
        "partOf.",
        parameters=[
            OpenApiParameter(
                "page", OpenApiTypes.INT, description="Page number, from 0."
            )
        ],
        responses={
            200: OpenApiResponse(
                response=PolymorphicProxySerializer(
                    component_name="W3CContainerResponse",
                    serializers=[W3CCollectionSerializer, W3CPageSerializer],
                    resource_type_field_name=None,
                ),
                description="An AnnotationCollection, or an AnnotationPage when "
                f"``page`` is given. Content-Type: ``{w3c.ANNO_MEDIA_TYPE}``.",
            ),
            404: NOT_FOUND,
        },
    )
    def get(self, request, slug):
        debate = debate_for(request.user, slug)
        annotations = _annotations(request.user, debate).order_by("created", "pk")
        citations = (
            citations_shown_to(request.user, debate)
            .select_related("created_by", "source_revision")
            .order_by("pk")
        )
        items = _Items(annotations, citations)
        total = items.total
        container = w3c.absolute(request, "api-debate-annotations", slug=slug)
        last = max(0, (total - 1) // PAGE_SIZE)
        page = request.query_params.get("page")
        if page is None:
            return Response(
                {
                    "@context": w3c.ANNO_CONTEXT,
                    "id": container,
                    # The LDP type (BasicContainer) is in the Link header: its
                    # context is not the Web Annotation one.
                    "type": "AnnotationCollection",
                    "label": f"Annotations of “{debate.question}”",
                    "total": total,
                    "first": self._page(request, debate, items, 0, container, total),
                    "last": f"{container}?page={last}",
                }
            )
        if not page.isdigit() or int(page) > last:
            raise Http404("No such page.")
        page_data = self._page(request, debate, items, int(page), container, total)
        return Response({"@context": w3c.ANNO_CONTEXT, **page_data})

    def _page(self, request, debate, items, page, container, total) -> dict:
        start = page * PAGE_SIZE
        data = {
            "id": f"{container}?page={page}",
            "type": "AnnotationPage",
            "partOf": {"id": container, "total": total},
            "startIndex": start,
        }
        if start + PAGE_SIZE < total:
            data["next"] = f"{container}?page={page + 1}"
        if page > 0:
            data["prev"] = f"{container}?page={page - 1}"
        shown, cited = items.page(start, PAGE_SIZE)
        names = naming(request.user, debate).load(
            [*(a.creator for a in shown), *(c.created_by for c in cited)]
        )
        data["items"] = [
            _render(request, annotation, names, context=False) for annotation in shown
        ] + [
            w3c.citation_to_w3c(
                c, request, creator_name=names(c.created_by), context=False
            )
            for c in cited
        ]
        return data

    @extend_schema(
        summary="Annotate a passage (W3C Annotation Protocol)",
        description="Post a W3C annotation whose target is a source or claim of "
        "the debate, with a TextQuoteSelector (and optionally a "
        "TextPositionSelector, used when the quote occurs more than once). "
        "Evidence: a linking body (SpecificResource) to a claim's API URL plus "
        "a tagging body ``supports`` or ``opposes``. The requester becomes the "
        "creator and joins the debate. 201 with the annotation and its URL in "
        "``Location``.",
        request=W3CAnnotationSerializer,
        responses={201: W3CAnnotationSerializer, **_W3C_ERRORS},
    )
    @idempotent
    def post(self, request, slug):
        debate = debate_for(request.user, slug)
        data = w3c.w3c_to_annotation_input(request, debate, self._data(request))
        annotation = services.annotation_add(user=request.user, debate=debate, **data)
        # The answer is what was written (the service's object, not a read).
        body = _render(request, annotation)
        return Response(
            body, status=status.HTTP_201_CREATED, headers={"Location": body["id"]}
        )


class AnnotationDetailView(W3CView):
    throttle_scope = "edits"

    @extend_schema(
        summary="Read an annotation (W3C)",
        responses={200: W3CAnnotationSerializer, 404: NOT_FOUND},
    )
    def get(self, request, pk):
        return Response(_render(request, annotation_for(request.user, pk)))

    @extend_schema(
        summary="Replace an annotation (W3C)",
        description="Its creator or a moderator sends the whole annotation: "
        "motivation, bodies (comment, tags, evidence) and audience are replaced. "
        "The target cannot change: delete the annotation and annotate again.",
        request=W3CAnnotationSerializer,
        responses={200: W3CAnnotationSerializer, **_W3C_ERRORS},
    )
    def put(self, request, pk):
        annotation = annotation_for(request.user, pk)
        data = self._data(request)
        target = w3c.w3c_target(request, annotation.debate, data)
        if (target["source"], target["claim"]) != (annotation.source, annotation.claim):
            raise ValidationError(
                {"target": "The target cannot change; annotate again instead."}
            )
        services.annotation_edit(
            user=request.user,
            annotation=annotation,
            **w3c.w3c_bodies(request, annotation.debate, data),
            motivation=w3c.w3c_motivation(data),
            visibility=w3c.w3c_visibility(data),
        )
        return Response(_render(request, annotation_for(request.user, pk)))

    @extend_schema(
        summary="Delete an annotation",
        description="Its creator or a moderator. The annotation is kept, hidden "
        "(soft delete).",
        request=None,
        responses={204: None, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def delete(self, request, pk):
        annotation = annotation_for(request.user, pk)
        services.annotation_remove(user=request.user, annotation=annotation)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Comments -------------------------------------------------------------------


class _CommentListView(ListView):
    # The comments of one claim or annotation (the thread, oldest first).
    serializer_class = CommentSerializer
    throttle_scope = "comments"

    def target(self):
        raise NotImplementedError

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not self.schema_only():
            debate = self.target().debate
            context["names"] = naming(self.request.user, debate)
            context["moderator"] = may_moderate(self.request.user, debate)
        return context

    @idempotent
    def post(self, request, pk):
        target = self.target()
        context = self.get_serializer_context()
        data = validated_input(CommentCreateSerializer, request)
        parent = None
        if data["parent"] is not None:
            parent = comments_shown_to(request.user, target.debate).filter(
                pk=data["parent"]
            )
            parent = parent.first()
            if parent is None:
                message = f'Invalid pk "{data["parent"]}" - object does not exist.'
                raise serializers.ValidationError({"parent": [message]})
        kind = "claim" if isinstance(target, Claim) else "annotation"
        comment = services.comment_add(
            user=request.user,
            parent=parent,
            body=data["body"],
            alignment=data["alignment"],
            **{kind: target},
        )
        # The answer is what was written (the service's object, not a read).
        return Response(
            CommentSerializer(comment, context=context).data,
            status=status.HTTP_201_CREATED,
        )


_COMMENT_POST = extend_schema(
    summary="Comment, or reply to a comment",
    description="The requester becomes the author and joins the debate.",
    request=CommentCreateSerializer,
    responses={
        201: CommentSerializer,
        400: BAD_REQUEST,
        403: FORBIDDEN,
        404: NOT_FOUND,
    },
)


@extend_schema_view(
    get=extend_schema(
        summary="A claim's comments",
        description="Every comment of the thread, oldest first; deleted ones "
        "keep their place with a null body.",
        responses={200: CommentSerializer(many=True), 404: NOT_FOUND},
    ),
    post=_COMMENT_POST,
)
class ClaimCommentsView(_CommentListView):
    def target(self):
        if not hasattr(self, "_target"):
            self._target = claim_for(self.request.user, self.kwargs["pk"])
        return self._target

    def get_queryset(self):
        if self.schema_only():
            return Comment.objects.none()
        return (
            Comment.objects.filter(claim=self.target())
            .select_related("author")
            .order_by("created", "pk")
        )


@extend_schema_view(
    get=extend_schema(
        summary="An annotation's comments",
        description="Every comment of the thread, oldest first; deleted ones "
        "keep their place with a null body.",
        responses={200: CommentSerializer(many=True), 404: NOT_FOUND},
    ),
    post=_COMMENT_POST,
)
class AnnotationCommentsView(_CommentListView):
    def target(self):
        if not hasattr(self, "_target"):
            self._target = annotation_for(self.request.user, self.kwargs["pk"])
        return self._target

    def get_queryset(self):
        if self.schema_only():
            return Comment.objects.none()
        return (
            Comment.objects.filter(annotation=self.target())
            .select_related("author")
            .order_by("created", "pk")
        )


def _comment_response(request, pk: int, *, status_code=status.HTTP_200_OK):
    comment = comment_for(request.user, pk)
    context = {
        "request": request,
        "names": naming(request.user, comment.debate),
        "moderator": may_moderate(request.user, comment.debate),
    }
    return Response(
        CommentSerializer(comment, context=context).data, status=status_code
    )


class CommentDetailView(ApiView):
    throttle_scope = "edits"

    @extend_schema(
        summary="Read a comment", responses={200: CommentSerializer, 404: NOT_FOUND}
    )
    def get(self, request, pk):
        return _comment_response(request, pk)

    @extend_schema(
        summary="Edit a comment",
        description="Its author or a moderator; each version is kept (see revisions).",
        request=CommentUpdateSerializer,
        responses={
            200: CommentSerializer,
            400: BAD_REQUEST,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def patch(self, request, pk):
        comment = comment_for(request.user, pk)
        data = validated_input(CommentUpdateSerializer, request)
        services.comment_edit(
            user=request.user,
            comment=comment,
            body=data["body"],
            alignment=data.get("alignment"),
        )
        return _comment_response(request, pk)

    @extend_schema(
        summary="Delete a comment",
        description="Its author or a moderator. The thread keeps its place as "
        "“[deleted]”; replies stay.",
        request=None,
        responses={204: None, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def delete(self, request, pk):
        comment = comment_for(request.user, pk)
        services.comment_remove(user=request.user, comment=comment)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    get=extend_schema(
        summary="A comment's versions",
        description="Every version, oldest first (version 1 as first posted).",
        responses={200: CommentRevisionSerializer(many=True), 404: NOT_FOUND},
    )
)
class CommentRevisionsView(ListView):
    serializer_class = CommentRevisionSerializer

    def get_queryset(self):
        if self.schema_only():
            return CommentRevision.objects.none()
        comment = comment_for(self.request.user, self.kwargs["pk"])
        if (comment.is_deleted or comment.is_hidden) and not may_moderate(
            self.request.user, comment.debate
        ):
            raise Http404("No such comment.")
        self._debate = comment.debate
        return comment.revisions.select_related("author").order_by("number")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        debate = getattr(self, "_debate", None)
        if debate is not None:
            context["names"] = naming(self.request.user, debate)
        return context
