"""Joining by code (/join/) or invitation link (/invite/<token>/); your own
membership (/d/<slug>/me/: consent to share your votes)."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from deliberation import services
from deliberation.selectors.debates import debate_for, membership_of
from deliberation.services.membership import debate_by_token
from deliberation.views.classroom import LOGIN_BACKEND


def _joined(request, debate):
    try:
        services.debate_join(user=request.user, debate=debate)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("home")
    messages.success(request, f"You joined “{debate.question}”.")
    return redirect(debate.get_absolute_url())


def invite(request, token):
    """The invitation link: confirm (signed in), or choose a pseudonym and
    join as a guest (no account needed)."""
    debate = debate_by_token(token)
    if debate is None:
        raise Http404("This invitation link is not valid (any more).")
    error = ""
    if request.method == "POST":
        if request.user.is_authenticated:
            return _joined(request, debate)
        try:
            membership = services.guest_join(
                debate=debate, pseudonym=request.POST.get("pseudonym", "")
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            login(request, membership.user, backend=LOGIN_BACKEND)
            messages.success(request, f"You joined “{debate.question}”.")
            return redirect(debate.get_absolute_url())
    return render(
        request,
        "deliberation/invite.html",
        {
            "debate": debate,
            "error": error,
            "pseudonym": request.POST.get("pseudonym", ""),
        },
        status=400 if error else 200,
    )


@require_POST
@login_required
def invitation_reset(request, slug):
    debate = debate_for(request.user, slug)
    services.invitation_reset(user=request.user, debate=debate)
    messages.success(request, "New code and link made; the old ones no longer work.")
    if request.POST.get("to") == "class":  # from the class dashboard
        return redirect("class_dashboard", slug=debate.slug)
    return redirect("members", slug=debate.slug)


@login_required
def my_membership(request, slug):
    """Your place in a debate: your name, role and status, and your consent
    to others seeing your votes one by one (given or withdrawn here)."""
    debate = debate_for(request.user, slug)
    if request.method == "POST":
        try:
            services.share_votes_set(
                user=request.user,
                debate=debate,
                share=request.POST.get("share_votes") == "on",
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Saved.")
        return redirect("my_membership", slug=slug)
    return render(
        request,
        "deliberation/my_membership.html",
        {
            "debate": debate,
            "membership": membership_of(debate=debate, user=request.user),
        },
    )
