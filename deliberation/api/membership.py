"""API: join a debate by its code or invitation token; the members, the
owner naming their roles, and a member's consent to share votes."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from config.throttling import join_code_passes, join_failed, join_wait
from deliberation import services
from deliberation.api.views import (
    BAD_REQUEST,
    FORBIDDEN,
    NOT_FOUND,
    ApiView,
    ListView,
    validated_input,
)
from deliberation.models import Membership
from deliberation.selectors import account_name, naming
from deliberation.selectors.debates import debate_for
from deliberation.selectors.moderation import debate_members
from deliberation.services.common import check_moderator
from deliberation.services.membership import (
    NO_SUCH_CODE,
    debate_by_code,
    debate_by_token,
)
from deliberation.services.moderation import ASSIGNABLE_ROLES


class JoinInputSerializer(serializers.Serializer):
    code = serializers.CharField(required=False, allow_blank=True, max_length=20)
    token = serializers.CharField(required=False, allow_blank=True, max_length=64)

    def validate(self, data):
        if bool(data.get("code")) == bool(data.get("token")):
            raise serializers.ValidationError("Give either a code or a token.")
        return data


class MembershipOutSerializer(serializers.Serializer):
    debate = serializers.CharField(source="debate.slug")
    role = serializers.CharField()
    status = serializers.CharField()


class JoinView(ApiView):
    permission_classes = [IsAuthenticated]
    # Per account; wrong codes per address and account with a growing wait,
    # right ones per class code (config/throttling.py).
    throttle_scope = "join"

    @extend_schema(
        summary="Join a debate",
        description="With the debate's join code or invitation token; private "
        "debates open to those who hold one. Existing members keep their role. "
        "A wrong code and an expired one are both 404; too many wrong ones from "
        "one address or account are 429 for a while (longer each time).",
        request=JoinInputSerializer,
        responses={
            201: MembershipOutSerializer,
            400: BAD_REQUEST,
            401: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def post(self, request):
        data = validated_input(JoinInputSerializer, request)
        wait = join_wait(request)
        if wait:
            raise exceptions.Throttled(wait)
        code, token = data.get("code", ""), data.get("token", "")
        debate = debate_by_code(code) if code else debate_by_token(token)
        if debate is None:
            join_failed(request)
            raise Http404(NO_SUCH_CODE)
        if code:
            allowed, wait = join_code_passes(request, debate.join_code)
            if not allowed:
                raise exceptions.Throttled(wait)
        membership = services.debate_join(user=request.user, debate=debate)
        return Response(
            MembershipOutSerializer(membership).data, status=status.HTTP_201_CREATED
        )


# --- Members and roles (moderators read, the owner names) --------------------


class MemberSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The membership's id.")
    name = serializers.SerializerMethodField(
        help_text="Named as the debate names them (selectors.people)."
    )
    account = serializers.SerializerMethodField(
        help_text="The registered account behind a pseudonym; empty for a guest."
    )
    role = serializers.CharField()
    status = serializers.CharField()
    suspended_until = serializers.DateTimeField(allow_null=True)
    share_votes = serializers.BooleanField(
        help_text="Consents to others seeing their votes one by one."
    )

    def get_name(self, membership) -> str:
        return self.context["names"].member(membership)

    def get_account(self, membership) -> str:
        return account_name(membership.user)


class MemberListView(ListView):
    serializer_class = MemberSerializer
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="The debate's members",
        description="Moderators only: each member's name, account, role, status "
        "and consent to share votes.",
        responses={200: MemberSerializer(many=True), 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if self.schema_only():
            return Membership.objects.none()
        self._debate = debate_for(self.request.user, self.kwargs["slug"])
        check_moderator(self.request.user, self._debate)
        return debate_members(self._debate)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not self.schema_only():
            context["names"] = naming(self.request.user, self._debate)
        return context


class MemberRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=list(ASSIGNABLE_ROLES))
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=300
    )


class MemberRoleView(ApiView):
    @extend_schema(
        summary="Name a member's role",
        description="The owner only: moderator, participant, suggester or observer. "
        "The member is told; the audit log keeps the role before and after.",
        request=MemberRoleSerializer,
        responses={
            200: MemberSerializer,
            400: BAD_REQUEST,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def post(self, request, pk):
        membership = (
            Membership.objects.select_related("debate", "user").filter(pk=pk).first()
        )
        if membership is None or not request.user.has_perm(
            "deliberation.view_debate", membership.debate
        ):
            raise Http404("No such member.")
        data = validated_input(MemberRoleSerializer, request)
        services.member_role_set(user=request.user, membership=membership, **data)
        membership.refresh_from_db()
        names = naming(request.user, membership.debate)
        return Response(MemberSerializer(membership, context={"names": names}).data)


class ConsentSerializer(serializers.Serializer):
    share_votes = serializers.BooleanField(
        help_text="True: others may see your votes one by one; false withdraws it."
    )


class MyMembershipView(ApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Your consent to share your votes",
        description="Records (or withdraws) your consent to others seeing your "
        "votes one by one (the participant:<id> perspective). Yours only.",
        request=ConsentSerializer,
        responses={200: ConsentSerializer, 400: BAD_REQUEST, 404: NOT_FOUND},
    )
    def patch(self, request, slug):
        debate = debate_for(request.user, slug)
        data = validated_input(ConsentSerializer, request)
        membership = services.share_votes_set(
            user=request.user, debate=debate, share=data["share_votes"]
        )
        return Response({"share_votes": membership.share_votes})
