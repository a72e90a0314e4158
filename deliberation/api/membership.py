"""API: join a debate by its code or invitation token."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from deliberation import services
from deliberation.api.views import (
    BAD_REQUEST,
    FORBIDDEN,
    NOT_FOUND,
    ApiView,
    validated_input,
)
from deliberation.services.membership import debate_by_code, debate_by_token


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

    @extend_schema(
        summary="Join a debate",
        description="With the debate's join code or invitation token; private "
        "debates open to those who hold one. Existing members keep their role.",
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
        code, token = data.get("code", ""), data.get("token", "")
        debate = debate_by_code(code) if code else debate_by_token(token)
        if debate is None:
            raise Http404("No debate has this code or token.")
        membership = services.debate_join(user=request.user, debate=debate)
        return Response(
            MembershipOutSerializer(membership).data, status=status.HTTP_201_CREATED
        )
