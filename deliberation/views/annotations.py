"""Pages for annotations (highlights on sources and claims, evidence) and
comment threads. Server-rendered and complete without JavaScript: a passage
is annotated by typing its words into a form (static/js/annotate.js fills the
form from a text selection), replies open through a link (?reply=<id>).

Every query here is a fixed number per page, whatever the number of
annotations or comments (the debate page's query count is tested)."""

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from claims import selectors as claim_selectors
from claims.models import Annotation, Claim, Source
from config.throttling import throttled
from deliberation import services
from deliberation.forms import AnnotationEditForm, AnnotationForm, CommentForm
from deliberation.models import Comment, Debate
from deliberation.rules import may_moderate, refusal
from deliberation.selectors import (
    annotations_shown_to,
    claims_shown_to,
    comments_shown_to,
    thread_of,
)
from deliberation.selectors.annotations import (
    annotation_for,
    claim_choices,
    claim_picked,
    comment_for,
)
from deliberation.selectors.debates import PAGE, claim_for, debate_for
from deliberation.views.common import add_errors, annotation_url, comment_url
from deliberation.views.idempotency import idempotent_form


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- Where an annotation lives ------------------------------------------------------


def highlight_url(annotation: Annotation, debate: Debate) -> str:
    """The highlighted spot: on the source page, or on the claim's page."""
    if annotation.source_id:
        page = reverse(
            "source_detail", kwargs={"slug": debate.slug, "key": annotation.source.key}
        )
        return f"{page}#hl-{annotation.pk}"
    page = reverse(
        "claim_detail", kwargs={"slug": debate.slug, "pk": annotation.claim_id}
    )
    return f"{page}#annotation-{annotation.pk}"


# --- The source page ----------------------------------------------------------------


@dataclass
class Segment:
    """A stretch of the source text and what to draw around it."""

    text: str
    anchors: list[str] = field(default_factory=list)  # ids of spans starting here
    classes: str = ""  # highlight classes; empty when nothing covers it
    ids: str = ""  # the annotations covering it, for the side panel's links
    citations: list = field(default_factory=list)  # citations ending here
    annotations: list = field(default_factory=list)  # annotations ending here


def _segments(pieces) -> list[Segment]:
    segments = []
    for piece in pieces:
        classes = set()
        for item in piece.covering:
            if isinstance(item, Annotation):
                classes.add(f"hl-{item.relation}" if item.relation else "hl-note")
            else:
                classes.add("cited")
        segments.append(
            Segment(
                text=piece.text,
                anchors=[
                    f"hl-{i.pk}" if isinstance(i, Annotation) else f"cite-{i.pk}"
                    for i in piece.starting
                ],
                classes=" ".join(sorted(classes)),
                ids=" ".join(
                    str(i.pk) for i in piece.covering if isinstance(i, Annotation)
                ),
                citations=[i for i in piece.ending if not isinstance(i, Annotation)],
                annotations=[i for i in piece.ending if isinstance(i, Annotation)],
            )
        )
    return segments


SIDES = {"supports": "supporting", "opposes": "opposing"}


