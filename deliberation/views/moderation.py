"""Moderation pages: flag forms, the review queue, moderator actions, members,
the audit log and notifications. Plain forms, no JavaScript; thin views over
deliberation.services.moderation and the selectors."""

import csv
import io
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from claims.models import Claim
from config.throttling import throttled
from deliberation import services
from deliberation.forms import (
    BulkModerateForm,
    FlagForm,
    FlagReplyForm,
    LogFilterForm,
    MemberModerateForm,
    MemberRoleForm,
    ModerateForm,
    ReasonsForm,
)
from deliberation.models import Flag, Membership, ModerationAction, Notification
from deliberation.rules import may_moderate
from deliberation.selectors import (
    duplicate_pairs,
    flagged_items_of,
    moderation_log_for,
    moderation_queue,
    naming,
    pending_claims,
    similarity_backend,
)
from deliberation.selectors.annotations import annotation_for, comment_for
from deliberation.selectors.debates import PAGE, claim_for, debate_for
from deliberation.selectors.moderation import (
    LogFilter,
    audit_csv_rows,
    audit_rows,
    debate_members,
    log_people,
    member_record,
    moderation_reasons,
)
from deliberation.services.common import check_moderator
from deliberation.services.moderation import BULK_MAX
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
    return render(
        request,
        "deliberation/my_flags.html",
        {
            "debate": debate,
            "items": flagged_items_of(request.user, debate),
            "form": FlagReplyForm(),
        },
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
            "bulk_form": BulkModerateForm(),
            "reasons": moderation_reasons(debate),
        },
    )


def _queue_items(request, debate) -> list:
    """The ticked items ("claim:12", ...), each as the moderator may see it;
    one not found (another moderator merged it away) is skipped."""
    found = []
    for value in list(dict.fromkeys(request.POST.getlist("item")))[:BULK_MAX]:
        kind, _, pk = value.partition(":")
        if kind not in ("claim", "annotation", "comment") or not pk.isdigit():
            continue
        try:
            found.append(_item_or_404(request, debate, kind + "s", int(pk)))
        except Http404:
            continue
    return found


