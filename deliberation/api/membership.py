"""API: join a debate by its code or invitation token."""

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
    validated_input,
)
from deliberation.services.membership import (
    NO_SUCH_CODE,
    debate_by_code,
    debate_by_token,
)


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