def source_page_context(request, debate: Debate, source: Source, *, form=None) -> dict:
    """The source page: the text with its highlights, the side panel of
    annotations, the annotate form and its claim picker. ``?claim=<id>``
    picks the claim evidence is added for ("Add evidence" on a claim page);
    with ``&side=supports`` or ``opposes`` the page shows only the passages
    that support or oppose it (evidence annotations and, supporting, the
    claim's own citations)."""
    user = request.user
    typed = form is not None  # a refused or wrong form: shown with its input
    annotations = list(
        annotations_shown_to(user, debate)
        .filter(source=source)
        .select_related("creator", "evidence_claim")
        .annotate(comment_count=Count("comments"))
        .order_by("start", "pk")
    )
    focus = _focus(request, debate)
    side = request.GET.get("side", "") if focus else ""
    side = side if side in SIDES else ""
    shown = _on_side(annotations, focus, side)
    pieces, citations = claim_selectors.source_with_highlights(
        source,
        shown,
        claims=claims_shown_to(user, debate, numbered=False),
        cited_by=focus if side == "supports" else None,
        no_citations=side == "opposes",
    )
    anchored = [a for a in shown if a.is_anchored_in(source.text)]
    choices = claim_choices(user, debate, focus)
    if form is None:
        initial = {}
        if focus is not None:
            initial = {"evidence_claim": f"{focus.map_number} — {focus.text}"}
        form = AnnotationForm(initial=initial)
    # The claims a reader may filter the passages by (those linked here), and
    # the map numbers citation markers show (the numbers people see): one query.
    linked = {a.evidence_claim_id for a in annotations if a.evidence_claim_id}
    if focus is not None:
        linked.add(focus.pk)
    cited = {c.claim_id for c in citations}
    numbered = claims_shown_to(user, debate).filter(pk__in=linked | cited)
    numbers = {c.pk: (c.number(c.thesis_rank), c) for c in numbered.order_by("path")}
    for citation in citations:
        citation.map_number = numbers.get(citation.claim_id, ("", None))[0]
    filter_claims = [
        (pk, f"{number} — {claim.text}")
        for pk, (number, claim) in numbers.items()
        if pk in linked
    ]
    return {
        "debate": debate,
        "source": source,
        "segments": _segments(pieces),
        "citations": [c for c in citations if c.is_anchored_in(source.text)],
        "unanchored_citations": [
            c for c in citations if not c.is_anchored_in(source.text)
        ],
        "annotations": anchored,
        "unanchored": [a for a in shown if a not in anchored],
        "annotate_form": form,
        "annotate_url": reverse(
            "source_annotate", kwargs={"slug": debate.slug, "key": source.key}
        ),
        "claim_choices": choices,
        "focus": focus,
        "side": side,
        "side_label": SIDES.get(side, ""),
        "sides": SIDES,
        "filter_claims": filter_claims,
        **_annotate_context(user, debate),
        **({"can_annotate": True} if typed else {}),
    }


def _focus(request, debate: Debate) -> Claim | None:
    """The claim named by ``?claim=<id>``, if the reader may see it, with its
    map number; None otherwise (an unknown id is simply no focus)."""
    pk = _int(request.GET.get("claim"))
    if pk is None:
        return None
    claim = claims_shown_to(request.user, debate).filter(pk=pk, link_to=None).first()
    if claim is not None:
        claim.map_number = claim.number(claim.thesis_rank)
    return claim


def _on_side(annotations, focus, side: str) -> list:
    if not side:
        return annotations
    return [
        a for a in annotations if a.evidence_claim_id == focus.pk and a.relation == side
    ]


def _annotate_context(user, debate: Debate) -> dict:
    """The annotate form or, from the rules, why not."""
    reason = refusal(user, "deliberation.annotate", debate)
    return {"can_annotate": reason is None, "annotate_refusal": reason or ""}


# --- The claim page (evidence, notes on its text, its discussion) -------------------


def claim_discussion_context(request, debate: Debate, focus: Claim) -> dict:
    """What includes/evidence.html and includes/comments.html need for the
    focused claim: two queries (annotations, comments)."""
    user = request.user
    annotations = list(
        annotations_shown_to(user, debate)
        .filter(Q(evidence_claim=focus) | Q(claim=focus))
        .select_related("source", "creator")
        .annotate(comment_count=Count("comments"))
        .order_by("start", "pk")
    )
    for annotation in annotations:
        annotation.highlight_url = highlight_url(annotation, debate)
    comments = list(_comments().filter(claim=focus))
    evidence = [a for a in annotations if a.evidence_claim_id == focus.pk]
    return {
        "evidence": evidence,
        "balance": _balance(evidence),
        "evidence_sources": list(
            Source.objects.filter(debate=debate)
            .only("key", "title")
            .annotate(cited=Count("citations", filter=Q(citations__claim=focus)))
            .order_by("-cited", "title")
        ),
        "claim_notes": [a for a in annotations if a.claim_id == focus.pk],
        "annotate_form": AnnotationForm(),
        "annotate_url": reverse(
            "claim_annotate", kwargs={"slug": debate.slug, "pk": focus.pk}
        ),
        **_annotate_context(user, debate),
        **_thread_context(
            request,
            debate,
            comments,
            action=reverse(
                "claim_comment_add", kwargs={"slug": debate.slug, "pk": focus.pk}
            ),
            claim=focus,
        ),
    }


