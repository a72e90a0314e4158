"""API for flags, the review queue, moderator actions, members, the audit log
and notifications: the same services and rules as the pages."""

from datetime import timedelta

from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from claims import selectors as claim_selectors
from claims.models import Claim
from deliberation import services
from deliberation.api.serializers import (
    ClaimRevisionSerializer,
    SimilarClaimSerializer,
    person_name,
)
from deliberation.api.views import (
    BAD_REQUEST,
    FORBIDDEN,
    NOT_FOUND,
    ApiView,
    ListView,
    validated_input,
)
from deliberation.models import Flag, Membership, ModerationAction, Notification
from deliberation.rules import may_moderate
from deliberation.selectors import (
    duplicate_pairs,
    flags_on_items_of,
    moderation_log_for,
    moderation_queue,
    naming,
)
from deliberation.selectors.annotations import annotation_for, comment_for
from deliberation.selectors.debates import claim_for, debate_for
from deliberation.selectors.moderation import ITEM_KINDS, LogFilter, audit_item_text
from deliberation.services.common import check_moderator

# --- Serializers -----------------------------------------------------------------

TARGETS = ("claim", "annotation", "comment")


class FlagCreateSerializer(serializers.Serializer):
    claim = serializers.IntegerField(required=False, min_value=1)
    annotation = serializers.IntegerField(required=False, min_value=1)
    comment = serializers.IntegerField(required=False, min_value=1)
    reason = serializers.ChoiceField(choices=Flag.Reason.choices)
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=1000,
        help_text="For the moderators; required when the reason is other.",
    )

    def validate(self, data):
        given = [t for t in TARGETS if data.get(t) is not None]
        if len(given) != 1:
            raise serializers.ValidationError(
                "Give exactly one of claim, annotation or comment."
            )
        return data


class FlagSerializer(serializers.ModelSerializer):
    """A flag as the flagged item's author sees it: never who flagged, nor
    the note, which is for the moderators (it may tell who flagged)."""

    target = serializers.CharField(source="target_kind", read_only=True)
    target_id = serializers.SerializerMethodField()

    class Meta:
        model = Flag
        fields = [
            "id",
            "target",
            "target_id",
            "reason",
            "status",
            "author_reply",
            "created",
        ]
        read_only_fields = fields

    def get_target_id(self, flag) -> int:
        return flag.target.pk


class OwnFlagSerializer(FlagSerializer):
    """A flag as its flagger sees it: with their own note."""

    class Meta(FlagSerializer.Meta):
        fields = [*FlagSerializer.Meta.fields, "note"]
        read_only_fields = fields


class QueueFlagSerializer(FlagSerializer):
    flagger = serializers.SerializerMethodField(
        help_text="Who flagged, named as in the debate (selectors.people)."
    )

    class Meta(FlagSerializer.Meta):
        fields = [*FlagSerializer.Meta.fields, "note", "flagger"]
        read_only_fields = fields

    def get_flagger(self, flag) -> str | None:
        return person_name(self.context, flag.flagger)


class QueueItemSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="claim, annotation or comment.")
    id = serializers.IntegerField(source="item.pk")
    text = serializers.SerializerMethodField(help_text="The item's text, even hidden.")
    weight = serializers.FloatField(
        help_text="Sum over its open flags of (2 for a moderator, else 1) × "
        "(1 + upheld / (resolved + 2)) of the flagger's past flags here."
    )
    author = serializers.CharField(
        allow_null=True,
        help_text="Who wrote the item, named as in the debate (selectors.people); "
        "null for a deleted account.",
    )
    flaggers = serializers.IntegerField()
    parent = serializers.IntegerField(
        source="parent.pk", allow_null=True, default=None, help_text="Parent claim."
    )
    flags = QueueFlagSerializer(many=True)

    def get_text(self, entry) -> str:
        item = entry.item
        if entry.kind == "claim":
            return item.display_text
        return item.body or getattr(item, "exact", "")


class FlagReplySerializer(serializers.Serializer):
    body = serializers.CharField(max_length=2000)


class ModerationActionSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField(
        help_text="The moderator, named as in the debate (selectors.people; "
        "moderators only); null otherwise or for automatic actions."
    )
    subject = serializers.SerializerMethodField(
        help_text="Whom the act is about (the item's author or the member acted "
        "on), named as in the debate; null when none or deleted."
    )
    target = serializers.CharField(source="target_kind", read_only=True)
    item_text = serializers.SerializerMethodField(
        help_text="The text of the item acted on, as it is now (its text then is "
        "in before/after); empty for a member."
    )

    class Meta:
        model = ModerationAction
        fields = [
            "id",
            "action",
            "actor",
            "subject",
            "target",
            "item_text",
            "claim",
            "annotation",
            "comment",
            "membership",
            "reason",
            "before",
            "after",
            "created",
        ]
        read_only_fields = fields

    def get_actor(self, row) -> str | None:
        if not self.context.get("moderator"):
            return None
        return person_name(self.context, row.actor)

    def get_subject(self, row) -> str | None:
        return person_name(self.context, row.subject)

    def get_item_text(self, row) -> str:
        return audit_item_text(row)


class ModerateSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=[
            "dismiss",
            "hide",
            "restore",
            "approve",
            "lock",
            "unlock",
            "pin",
            "unpin",
            "move",
            "merge",
            "edit",
        ],
        help_text="Annotations and comments: dismiss, hide or restore only.",
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=300,
        help_text="Public when hiding; the note of an edit; kept in the audit log.",
    )
    new_parent = serializers.IntegerField(
        required=False, min_value=1, help_text="move: the new parent claim."
    )
    kept = serializers.IntegerField(
        required=False, min_value=1, help_text="merge: the claim that is kept."
    )
    text = serializers.CharField(required=False, help_text="edit: the new text.")
    explanation = serializers.CharField(
        required=False, allow_blank=True, help_text="edit: the new explanation."
    )


class MemberModerateSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["warn", "suspend", "remove", "reinstate"])
    days = serializers.IntegerField(
        required=False, min_value=1, max_value=365, help_text="suspend: how long."
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=300,
        help_text="At least 15 characters to suspend or remove.",
    )


class NotificationSerializer(serializers.ModelSerializer):
    debate = serializers.CharField(
        source="debate.slug", read_only=True, allow_null=True, default=None
    )
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "text", "url", "debate", "read", "created"]
        read_only_fields = fields

    def get_read(self, row) -> bool:
        return row.read_at is not None


class NotificationsReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Omit to mark them all read.",
    )


class DuplicatesQuerySerializer(serializers.Serializer):
    min_score = serializers.FloatField(
        required=False,
        min_value=0.0,
        max_value=1.0,
        help_text="Lowest similarity listed; the server's threshold for likely "
        "duplicates by default (0.6 with TF-IDF).",
    )
    limit = serializers.IntegerField(
        required=False, default=100, min_value=1, max_value=500
    )


class DuplicateClaimSerializer(SimilarClaimSerializer):
    score = None  # the pair has the score


class MergeChoiceSerializer(serializers.Serializer):
    duplicate = serializers.IntegerField(help_text="The claim merged away.")
    kept = serializers.IntegerField(help_text="The claim kept.")


class DuplicatePairSerializer(serializers.Serializer):
    first = DuplicateClaimSerializer(help_text="Earlier in the tree.")
    second = DuplicateClaimSerializer()
    score = serializers.FloatField(help_text="Cosine similarity, at most 1.")
    merges = MergeChoiceSerializer(
        many=True,
        help_text="The merges allowed (a thesis is never merged away, nor a claim "
        "into its own branch): post one to /claims/{duplicate}/moderate/ with "
        'action "merge" and kept.',
    )

    def to_representation(self, pair):
        return super().to_representation(
            {
                "first": pair.first,
                "second": pair.second,
                "score": pair.score,
                "merges": [
                    {"duplicate": dup.pk, "kept": kept.pk} for dup, kept in pair.merges
                ],
            }
        )


class CountSerializer(serializers.Serializer):
    changed = serializers.IntegerField()


# --- Views ---------------------------------------------------------------------------


def _item(user, kind: str, pk: int):
    lookup = {
        "claim": claim_for,
        "annotation": annotation_for,
        "comment": comment_for,
    }
    return lookup[kind](user, pk)


class FlagCreateView(ApiView):
    throttle_scope = "flags"

    @extend_schema(
        summary="Flag a claim, an annotation or a comment",
        description="One flag per member and item. The author is told the reason, "
        "never who flagged. Enough distinct flaggers hide the item pending review "
        "(the debate's auto_hide_flags).",
        request=FlagCreateSerializer,
        responses={201: OwnFlagSerializer, 400: BAD_REQUEST, 403: FORBIDDEN},
    )
    def post(self, request):
        data = validated_input(FlagCreateSerializer, request)
        kind = next(t for t in TARGETS if data.get(t) is not None)
        try:
            item = _item(request.user, kind, data[kind])
        except Http404:
            message = f'Invalid pk "{data[kind]}" - object does not exist.'
            raise exceptions.ValidationError({kind: [message]}) from None
        flag = services.flag_create(
            user=request.user, item=item, reason=data["reason"], note=data["note"]
        )
        return Response(OwnFlagSerializer(flag).data, status=status.HTTP_201_CREATED)


