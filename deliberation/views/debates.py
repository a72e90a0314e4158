"""Server-rendered pages. Thin: ask rules, call selectors or services, render.

Everything here works without JavaScript: reading is plain links, writing is
plain form posts."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from claims import selectors as claim_selectors
from claims.models import Claim, Source
from config.throttling import throttled
from deliberation import phases, services
from deliberation.forms import ClaimAddForm, ClaimEditForm
from deliberation.models import Debate, Impact
from deliberation.rules import allowed_stances, may_moderate, refusal
from deliberation.selectors import (
    claims_shown_to,
    debate_list_for,
    near_duplicates_of,
    perspective_for,
    perspectives_of,
    public_claims,
    tallies_for,
    with_claim_counts,
    withhold_small_teams,
)
from deliberation.selectors.debates import (
    PAGE,
    HiddenClaim,
    claim_for,
    claim_in_tree_for,
    debate_for,
)
from deliberation.views import annotations as annotation_views
from deliberation.views.common import add_errors, claim_url
from deliberation.views.idempotency import idempotent_form


def home(request):
    debates = with_claim_counts(debate_list_for(user=request.user))
    return render(request, "deliberation/home.html", {"debates": debates})


def debate_detail(request, slug):
    debate = debate_for(request.user, slug)
    theses = claim_selectors.theses_of(debate)
    if not theses:
        return render(request, "deliberation/debate_detail.html", {"debate": debate})
    focus = claim_selectors.claim_for_page(debate, theses[0].pk)
    focus.debate = debate
    focus.branch_locked = focus.locked  # a thesis has no ancestors
    focus.path_stances = None
    return _render_map(request, debate, focus, theses=theses, ancestors=[])


def claim_detail(request, slug, pk):
    debate = debate_for(request.user, slug)
    try:
        focus, theses, ancestors = claim_in_tree_for(request.user, debate, pk)
    except HiddenClaim as hidden:
        # Decision: readers see "hidden by a moderator: <reason>" and the way
        # back up; never the text, the author, or the branch below.
        return render(
            request,
            "deliberation/claim_hidden.html",
            {
                "debate": debate,
                "claim": hidden.claim,
                "parent": hidden.ancestors[-1] if hidden.ancestors else None,
            },
        )
    if focus.is_link:  # a link shows its target in this second place
        return redirect(claim_url(focus.link_to))
    return _render_map(request, debate, focus, theses=theses, ancestors=ancestors)


def _perspective(request, debate):
    try:
        return perspective_for(
            debate=debate, user=request.user, key=request.GET.get("perspective", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.message_dict["perspective"]))
        return perspective_for(debate=debate, user=request.user, key="everyone")


def _render_map(
    request,
    debate,
    focus,
    *,
    theses,
    ancestors,
    form=None,
    status=200,
    near_duplicates=(),
):
    offsets = {
        stance: _int(request.GET.get(f"{stance}_offset")) for stance in ("pro", "con")
    }
    order = "impact" if request.GET.get("sort") == "impact" else "manual"
    shown = claims_shown_to(request.user, debate, numbered=False)
    columns = claim_selectors.children_columns(
        focus, offsets=offsets, order=order, shown=shown
    )
    children = [c for column in columns.values() for c in column.claims]
    perspective = _perspective(request, debate)
    tallies = withhold_small_teams(
        tallies_for(
            {focus.pk, *(c.link_to_id or c.pk for c in children)},
            voters=perspective.voters,
            user=request.user,
        ),
        debate=debate,
        user=request.user,
    )
    can_moderate = may_moderate(request.user, debate)
    allowed = allowed_stances(request.user, focus)
    # "+ Add a pro" at the head of a column opens the form with its stance.
    asked = request.GET.get("stance")
    form = form or ClaimAddForm(initial={"stance": asked} if asked in allowed else {})
    # Only what the phase and the side allow; all of them when none is left
    # and the form comes back only to keep what was typed.
    form.offer(allowed or phases.STANCES)
    # Why the person may not add here ("" when they may): the form and the
    # "+" at the head of each column both follow it.
    add_refused = refusal(request.user, "deliberation.add_claim_under", focus)
    for claim in [focus, *children]:
        claim.tally = tallies[claim.link_to_id or claim.pk]
        # A hidden child shows only the moderator's public reason to readers
        # (moderators and its author see it, marked hidden).
        own = request.user.is_authenticated and claim.author_id == request.user.pk
        claim.masked = claim.status == Claim.Status.HIDDEN and not (can_moderate or own)
    outline = claim_selectors.outline(debate, focus, shown=shown)
    context = {
        "debate": debate,
        "theses": theses,
        "focus": focus,
        "ancestors": ancestors,
        "thesis": ancestors[0] if ancestors else focus,
        "columns": columns,
        "order": order,
        "perspective": perspective,
        "perspectives": perspectives_of(debate=debate, user=request.user),
        "outline": outline,
        "number": claim_selectors.number_of(outline, focus),
        "can_flag": request.user.has_perm("deliberation.flag", focus),
        "can_moderate": can_moderate,
        "can_edit": request.user.has_perm("deliberation.change_claim", focus),
        "can_vote": request.user.has_perm("deliberation.vote_claim", focus),
        "impact_choices": Impact.SCALE,
        "form": form,
        "add_refused": add_refused,
        "addable": () if add_refused else allowed,
        "near_duplicates": near_duplicates,
    }
    context.update(annotation_views.claim_discussion_context(request, debate, focus))
    return render(request, "deliberation/debate_detail.html", context, status=status)


def _int(value) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0


@require_POST
@login_required
@throttled("claims")
@idempotent_form
def claim_add(request, slug, pk):
    debate = debate_for(request.user, slug)
    parent, theses, ancestors = claim_in_tree_for(request.user, debate, pk)
    form = ClaimAddForm(request.POST)
    status = 400
    if form.is_valid():
        data = dict(form.cleaned_data)
        # Refused (the phase, the side, a suspension, a lock...): the form
        # comes back with what was typed and the rule's reason, not a 403 page.
        reason = refusal(
            request.user, "deliberation.add_claim_under", parent, stance=data["stance"]
        )
        if reason:
            form.add_error(None, reason)
            return _render_map(
                request,
                debate,
                parent,
                theses=theses,
                ancestors=ancestors,
                form=form,
                status=403,
            )
        near = []
        if not data.pop("similar_seen"):
            near = [
                (claim, score)
                for claim, score in near_duplicates_of(debate=debate, text=data["text"])
                if claim.pk != parent.pk
            ]
        if near:
            # Asked once: the form comes back with the claims like it, and
            # its next submit posts whatever they say.
            again = request.POST.copy()
            again["similar_seen"] = "True"
            form = ClaimAddForm(again)
            return _render_map(
                request,
                debate,
                parent,
                theses=theses,
                ancestors=ancestors,
                form=form,
                near_duplicates=near,
            )
        try:
            claim = services.claim_contribute(user=request.user, parent=parent, **data)
        except ValidationError as exc:
            add_errors(form, exc)
        except PermissionDenied as exc:  # the rules changed since the check above
            form.add_error(None, str(exc))
            status = 403
        else:
            if claim.status == Claim.Status.PENDING:
                messages.info(
                    request, "Thanks: your claim waits for a moderator's approval."
                )
            else:
                messages.success(request, "Your claim was added.")
            return redirect(claim_url(parent) + f"#claim-{claim.pk}")
    return _render_map(
        request,
        debate,
        parent,
        theses=theses,
        ancestors=ancestors,
        form=form,
        status=status,
    )


@login_required
@throttled("edits")
def claim_edit(request, slug, pk):
    debate = debate_for(request.user, slug)
    claim = claim_for(request.user, pk, debate=debate, purpose=PAGE)
    if not request.user.has_perm("deliberation.change_claim", claim) or claim.is_link:
        raise PermissionDenied("You may only edit your own claims.")
    initial = {"text": claim.text, "explanation": claim.explanation}
    form = ClaimEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.claim_edit(user=request.user, claim=claim, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
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
    debate = debate_for(request.user, slug)
    claim = claim_for(request.user, pk, debate=debate, purpose=PAGE)
    revisions = list(claim_selectors.revisions_of(claim).order_by("-number"))
    return render(
        request,
        "deliberation/claim_history.html",
        {
            "debate": debate,
            "claim": claim,
            "revisions": revisions,
            "latest": revisions[0].number if revisions else None,
            "can_moderate": may_moderate(request.user, debate),
        },
    )


@require_POST
@login_required
def claim_revision_redact(request, slug, pk, number):
    """A moderator redacts a revision from the claim's history page."""
    debate = debate_for(request.user, slug)
    claim = claim_for(request.user, pk, debate=debate, purpose=PAGE)
    revision = get_object_or_404(claim.revisions, number=number)
    try:
        services.revision_redact(
            user=request.user, revision=revision, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Revision {number} was redacted.")
    return redirect("claim_history", slug=debate.slug, pk=claim.pk)


def source_list(request, slug):
    debate = debate_for(request.user, slug)
    return render(
        request,
        "deliberation/source_list.html",
        {
            "debate": debate,
            "sources": claim_selectors.sources_of(
                debate, claims=claims_shown_to(request.user, debate, numbered=False)
            ),
        },
    )


def source_detail(request, slug, key):
    debate = debate_for(request.user, slug)
    source = get_object_or_404(Source, debate=debate, key=key)
    return render(
        request,
        "deliberation/source_detail.html",
        annotation_views.source_page_context(request, debate, source),
    )


def debate_search(request, slug):
    debate = debate_for(request.user, slug)
    shown = claims_shown_to(request.user, debate, numbered=False)
    return _search(request, Debate.objects.filter(pk=debate.pk), shown, debate=debate)


def search(request):
    public = Debate.objects.filter(visibility=Debate.Visibility.PUBLIC)
    return _search(request, public, public_claims(public), debate=None)


def _search(request, debates, shown, *, debate):
    query = request.GET.get("q", "").strip()[:200]
    claims = claim_selectors.search_claims(shown, query) if query else []
    sources = claim_selectors.search_sources(debates, query) if query else []
    return render(
        request,
        "deliberation/search.html",
        {"debate": debate, "query": query, "claims": claims, "sources": sources},
    )