@dataclass
class Balance:
    """A claim's evidence weighed: passages for and against, and from how
    many sources (a passage of a claim's wording counts no source)."""

    supports: int
    opposes: int
    supporting_sources: int
    opposing_sources: int

    @property
    def total(self) -> int:
        return self.supports + self.opposes

    @property
    def supports_percent(self) -> int:
        return round(100 * self.supports / self.total) if self.total else 0

    @property
    def opposes_percent(self) -> int:
        return 100 - self.supports_percent if self.total else 0


def _balance(evidence) -> Balance:
    def side(relation):
        passages = [a for a in evidence if a.relation == relation]
        return len(passages), len({a.source_id for a in passages if a.source_id})

    (supports, supporting), (opposes, opposing) = side("supports"), side("opposes")
    return Balance(supports, opposes, supporting, opposing)


def _comments():
    return (
        Comment.objects.select_related("author")
        .annotate(revision_count=Count("revisions"))
        .order_by("pk")
    )


def _thread_context(
    request, debate: Debate, comments, *, action: str, claim=None
) -> dict:
    user = request.user
    can_moderate = may_moderate(user, debate)
    for comment in comments:
        comment.debate = debate  # the permission checks below need no query
        comment.can_change = (
            not comment.is_deleted
            and not comment.is_hidden
            and user.has_perm("deliberation.change_comment", comment)
        )
        # Hidden: readers see the public reason in its place, not the text.
        comment.masked = comment.is_hidden and not can_moderate
    # Why not, from the rules: the template shows this or the form.
    comment_refusal = (
        refusal(user, "deliberation.comment_on_claim", claim)
        if claim is not None
        else refusal(user, "deliberation.comment", debate)
    )
    return {
        "thread": thread_of(comments),
        "comment_count": len(comments),
        "comment_form": CommentForm(),
        "comment_action": action,
        "can_comment": comment_refusal is None,
        "comment_refusal": comment_refusal or "",
        "can_moderate": can_moderate,
        "reply_to": _int(request.GET.get("reply")),
        "max_depth": Comment.MAX_DEPTH,
    }


# --- Annotating -----------------------------------------------------------------------

# Fields of the services' ValidationErrors, as named in AnnotationForm.
_FORM_FIELDS = {
    "parent": "new_claim_parent",
    "stance": "new_claim_stance",
    "text": "new_claim_text",
    "claim": None,
}