class FlagReplyView(ApiView):
    throttle_scope = "flags"

    @extend_schema(
        summary="Reply to a flag on your item",
        description="The item's author, once per flag.",
        request=FlagReplySerializer,
        responses={
            200: FlagSerializer,
            400: BAD_REQUEST,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def post(self, request, pk):
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        flag = get_object_or_404(
            Flag.objects.filter(pk__in=_own_flags(request.user)), pk=pk
        )
        data = validated_input(FlagReplySerializer, request)
        flag = services.flag_reply(user=request.user, flag=flag, body=data["body"])
        return Response(FlagSerializer(flag).data)


class RedactSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=300, help_text="Why (kept in the audit log, never the words)."
    )


class RevisionRedactView(ApiView):
    @extend_schema(
        summary="Redact a revision of a claim",
        description="Moderators only. Removes the words the revision brought "
        "from the database (not the claim's current text: edit it first); the "
        'revision then reads "redacted by a moderator". Audited without the '
        "words.",
        request=RedactSerializer,
        responses={
            200: ClaimRevisionSerializer,
            400: BAD_REQUEST,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def post(self, request, pk, number):
        claim = claim_for(request.user, pk)
        revision = get_object_or_404(claim.revisions, number=number)
        data = validated_input(RedactSerializer, request)
        services.revision_redact(
            user=request.user, revision=revision, reason=data["reason"]
        )
        revision = claim_selectors.revisions_of(claim).get(number=number)
        context = {"names": naming(request.user, claim.debate)}
        return Response(ClaimRevisionSerializer(revision, context=context).data)


def _own_flags(user):
    mine = Q(claim__author=user) | Q(annotation__creator=user) | Q(comment__author=user)
    return Flag.objects.filter(mine).values("pk")


@extend_schema_view(
    get=extend_schema(
        summary="Flags on your items in a debate",
        responses={200: FlagSerializer(many=True), 404: NOT_FOUND},
    )
)
class MyFlagsView(ListView):
    serializer_class = FlagSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        if self.schema_only():
            return Flag.objects.none()
        debate = debate_for(self.request.user, self.kwargs["slug"])
        return flags_on_items_of(self.request.user, debate)


class QueueView(ApiView):
    @extend_schema(
        summary="The review queue",
        description="Moderators only. Items with open flags, heaviest first, with "
        "each flag's reason, note, flagger and the author's reply.",
        responses={
            200: QueueItemSerializer(many=True),
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def get(self, request, slug):
        debate = debate_for(request.user, slug)
        check_moderator(request.user, debate)
        context = {"names": naming(request.user, debate)}
        queue = moderation_queue(debate, names=context["names"])
        return Response(QueueItemSerializer(queue, many=True, context=context).data)


class DuplicatesView(ApiView):
    @extend_schema(
        summary="Likely duplicate claims",
        description="Moderators only. Pairs of the debate's visible claims that "
        "likely say the same, most alike first, with the merges a moderator may "
        "choose between.",
        parameters=[DuplicatesQuerySerializer],
        responses={
            200: DuplicatePairSerializer(many=True),
            400: BAD_REQUEST,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def get(self, request, slug):
        debate = debate_for(request.user, slug)
        check_moderator(request.user, debate)
        query = DuplicatesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        pairs = duplicate_pairs(debate, **query.validated_data)
        return Response(DuplicatePairSerializer(pairs, many=True).data)


def _act_response(request, row: ModerationAction, debate) -> Response:
    context = {"moderator": True, "names": naming(request.user, debate)}
    return Response(ModerationActionSerializer(row, context=context).data)


class _ModerateView(ApiView):
    kind = ""

    def post(self, request, pk):
        item = _item(request.user, self.kind, pk)
        check_moderator(request.user, item.debate)
        data = validated_input(ModerateSerializer, request)

        if data["action"] in ("move", "merge"):
            field = "new_parent" if data["action"] == "move" else "kept"
            if not Claim.objects.filter(
                debate=item.debate, pk=data.get(field)
            ).exists():
                raise exceptions.ValidationError(
                    {field: ["No such claim in this debate."]}
                )
        row = services.moderate_item(request.user, item, data)
        return _act_response(request, row, item.debate)


_MODERATE = extend_schema(
    summary="Take a moderator action",
    description="Moderators only. Every action writes a row of the audit log "
    "(returned).",
    request=ModerateSerializer,
    responses={
        200: ModerationActionSerializer,
        400: BAD_REQUEST,
        403: FORBIDDEN,
        404: NOT_FOUND,
    },
)


@extend_schema_view(post=_MODERATE)
class ClaimModerateView(_ModerateView):
    kind = "claim"


@extend_schema_view(post=_MODERATE)
class AnnotationModerateView(_ModerateView):
    kind = "annotation"


@extend_schema_view(post=_MODERATE)
class CommentModerateView(_ModerateView):
    kind = "comment"


class MembershipModerateView(ApiView):
    @extend_schema(
        summary="Warn, suspend, remove or reinstate a member",
        description="Moderators (moderators themselves: the owner only). A "
        "suspension ends by itself after ``days``; suspending and removing need "
        "a justification of at least 15 characters (warning too).",
        request=MemberModerateSerializer,
        responses={
            200: ModerationActionSerializer,
            400: BAD_REQUEST,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def post(self, request, pk):
        membership = Membership.objects.select_related("debate").filter(pk=pk).first()
        if membership is None or not request.user.has_perm(
            "deliberation.view_debate", membership.debate
        ):
            raise Http404("No such member.")
        check_moderator(request.user, membership.debate)
        data = validated_input(MemberModerateSerializer, request)
        if data["action"] == "warn":
            row = services.member_warn(
                user=request.user, membership=membership, reason=data["reason"]
            )
        elif data["action"] == "suspend":
            if not data.get("days"):
                raise exceptions.ValidationError({"days": ["For how many days?"]})
            row = services.member_suspend(
                user=request.user,
                membership=membership,
                until=timezone.now() + timedelta(days=data["days"]),
                reason=data["reason"],
            )
        elif data["action"] == "remove":
            row = services.member_remove(
                user=request.user, membership=membership, reason=data["reason"]
            )
        else:
            row = services.member_reinstate(
                user=request.user, membership=membership, reason=data["reason"]
            )
        return _act_response(request, row, membership.debate)


class LogFilterSerializer(serializers.Serializer):
    """The audit log's filters, as query parameters (moderators)."""

    actor = serializers.IntegerField(
        required=False, min_value=1, help_text="The acting moderator's user id."
    )
    action = serializers.ChoiceField(
        required=False, choices=ModerationAction.Action.values
    )
    member = serializers.IntegerField(
        required=False, min_value=1, help_text="The user id of whom the act is about."
    )
    kind = serializers.ChoiceField(required=False, choices=list(ITEM_KINDS))
    since = serializers.DateField(required=False, help_text="From this day (UTC).")
    until = serializers.DateField(required=False, help_text="To this day, inclusive.")


@extend_schema_view(
    get=extend_schema(
        summary="The audit log",
        description="Every moderation action of the debate for moderators (who "
        "may filter it by moderator, act, member, kind of item and dates); the "
        "actions on your own items or membership for others; newest first.",
        parameters=[LogFilterSerializer],
        responses={
            200: ModerationActionSerializer(many=True),
            400: BAD_REQUEST,
            404: NOT_FOUND,
        },
    )
)
class ModerationLogView(ListView):
    serializer_class = ModerationActionSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        if self.schema_only():
            return ModerationAction.objects.none()
        debate = self._debate = debate_for(self.request.user, self.kwargs["slug"])
        self._moderator = may_moderate(self.request.user, debate)
        rows = moderation_log_for(self.request.user, debate)
        if not self._moderator:
            return rows
        query = {k: v for k, v in self.request.query_params.items() if k != "page"}
        filters = LogFilterSerializer(data=query)
        filters.is_valid(raise_exception=True)
        return LogFilter(**filters.validated_data).apply(rows)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["moderator"] = getattr(self, "_moderator", False)
        debate = getattr(self, "_debate", None)
        if debate is not None:
            context["names"] = naming(self.request.user, debate)
        return context


@extend_schema_view(
    get=extend_schema(
        summary="Your notifications",
        description="Newest first.",
        responses={200: NotificationSerializer(many=True)},
    )
)
class NotificationListView(ListView):
    serializer_class = NotificationSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        if self.schema_only():
            return Notification.objects.none()
        return Notification.objects.filter(user=self.request.user).select_related(
            "debate"
        )


class NotificationsReadView(ApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Mark notifications read",
        request=NotificationsReadSerializer,
        responses={200: CountSerializer, 400: BAD_REQUEST, 403: FORBIDDEN},
    )
    def post(self, request):
        data = validated_input(NotificationsReadSerializer, request)
        changed = services.notifications_mark_read(user=request.user, ids=data["ids"])
        return Response({"changed": changed})
