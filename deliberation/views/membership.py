"""Joining by code (/join/) or invitation link (/invite/<token>/)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from deliberation import services
from deliberation.services.membership import debate_by_code, debate_by_token
from deliberation.views.debates import _debate_or_404


def _joined(request, debate):
    try:
        services.debate_join(user=request.user, debate=debate)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("home")
    messages.success(request, f"You joined “{debate.question}”.")
    return redirect(debate.get_absolute_url())


@login_required
def join(request):
    """Type the code shown by the teacher or facilitator."""
    code = request.POST.get("code", "") if request.method == "POST" else ""
    if request.method == "POST":
        debate = debate_by_code(code)
        if debate is not None:
            return _joined(request, debate)
        messages.error(request, "No debate has this code. Check it and try again.")
    status = 400 if request.method == "POST" else 200
    return render(request, "deliberation/join.html", {"code": code}, status=status)


@login_required
def invite(request, token):
    """The invitation link: confirm, then join."""
    debate = debate_by_token(token)
    if debate is None:
        raise Http404("This invitation link is not valid (any more).")
    if request.method == "POST":
        return _joined(request, debate)
    return render(request, "deliberation/invite.html", {"debate": debate})


@require_POST
@login_required
def invitation_reset(request, slug):
    debate = _debate_or_404(request, slug)
    services.invitation_reset(user=request.user, debate=debate)
    messages.success(request, "New code and link made; the old ones no longer work.")
    return redirect("members", slug=debate.slug)
