"""Moderation pages: flag forms, the review queue, moderator actions, members,
the audit log and notifications. Plain forms, no JavaScript; thin views over
deliberation.services.moderation and the selectors."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from claims.models import Claim
from config.throttling import throttled
from deliberation import services
from deliberation.forms import (
    FlagForm,
    FlagReplyForm,
    MemberModerateForm,
    ModerateForm,
)
from deliberation.models import Flag, Membership, Notification
from deliberation.rules import may_moderate
from deliberation.selectors import (
    duplicate_pairs,
    flags_on_items_of,
    moderation_log_for,
    moderation_queue,
    naming,
    pending_claims,
    similarity_backend,
)
from deliberation.selectors.annotations import annotation_for, comment_for
from deliberation.selectors.debates import PAGE, claim_for, debate_for
from deliberation.services.common import check_moderator
from deliberation.views.common import add_errors, annotation_url, claim_url, comment_url

KINDS = ("claims", "annotations", "comments")


def _item_or_404(request, debate, kind: str, pk: int):
    """The claim, annotation or comment if the requester may see it."""
    if kind == "claims":
        return claim_for(request.user, pk, debate=debate, purpose=PAGE)
    if kind == "annotations":
        return annotation_for(request.user, pk, debate=debate)
    if kind == "comments":
        return comment_for(request.user, pk, debate=debate)
    raise Http404("No such item.")


def _item_url(debate, item) -> str:
    if isinstance(item, Claim):
        return claim_url(item)
    if hasattr(item, "creator_id"):
        return annotation_url(item, debate)
    return comment_url(item, debate) + f"#comment-{item.pk}"


def _errors(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return " ".join(m for ms in exc.message_dict.values() for m in ms)
    return " ".join(exc.messages)


# --- Flags ----------------------------------------------------------------------------


@login_required
@throttled("flags")
def item_flag(request, slug, kind, pk):
    debate = debate_for(request.user, slug)
    item = _item_or_404(request, debate, kind, pk)
    if not request.user.has_perm("deliberation.flag", item):
        raise PermissionDenied("You may not flag this.")
    form = FlagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.flag_create(user=request.user, item=item, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Thank you: the moderators will review it.")
            return redirect(_item_url(debate, item))
    # A hidden or deleted comment shows its reason or "[deleted]" here, as in
    # its thread, never its text (moderators see it).
    masked = (
        kind == "comments"
        and (item.is_hidden or item.is_deleted)
        and not may_moderate(request.user, debate)
    )
    return render(
        request,
        "deliberation/flag_form.html",
        {"debate": debate, "item": item, "kind": kind, "form": form, "masked": masked},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def my_flags(request, slug):
    """Flags on the requester's own items, with a reply form for each."""
    debate = debate_for(request.user, slug)
    flags = list(flags_on_items_of(request.user, debate)[:200])
    return render(
        request,
        "deliberation/my_flags.html",
        {"debate": debate, "flags": flags, "form": FlagReplyForm()},
    )


@require_POST
@login_required
@throttled("flags")
def flag_reply(request, slug, pk):
    debate = debate_for(request.user, slug)
    flag = get_object_or_404(Flag, debate=debate, pk=pk)
    form = FlagReplyForm(request.POST)
    if form.is_valid():
        try:
            services.flag_reply(user=request.user, flag=flag, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, "Your reply was sent to the moderators.")
    else:
        messages.error(request, "Write your reply.")
    return redirect("my_flags", slug=slug)


# --- The queue and moderator actions --------------------------------------------------


@login_required
def queue(request, slug):
    debate = debate_for(request.user, slug)
    check_moderator(request.user, debate)
    names = naming(request.user, debate)  # one read of names for the whole page
    return render(
        request,
        "deliberation/moderation_queue.html",
        {
            "debate": debate,
            "names": names,
            "queue": moderation_queue(debate, names=names),
            "pending": list(pending_claims(debate)[:100]),
            "form": ModerateForm(),
        },
    )