@require_POST
@login_required
def queue_bulk(request, slug):
    """One act on every ticked item of the queue."""
    debate = debate_for(request.user, slug)
    check_moderator(request.user, debate)
    form = BulkModerateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose an act for the ticked items.")
        return redirect("moderation_queue", slug=slug)
    try:
        done, skipped = services.moderate_items(
            request.user, _queue_items(request, debate), form.cleaned_data
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("moderation_queue", slug=slug)
    messages.success(
        request, f"Done on {done} item{'s' if done != 1 else ''}; the audit log has it."
    )
    for why in skipped:
        messages.warning(request, f"Skipped: {why}")
    return redirect("moderation_queue", slug=slug)


@login_required
def reasons_edit(request, slug):
    """The debate's canned reasons, one per line."""
    debate = debate_for(request.user, slug)
    check_moderator(request.user, debate)
    current = moderation_reasons(debate)
    form = ReasonsForm(request.POST or None, initial={"reasons": "\n".join(current)})
    if request.method == "POST" and form.is_valid():
        try:
            services.moderation_reasons_set(
                user=request.user,
                debate=debate,
                reasons=form.cleaned_data["reasons"].splitlines(),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "The canned reasons are saved.")
            return redirect("moderation_reasons", slug=slug)
    return render(
        request,
        "deliberation/moderation_reasons.html",
        {"debate": debate, "form": form, "reasons": current},
        status=400 if request.method == "POST" else 200,
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
            "reasons": moderation_reasons(debate),
            "author": item.creator if kind == "annotations" else item.author,
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
    page = Paginator(debate_members(debate), 100).get_page(request.GET.get("page"))
    return render(
        request,
        "deliberation/members.html",
        {
            "debate": debate,
            "page": page,
            "form": MemberModerateForm(),
            "reasons": moderation_reasons(debate),
            "may_name_roles": request.user.has_perm(
                "deliberation.change_debate", debate
            ),
            "roles": MemberRoleForm.base_fields["role"].choices,
        },
    )


@login_required
def member_detail(request, slug, pk):
    """One member as moderators see them: contributions, flags raised and
    received, acts about them, and the acts to take."""
    debate = debate_for(request.user, slug)
    check_moderator(request.user, debate)
    membership = get_object_or_404(
        Membership.objects.select_related("user"), debate=debate, pk=pk
    )
    membership.debate = debate
    return render(
        request,
        "deliberation/member_detail.html",
        {
            "debate": debate,
            "record": member_record(membership),
            "m": membership,
            "form": MemberModerateForm(),
            "reasons": moderation_reasons(debate),
            "may_name_roles": request.user.has_perm(
                "deliberation.change_debate", debate
            ),
            "roles": MemberRoleForm.base_fields["role"].choices,
        },
    )


def _back_to_member(request, slug, pk):
    if request.POST.get("next") == "member":
        return redirect("member_detail", slug=slug, pk=pk)
    return redirect("members", slug=slug)


def _member_act_refused(request, slug, exc: ValidationError):
    """An act on a member the service refused: the reason, on the page and
    as a message, and the way back to the members."""
    messages.error(request, _errors(exc))
    return render(
        request,
        "400.html",
        {"message": _errors(exc), "back": reverse("members", args=[slug])},
        status=400,
    )


@require_POST
@login_required
def member_role(request, slug, pk):
    """The owner names a member moderator, participant, suggester or
    observer."""
    debate = debate_for(request.user, slug)
    membership = get_object_or_404(Membership, debate=debate, pk=pk)
    membership.debate = debate
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a role.")
        return _back_to_member(request, slug, pk)
    try:
        services.member_role_set(
            user=request.user, membership=membership, **form.cleaned_data
        )
    except ValidationError as exc:
        return _member_act_refused(request, slug, exc)
    messages.success(request, "The role is changed; the audit log has it.")
    return _back_to_member(request, slug, pk)


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
        return _back_to_member(request, slug, pk)
    data = form.cleaned_data
    try:
        if data["action"] == "warn":
            services.member_warn(
                user=request.user, membership=membership, reason=data.get("reason")
            )
        elif data["action"] == "suspend":
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
        return _member_act_refused(request, slug, exc)
    messages.success(request, "Done; the audit log has a record of it.")
    return _back_to_member(request, slug, pk)


# --- Audit log and notifications ------------------------------------------------------


def _log_filter(request, debate):
    """The log's filter form (choices from the debate) and, when valid, the
    filter; moderators only filter."""
    names = naming(request.user, debate)
    actors, subjects = log_people(debate)
    form = LogFilterForm(
        request.GET or None,
        actors=[(m.user_id, names.with_account(m.user)) for m in actors],
        members=[(m.user_id, names.with_account(m.user)) for m in subjects],
        actions=ModerationAction.Action.choices,
    )
    if not request.GET or not form.is_valid():
        return form, LogFilter(), names
    data = {k: v for k, v in form.cleaned_data.items() if v not in ("", None)}
    return form, LogFilter(**data), names


@login_required
def moderation_log(request, slug):
    """All of it for moderators (with filters and a CSV export); the rows
    about your own items otherwise."""
    debate = debate_for(request.user, slug)
    is_moderator = may_moderate(request.user, debate)
    rows = moderation_log_for(request.user, debate)
    form, names, status = None, naming(request.user, debate), 200
    if is_moderator:
        form, log_filter, names = _log_filter(request, debate)
        rows = log_filter.apply(rows)
        status = 400 if form.is_bound and not form.is_valid() else 200
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    page.object_list = audit_rows(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "deliberation/moderation_log.html",
        {
            "debate": debate,
            "page": page,
            "names": names,
            "is_moderator": is_moderator,
            "filter_form": form,
            "query": query.urlencode(),
        },
        status=status,
    )


def moderation_log_moved(request, slug):
    """The log's former address (``/moderation/log/``): it lives where the
    docs and the API put it."""
    target = reverse("moderation_log", kwargs={"slug": slug})
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{target}?{query}" if query else target)


CSV_MAX_ROWS = 10_000
CSV_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(CSV_FORMULA) else text


@login_required
def moderation_log_csv(request, slug):
    """The log as the page filters it, for moderators: one row per act with
    the item's text and what it changed."""
    debate = debate_for(request.user, slug)
    check_moderator(request.user, debate)
    form, log_filter, names = _log_filter(request, debate)
    if form.is_bound and not form.is_valid():
        return render(
            request,
            "400.html",
            {
                "message": "Check the filters.",
                "back": reverse("moderation_log", args=[slug]),
            },
            status=400,
        )
    rows = log_filter.apply(moderation_log_for(request.user, debate))
    out = io.StringIO()
    writer = csv.writer(out)
    for row in audit_csv_rows(rows[:CSV_MAX_ROWS], names):
        writer.writerow(_cell(v) for v in row)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{debate.slug}-moderation-log.csv"'
    )
    return response


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
