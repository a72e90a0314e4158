"""Server-rendered pages. Thin: ask rules, call selectors or services, render.

Everything here works without JavaScript: reading is plain links, writing is
plain form posts."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from claims import selectors as claim_selectors
from claims.models import Claim, Source
from deliberation import services
from deliberation.forms import ClaimAddForm, ClaimEditForm
from deliberation.models import Debate
from deliberation.selectors import claims_shown_to, debate_for_viewer, debate_list_for
from deliberation.views import annotations as annotation_views


def home(request):
    debates = debate_list_for(user=request.user)
    return render(request, "deliberation/home.html", {"debates": debates})


def _debate_or_404(request, slug) -> Debate:
    debate = debate_for_viewer(slug=slug, user=request.user)
    if debate is None:
        raise Http404("No such debate.")
    return debate


def _claim_or_404(request, debate, pk) -> Claim:
    claim = claim_selectors.claim_for_page(debate, pk)
    if claim is None:
        raise Http404("No such claim.")
    # Hidden, pending or under a hidden claim: only its author and moderators.
    if not claims_shown_to(request.user, debate).filter(pk=pk).exists():
        raise Http404("No such claim.")
    claim.debate = debate  # permission checks on the claim then need no query
    return claim


def claim_url(claim: Claim) -> str:
    return reverse("claim_detail", kwargs={"slug": claim.debate.slug, "pk": claim.pk})


def debate_detail(request, slug):
    debate = _debate_or_404(request, slug)
    theses = claim_selectors.theses_of(debate)
    focus = _claim_or_404(request, debate, theses[0].pk) if theses else None
    return _render_map(request, debate, theses, focus)


def claim_detail(request, slug, pk):
    debate = _debate_or_404(request, slug)
    focus = _claim_or_404(request, debate, pk)
    if focus.is_link:  # a link shows its target in this second place
        return redirect(claim_url(focus.link_to))
    return _render_map(request, debate, claim_selectors.theses_of(debate), focus)


def _render_map(request, debate, theses, focus, *, form=None, status=200):
    context = {"debate": debate, "theses": theses, "focus": focus}
    if focus is not None:
        ancestors = claim_selectors.ancestors_of(focus)
        offsets = {
            stance: _int(request.GET.get(f"{stance}_offset"))
            for stance in ("pro", "con")
        }
        outline = claim_selectors.outline(debate, focus)
        context.update(
            ancestors=ancestors,
            thesis=ancestors[0] if ancestors else focus,
            columns=claim_selectors.children_columns(focus, offsets=offsets),
            outline=outline,
            number=claim_selectors.number_of(outline, focus),
            can_add=request.user.has_perm("deliberation.add_claim", debate),
            can_edit=request.user.has_perm("deliberation.change_claim", focus),
            form=form or ClaimAddForm(),
        )
        context.update(
            annotation_views.claim_discussion_context(request, debate, focus)
        )
    return render(request, "deliberation/debate_detail.html", context, status=status)


def _int(value) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0


@require_POST
@login_required
def claim_add(request, slug, pk):
    debate = _debate_or_404(request, slug)
    parent = _claim_or_404(request, debate, pk)
    form = ClaimAddForm(request.POST)
    if form.is_valid():
        try:
            claim = services.claim_contribute(
                user=request.user, parent=parent, **form.cleaned_data
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            if claim.status == Claim.Status.PENDING:
                messages.info(
                    request, "Thanks: your claim waits for a moderator's approval."
                )
            else:
                messages.success(request, "Your claim was added.")
            return redirect(claim_url(parent) + f"#claim-{claim.pk}")
    theses = claim_selectors.theses_of(debate)
    return _render_map(request, debate, theses, parent, form=form, status=400)


def _add_errors(form, exc: ValidationError):
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
def claim_edit(request, slug, pk):
    debate = _debate_or_404(request, slug)
    claim = _claim_or_404(request, debate, pk)
    if not request.user.has_perm("deliberation.change_claim", claim) or claim.is_link:
        raise PermissionDenied("You may only edit your own claims.")
    initial = {"text": claim.text, "explanation": claim.explanation}
    form = ClaimEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.claim_edit(user=request.user, claim=claim, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, "Your change was saved; the history keeps the earlier text."
            )
            return redirect(claim_url(claim))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "deliberation/claim_edit.html",
        {"debate": debate, "claim": claim, "form": form},
        status=status,
    )


def claim_history(request, slug, pk):
    debate = _debate_or_404(request, slug)
    claim = _claim_or_404(request, debate, pk)
    revisions = claim.revisions.select_related("author").order_by("-number")
    return render(
        request,
        "deliberation/claim_history.html",
        {"debate": debate, "claim": claim, "revisions": revisions},
    )


def source_list(request, slug):
    debate = _debate_or_404(request, slug)
    return render(
        request,
        "deliberation/source_list.html",
        {"debate": debate, "sources": claim_selectors.sources_of(debate)},
    )


def source_detail(request, slug, key):
    debate = _debate_or_404(request, slug)
    source = get_object_or_404(Source, debate=debate, key=key)
    return render(
        request,
        "deliberation/source_detail.html",
        annotation_views.source_page_context(request, debate, source),
    )


def debate_search(request, slug):
    debate = _debate_or_404(request, slug)
    return _search(request, Debate.objects.filter(pk=debate.pk), debate=debate)


def search(request):
    public = Debate.objects.filter(visibility=Debate.Visibility.PUBLIC)
    return _search(request, public, debate=None)


def _search(request, debates, *, debate):
    query = request.GET.get("q", "").strip()[:200]
    claims = claim_selectors.search_claims(debates, query) if query else []
    sources = claim_selectors.search_sources(debates, query) if query else []
    return render(
        request,
        "deliberation/search.html",
        {"debate": debate, "query": query, "claims": claims, "sources": sources},
    )