@login_required
def duplicates(request, slug):
    """Likely duplicate pairs of visible claims, each with the merges the
    moderator may choose (posted to item_moderate, action merge)."""
    debate = debate_for(request.user, slug)
    check_moderator(request.user, debate)
    return render(
        request,
        "deliberation/moderation_duplicates.html",
        {
            "debate": debate,
            "pairs": duplicate_pairs(debate),
            "min_score": similarity_backend().duplicate_min_score,
        },
    )


@login_required
def item_moderate(request, slug, kind, pk):
    """GET: the actions a moderator can take on the item; POST: take one."""
    debate = debate_for(request.user, slug)
    check_moderator(request.user, debate)
    item = _item_or_404(request, debate, kind, pk)
    form = ModerateForm(
        request.POST or None,
        initial={
            "text": getattr(item, "text", ""),
            "explanation": getattr(item, "explanation", ""),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.moderate_item(request.user, item, form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Done; the audit log has a record of it.")
            target = request.POST.get("next", "")
            if target == "queue":
                return redirect("moderation_queue", slug=slug)
            if target == "duplicates":
                return redirect("moderation_duplicates", slug=slug)
            return redirect(_item_url(debate, _reloaded(item)))
    return render(
        request,
        "deliberation/moderate_item.html",
        {
            "debate": debate,
            "item": item,
            "kind": kind,
            "is_claim": isinstance(item, Claim),
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )


def _reloaded(item):
    return type(item).objects.select_related("debate").get(pk=item.pk)


# --- Members --------------------------------------------------------------------------


@login_required
def members(request, slug):
    debate = debate_for(request.user, slug)
    check_moderator(request.user, debate)
    rows = (
        Membership.objects.filter(debate=debate)
        .select_related("user")
        .order_by("role", "user__username")
    )
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "deliberation/members.html",
        {"debate": debate, "page": page, "form": MemberModerateForm()},
    )


@require_POST
@login_required
def member_moderate(request, slug, pk):
    debate = debate_for(request.user, slug)
    check_moderator(request.user, debate)
    membership = get_object_or_404(Membership, debate=debate, pk=pk)
    membership.debate = debate
    form = MemberModerateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose an action (and a number of days).")
        return redirect("members", slug=slug)
    data = form.cleaned_data
    try:
        if data["action"] == "suspend":
            if not data.get("days"):
                raise ValidationError({"days": "For how many days?"})
            services.member_suspend(
                user=request.user,
                membership=membership,
                until=timezone.now() + timedelta(days=data["days"]),
                reason=data.get("reason") or "",
            )
        elif data["action"] == "remove":
            services.member_remove(
                user=request.user, membership=membership, reason=data.get("reason")
            )
        else:
            services.member_reinstate(
                user=request.user,
                membership=membership,
                reason=data.get("reason") or "",
            )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return render(
            request,
            "400.html",
            {"message": _errors(exc), "back": reverse("members", args=[slug])},
            status=400,
        )
    messages.success(request, "Done; the audit log has a record of it.")
    return redirect("members", slug=slug)


# --- Audit log and notifications ------------------------------------------------------


@login_required
def moderation_log(request, slug):
    """All of it for moderators; the rows about your own items otherwise."""
    debate = debate_for(request.user, slug)
    rows = moderation_log_for(request.user, debate)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "deliberation/moderation_log.html",
        {
            "debate": debate,
            "page": page,
            "is_moderator": may_moderate(request.user, debate),
        },
    )


@login_required
def notifications(request):
    rows = Notification.objects.filter(user=request.user).select_related("debate")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "deliberation/notifications.html", {"page": page})


@require_POST
@login_required
def notifications_read(request):
    raw = request.POST.getlist("id")
    ids = [int(v) for v in raw if v.isdigit()] if raw else None
    services.notifications_mark_read(user=request.user, ids=ids)
    return redirect("notifications")
