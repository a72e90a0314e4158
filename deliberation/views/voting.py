"""Voting pages: plain form posts (JSON when the page's script asks for it)
and guided voting, one unvoted claim at a time."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from claims.models import Claim
from config.throttling import throttled
from deliberation import services
from deliberation.models import Impact
from deliberation.selectors import next_claim_to_vote, tallies_for
from deliberation.selectors.debates import PAGE, claim_for, debate_for
from deliberation.views.common import claim_url


def _wants_json(request) -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


def _done(request, claim: Claim, voted: Claim):
    if _wants_json(request):
        tally = (
            getattr(voted, "tally", None)
            or tallies_for([voted.pk], user=request.user)[voted.pk]
        )
        return JsonResponse(
            {
                "claim": voted.pk,
                **tally.as_dict(),
                "my_stance": tally.my_stance,
                "my_impact": tally.my_impact,
            }
        )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = claim_url(claim)
    return redirect(f"{target.split('#')[0]}#claim-{claim.pk}")


def _refused(request, claim, exc: ValidationError | PermissionDenied):
    """Bad input (400) or the rules' reason for refusing this person (403),
    as JSON for the page's script or as a page with the way back."""
    if isinstance(exc, PermissionDenied):
        message, status, page = str(exc), 403, "403.html"
    else:
        message = " ".join(m for ms in exc.message_dict.values() for m in ms)
        status, page = 400, "400.html"
    if _wants_json(request):
        return JsonResponse({"error": message}, status=status)
    context = {"message": message, "exception": message, "back": claim_url(claim)}
    return render(request, page, context, status=status)


@require_POST
@login_required
@throttled("votes")
def claim_vote(request, slug, pk):
    debate = debate_for(request.user, slug)
    claim = claim_for(request.user, pk, debate=debate, purpose=PAGE)
    stance = request.POST.get("stance", "")
    try:
        if stance:
            voted = services.vote_cast(user=request.user, claim=claim, stance=stance)
        else:
            voted = services.vote_withdraw(user=request.user, claim=claim)
    except (ValidationError, PermissionDenied) as exc:
        return _refused(request, claim, exc)
    return _done(request, claim, voted)


@require_POST
@login_required
@throttled("votes")
def claim_impact(request, slug, pk):
    debate = debate_for(request.user, slug)
    claim = claim_for(request.user, pk, debate=debate, purpose=PAGE)
    raw = request.POST.get("value", "")
    try:
        if raw == "":
            voted = services.impact_withdraw(user=request.user, claim=claim)
        else:
            value = int(raw) if raw.isdigit() else raw
            voted = services.impact_set(user=request.user, claim=claim, value=value)
    except (ValidationError, PermissionDenied) as exc:
        return _refused(request, claim, exc)
    return _done(request, claim, voted)


@login_required
def vote_next(request, slug):
    """Guided voting: the next claim you have not voted on (Pol.is priority)."""
    debate = debate_for(request.user, slug)
    claim = next_claim_to_vote(debate=debate, user=request.user)
    context = {"debate": debate, "claim": claim, "impact_choices": Impact.SCALE}
    if claim is not None:
        claim.tally = tallies_for([claim.pk], user=request.user)[claim.pk]
        context["parent"] = Claim.objects.get_parent(claim) if claim.depth > 1 else None
    return render(request, "deliberation/vote_next.html", context)