def _annotate(request, debate: Debate, *, source=None, claim=None):
    form = AnnotationForm(request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        common = {
            "user": request.user,
            "debate": debate,
            "source": source,
            "claim": claim,
            "quote": data["quote"],
            "start": data["start"],
            "body": data["body"],
            "tags": data["tags"],
            "visibility": data["visibility"],
        }
        try:
            if data["relation"] and data["new_claim_text"].strip():
                parent = claim_picked(
                    request.user, debate, data["new_claim_parent"], "new_claim_parent"
                )
                annotation = services.evidence_contribute(
                    **common,
                    parent=parent,
                    stance=data["new_claim_stance"],
                    text=data["new_claim_text"],
                    relation=data["relation"],
                )
            else:
                evidence = None
                if data["relation"]:
                    evidence = claim_picked(
                        request.user, debate, data["evidence_claim"], "evidence_claim"
                    )
                annotation = services.annotation_add(
                    **common, evidence_claim=evidence, relation=data["relation"]
                )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        except PermissionDenied as exc:  # the rule's reason; what was typed stays
            form.add_error(None, str(exc))
            status = 403
        else:
            messages.success(request, "Your annotation was added.")
            return redirect(highlight_url(annotation, debate))
    if source is not None:
        # The source page itself, its highlights and the selection kept in
        # the form, the error beside its field.
        context = source_page_context(request, debate, source, form=form)
        page = "deliberation/source_detail.html"
        return render(request, page, context, status=status)
    return _annotate_page(
        request, debate, form, source=source, claim=claim, status=status
    )


def _add_service_errors(form, exc: ValidationError) -> None:
    renamed = ValidationError(
        {
            _FORM_FIELDS.get(name, name) or "__all__": errors
            for name, errors in exc.message_dict.items()
        }
        if hasattr(exc, "error_dict")
        else {"__all__": exc.messages}
    )
    add_errors(form, renamed)


@login_required
@throttled("annotations")
@idempotent_form
def source_annotate(request, slug, key):
    debate = debate_for(request.user, slug)
    source = get_object_or_404(Source, debate=debate, key=key)
    if request.method != "POST":
        form = _blank_annotate_form(request, debate)
        return _annotate_page(request, debate, form, source=source)
    return _annotate(request, debate, source=source)


@login_required
@throttled("annotations")
@idempotent_form
def claim_annotate(request, slug, pk):
    debate = debate_for(request.user, slug)
    claim = claim_for(request.user, pk, debate=debate, purpose=PAGE)
    if claim.is_link:
        claim = claim_for(request.user, claim.link_to_id, debate=debate, purpose=PAGE)
    if request.method != "POST":
        form = _blank_annotate_form(request, debate)
        return _annotate_page(request, debate, form, claim=claim)
    return _annotate(request, debate, claim=claim)


def _annotate_page(request, debate, form, *, source=None, claim=None, status=200):
    """The text and the annotate form on a page of their own (for a form with
    errors, or to annotate from a link)."""
    return render(
        request,
        "deliberation/annotate.html",
        {
            "debate": debate,
            "source": source,
            "claim": claim,
            "text": (source or claim).text,
            "annotate_form": form,
            "annotate_url": request.path,
            "can_annotate": True,
        },
        status=status,
    )


def _blank_annotate_form(request, debate) -> AnnotationForm:
    reason = refusal(request.user, "deliberation.annotate", debate)
    if reason:
        raise PermissionDenied(reason)
    return AnnotationForm(initial={"quote": request.GET.get("quote", "")})


# --- An annotation's thread -------------------------------------------------------


def annotation_detail(request, slug, pk):
    debate = debate_for(request.user, slug)
    annotation = annotation_for(request.user, pk, debate=debate)
    text = (annotation.source or annotation.claim).text
    comments = list(_comments().filter(annotation=annotation))
    context = {
        "debate": debate,
        "annotation": annotation,
        "anchored": annotation.is_anchored_in(text),
        "highlight_url": highlight_url(annotation, debate),
        "can_change": request.user.has_perm(
            "deliberation.change_annotation", annotation
        ),
        **_thread_context(
            request,
            debate,
            comments,
            action=reverse(
                "annotation_comment_add", kwargs={"slug": slug, "pk": annotation.pk}
            ),
        ),
    }
    return render(request, "deliberation/annotation_detail.html", context)


@login_required
@throttled("edits")
def annotation_edit(request, slug, pk):
    debate = debate_for(request.user, slug)
    annotation = annotation_for(request.user, pk, debate=debate)
    why = refusal(request.user, "deliberation.change_annotation", annotation)
    if why:
        raise PermissionDenied(why)
    initial = {
        "body": annotation.body,
        "tags": ", ".join(annotation.tags),
        "visibility": annotation.visibility,
    }
    form = AnnotationEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.annotation_edit(
                user=request.user, annotation=annotation, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "The annotation was changed.")
            return redirect(annotation_url(annotation, debate))
    return render(
        request,
        "deliberation/annotation_edit.html",
        {"debate": debate, "annotation": annotation, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@login_required
@throttled("edits")
def annotation_delete(request, slug, pk):
    debate = debate_for(request.user, slug)
    annotation = annotation_for(request.user, pk, debate=debate)
    services.annotation_remove(user=request.user, annotation=annotation)
    messages.success(request, "The annotation was deleted.")
    if annotation.source_id:
        return redirect(
            reverse(
                "source_detail",
                kwargs={"slug": slug, "key": annotation.source.key},
            )
        )
    return redirect(
        reverse("claim_detail", kwargs={"slug": slug, "pk": annotation.claim_id})
    )


# --- Comments -------------------------------------------------------------------------


def _comment_post(request, debate: Debate, *, claim=None, annotation=None, back: str):
    form = CommentForm(request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        parent = None
        if data["parent"]:
            parent = (
                comments_shown_to(request.user, debate)
                .filter(pk=data["parent"])
                .first()
            )
            if parent is None:
                raise Http404("No such comment.")
        try:
            comment = services.comment_add(
                user=request.user,
                claim=claim,
                annotation=annotation,
                parent=parent,
                body=data["body"],
                alignment=data["alignment"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except PermissionDenied as exc:
            # Refused (a locked thread, the phase, a suspension...): the text
            # comes back with the rule's reason, not a 403 page.
            form.add_error(None, str(exc))
            status = 403
        else:
            messages.success(request, "Your comment was added.")
            return redirect(f"{back}#comment-{comment.pk}")
    return render(
        request,
        "deliberation/comment_form.html",
        {"debate": debate, "form": form, "action": request.path, "back": back},
        status=status,
    )


@require_POST
@login_required
@throttled("comments")
@idempotent_form
def claim_comment_add(request, slug, pk):
    debate = debate_for(request.user, slug)
    claim = claim_for(request.user, pk, debate=debate, purpose=PAGE)
    claim.debate = debate
    back = reverse("claim_detail", kwargs={"slug": slug, "pk": claim.pk})
    return _comment_post(request, debate, claim=claim, back=back)


@require_POST
@login_required
@throttled("comments")
@idempotent_form
def annotation_comment_add(request, slug, pk):
    debate = debate_for(request.user, slug)
    annotation = annotation_for(request.user, pk, debate=debate)
    return _comment_post(
        request, debate, annotation=annotation, back=annotation_url(annotation, debate)
    )


@login_required
@throttled("edits")
def comment_edit(request, slug, pk):
    debate = debate_for(request.user, slug)
    comment = comment_for(request.user, pk, debate=debate)
    if comment.is_deleted:
        raise PermissionDenied("This comment was deleted.")
    why = refusal(request.user, "deliberation.change_comment", comment)
    if why:
        raise PermissionDenied(why)
    initial = {"body": comment.body, "alignment": comment.alignment}
    form = CommentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_edit(
                user=request.user,
                comment=comment,
                body=form.cleaned_data["body"],
                alignment=form.cleaned_data["alignment"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Your comment was changed; its history is kept.")
            return redirect(comment_url(comment, debate))
    return render(
        request,
        "deliberation/comment_form.html",
        {
            "debate": debate,
            "form": form,
            "action": request.path,
            "back": comment_url(comment, debate),
            "editing": True,
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@login_required
@throttled("edits")
def comment_delete(request, slug, pk):
    debate = debate_for(request.user, slug)
    comment = comment_for(request.user, pk, debate=debate)
    services.comment_remove(user=request.user, comment=comment)
    messages.success(request, "The comment was deleted; its replies stay.")
    return redirect(comment_url(comment, debate))


def comment_history(request, slug, pk):
    debate = debate_for(request.user, slug)
    comment = comment_for(request.user, pk, debate=debate)
    if (comment.is_deleted or comment.is_hidden) and not may_moderate(
        request.user, debate
    ):
        raise Http404("No such comment.")
    revisions = comment.revisions.select_related("author").order_by("-number")
    return render(
        request,
        "deliberation/comment_history.html",
        {
            "debate": debate,
            "comment": comment,
            "revisions": revisions,
            "back": comment_url(comment, debate),
        },
    )
