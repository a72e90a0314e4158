"""API for stance and impact votes and tallies (thin: serializers + services)."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from claims.models import Claim
from deliberation import services
from deliberation.api.views import (
    BAD_REQUEST,
    FORBIDDEN,
    NOT_FOUND,
    ApiView,
    claim_for,
    validated_input,
)
from deliberation.models import Vote
from deliberation.selectors import (
    claim_for_voting,
    claims_shown_to,
    perspective_for,
    tallies_for,
    withhold_small_teams,
)


class VoteInputSerializer(serializers.Serializer):
    stance = serializers.ChoiceField(choices=Vote.Stance.choices)


class ImpactInputSerializer(serializers.Serializer):
    value = serializers.IntegerField(
        min_value=0, max_value=4, help_text="0 (no bearing) to 4 (decisive)."
    )


class TallySerializer(serializers.Serializer):
    claim = serializers.IntegerField(help_text="The claim counted (a link's target).")
    perspective = serializers.CharField(help_text="Whose votes are counted.")
    agree = serializers.IntegerField(allow_null=True)
    disagree = serializers.IntegerField(allow_null=True)
    pass_ = serializers.IntegerField(allow_null=True)
    voters = serializers.IntegerField(
        allow_null=True, help_text="People with a stance vote."
    )
    impact = serializers.ListField(
        child=serializers.IntegerField(),
        min_length=5,
        max_length=5,
        allow_null=True,
        help_text="How many rated the impact 0, 1, 2, 3 and 4.",
    )
    impact_voters = serializers.IntegerField(allow_null=True)
    impact_mean = serializers.FloatField(allow_null=True)
    my_stance = serializers.CharField(
        allow_blank=True, help_text="The requester's stance, or empty."
    )
    my_impact = serializers.IntegerField(allow_null=True)
    withheld = serializers.CharField(
        allow_null=True,
        help_text="Why the counts are null: a team smaller than MIN_GROUP_SIZE "
        "(k-anonymity; its moderators see them). Else null.",
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["pass"] = fields.pop("pass_")  # a Python keyword
        return fields


class TallyNotCounted(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = (
        "Your vote was saved, but its tally could not be counted: the database "
        "is unavailable. Reload in a moment."
    )
    default_code = "tally_not_counted"
    wait = 5  # Retry-After, as for any database outage (config/middleware.py)


def tally_data(claim, *, user, perspective=None) -> dict:
    """The claim's tally; a vote's own count (``claim.tally``) is the answer
    to the vote, never read again after its commit."""
    if perspective is None and hasattr(claim, "tally"):
        tally = claim.tally
    elif perspective is None and getattr(claim, "tally_failed", False):
        raise TallyNotCounted()  # stored, but not counted after its commit
    else:
        voters = perspective.voters if perspective else None
        tally = tallies_for([claim.pk], voters=voters, user=user)[claim.pk]
    withhold_small_teams({claim.pk: tally}, debate=claim.debate, user=user)
    return {
        "claim": claim.pk,
        "perspective": perspective.key if perspective else "everyone",
        "withheld": None,
        **tally.as_dict(),
        "my_stance": tally.my_stance,
        "my_impact": tally.my_impact,
    }


VOTE_RESPONSES = {
    200: TallySerializer,
    400: BAD_REQUEST,
    401: FORBIDDEN,
    403: FORBIDDEN,
    404: NOT_FOUND,
}


def votable_claim_or_404(user, pk: int) -> Claim:
    """The claim as votes need it, with what the vote rules read, in one
    query; the full visibility query runs only for a hidden claim or branch,
    or a link (whose target must be shown too)."""
    claim = claim_for_voting(user=user, pk=pk)
    if claim is None or not user.has_perm("deliberation.view_debate", claim.debate):
        raise Http404("No such claim.")
    plain = claim.status == Claim.Status.VISIBLE and not claim.hidden_above
    shown = claims_shown_to(user, claim.debate, numbered=False)
    if not (plain and claim.link_to_id is None) and not shown.filter(pk=pk).exists():
        raise Http404("No such claim.")
    return claim


class ClaimVoteView(ApiView):
    throttle_scope = "votes"

    @extend_schema(
        summary="Vote on a claim",
        description="Agree, disagree or pass. Replaces your earlier stance; a "
        "double submit stores one vote. A vote on a link counts for its target.",
        request=VoteInputSerializer,
        responses=VOTE_RESPONSES,
    )
    def post(self, request, pk):
        claim = votable_claim_or_404(request.user, pk)
        data = validated_input(VoteInputSerializer, request)
        voted = services.vote_cast(
            user=request.user, claim=claim, stance=data["stance"]
        )
        return Response(tally_data(voted, user=request.user))

    @extend_schema(summary="Withdraw your vote", request=None, responses=VOTE_RESPONSES)
    def delete(self, request, pk):
        claim = votable_claim_or_404(request.user, pk)
        voted = services.vote_withdraw(user=request.user, claim=claim)
        return Response(tally_data(voted, user=request.user))


class ClaimImpactView(ApiView):
    throttle_scope = "votes"

    @extend_schema(
        summary="Rate a pro or con's impact",
        description="How much it strengthens or weakens its parent if true, 0–4.",
        request=ImpactInputSerializer,
        responses=VOTE_RESPONSES,
    )
    def post(self, request, pk):
        claim = votable_claim_or_404(request.user, pk)
        data = validated_input(ImpactInputSerializer, request)
        voted = services.impact_set(user=request.user, claim=claim, value=data["value"])
        return Response(tally_data(voted, user=request.user))

    @extend_schema(
        summary="Withdraw your impact rating", request=None, responses=VOTE_RESPONSES
    )
    def delete(self, request, pk):
        claim = votable_claim_or_404(request.user, pk)
        voted = services.impact_withdraw(user=request.user, claim=claim)
        return Response(tally_data(voted, user=request.user))


class ClaimTallyView(ApiView):
    @extend_schema(
        summary="A claim's tally",
        description="Counts of everyone's votes, or of one perspective.",
        parameters=[
            OpenApiParameter(
                "perspective",
                str,
                description="everyone (default), side:<name>, participant:<membership "
                "id> (with their consent or as a moderator) or group:<n>.",
            )
        ],
        responses={
            200: TallySerializer,
            400: BAD_REQUEST,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def get(self, request, pk):
        claim = claim_for(request.user, pk)
        target = claim.link_to if claim.link_to_id else claim
        perspective = perspective_for(
            debate=claim.debate,
            user=request.user,
            key=request.query_params.get("perspective", "everyone"),
        )
        return Response(tally_data(target, user=request.user, perspective=perspective))
