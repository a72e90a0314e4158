"""Annotations (highlights, comments on a passage, tags, evidence) and comment
threads as acts of a person: check the rules, call the content services,
publish live events after commit, and only for what every reader may see."""

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from claims import services as claim_services
from claims.markdown import render_markdown
from claims.models import Annotation, Claim, Source
from deliberation.events import publish_on_commit
from deliberation.models import Comment, CommentRevision, Debate, Notification
from deliberation.selectors import (
    annotation_is_public,
    claims_are_public,
    claims_shown_to,
    public_name,
)
from deliberation.services.common import check_perm, membership_ensure
from deliberation.services.debates import claim_contribute
from deliberation.services.notifications import notify

COMMENT_BODY_MAX = 5_000


def _check_claim_visible(user, debate: Debate, claim: Claim | None, field: str):
    # An id the person may not see is as unknown as an id that does not exist.
    if claim is None:
        return
    shown = claims_shown_to(user or AnonymousUser(), debate)
    if not shown.filter(pk=claim.pk).exists():
        raise ValidationError({field: "No such claim in this debate."})


def _annotation_payload(annotation: Annotation) -> dict:
    return {
        "annotation_id": annotation.pk,
        "source_id": annotation.source_id,
        "claim_id": annotation.claim_id,
        "motivation": str(annotation.motivation),
        "evidence_claim_id": annotation.evidence_claim_id,
        "relation": str(annotation.relation),
        "quote": annotation.exact,
        "start": annotation.start,
        "end": annotation.end,
        "body_html": render_markdown(annotation.body),
        "tags": list(annotation.tags),
        "author": public_name(annotation.debate, annotation.creator),
    }


@transaction.atomic
def annotation_add(
    *,
    user,
    debate: Debate,
    source: Source | None = None,
    claim: Claim | None = None,
    quote: str,
    start: int | None = None,
    prefix: str = "",
    suffix: str = "",
    body: str = "",
    tags=(),
    motivation: str = "",
    evidence_claim: Claim | None = None,
    relation: str = "",
    visibility: str = Annotation.Visibility.EVERYONE,
) -> Annotation:
    """A person annotates a passage of a source or of a claim they can see,
    joining the debate if needed. Published live only when everyone in the
    debate may see it."""
    check_perm(user, "deliberation.annotate", debate)
    _check_claim_visible(user, debate, claim, "claim")
    _check_claim_visible(user, debate, evidence_claim, "evidence_claim")
    membership_ensure(debate=debate, user=user)
    annotation = claim_services.annotation_create(
        debate=debate,
        source=source,
        claim=claim,
        quote=quote,
        start=start,
        prefix=prefix,
        suffix=suffix,
        creator=user,
        body=body,
        tags=tags,
        motivation=motivation,
        evidence_claim=evidence_claim,
        relation=relation,
        visibility=visibility,
    )
    if annotation_is_public(annotation):
        publish_on_commit(
            debate_id=debate.pk,
            event="annotation.added",
            payload=_annotation_payload(annotation),
        )
    return annotation


@transaction.atomic
def evidence_contribute(
    *,
    user,
    debate: Debate,
    source: Source | None = None,
    claim: Claim | None = None,
    quote: str,
    start: int | None = None,
    parent: Claim,
    stance: str,
    text: str,
    body: str = "",
    tags=(),
    relation: str = Annotation.Relation.SUPPORTS,
    visibility: str = Annotation.Visibility.EVERYONE,
) -> Annotation:
    """In one step, a new pro or con under ``parent`` made from a passage, and
    the passage linked as evidence for it (``relation``, usually supports).
    All or nothing."""
    new_claim = claim_contribute(user=user, parent=parent, stance=stance, text=text)
    return annotation_add(
        user=user,
        debate=debate,
        source=source,
        claim=claim,
        quote=quote,
        start=start,
        body=body,
        tags=tags,
        evidence_claim=new_claim,
        relation=relation,
        visibility=visibility,
    )


@transaction.atomic
def annotation_edit(*, user, annotation: Annotation, **changes) -> Annotation:
    """Its creator or a moderator changes the body, tags, evidence link or
    visibility (``changes``: only the fields to change)."""
    check_perm(
        user,
        "deliberation.change_annotation",
        annotation,
        "Only its author or a moderator may change this annotation.",
    )
    if changes.get("evidence_claim") is not None:
        _check_claim_visible(
            user, annotation.debate, changes["evidence_claim"], "evidence_claim"
        )
    return claim_services.annotation_update(annotation=annotation, **changes)


@transaction.atomic
def annotation_remove(*, user, annotation: Annotation) -> Annotation:
    """Its creator or a moderator deletes it (softly: see annotation_delete)."""
    check_perm(
        user,
        "deliberation.change_annotation",
        annotation,
        "Only its author or a moderator may delete this annotation.",
    )
    return claim_services.annotation_delete(annotation=annotation)


# --- Comments --------------------------------------------------------------------


def _clean_comment(body: str, alignment: str) -> str:
    body = body.strip()
    errors = {}
    if not body:
        errors["body"] = "Write something."
    elif len(body) > COMMENT_BODY_MAX:
        errors["body"] = f"At most {COMMENT_BODY_MAX} characters (it has {len(body)})."
    if alignment not in Comment.Alignment.values:
        errors["alignment"] = "Choose for, neutral or against."
    if errors:
        raise ValidationError(errors)
    return body


def _comment_is_public(comment: Comment) -> bool:
    if comment.annotation_id:
        return annotation_is_public(comment.annotation)
    return claims_are_public(comment.debate, [comment.claim_id])


@transaction.atomic
def comment_add(
    *,
    user,
    claim: Claim | None = None,
    annotation: Annotation | None = None,
    parent: Comment | None = None,
    body: str,
    alignment: str = Comment.Alignment.NEUTRAL,
) -> Comment:
    """A person comments on a claim or an annotation, or replies to a comment
    (``parent``, on the same claim or annotation, at most Comment.MAX_DEPTH
    deep). The caller has checked that the person can see the target."""
    if (claim is None) == (annotation is None):
        raise ValidationError("Comment on exactly one claim or one annotation.")
    debate = (claim or annotation).debate
    if claim is not None:
        check_perm(user, "deliberation.comment_on_claim", claim)
    else:
        check_perm(user, "deliberation.comment", debate)
    body = _clean_comment(body, alignment)
    if annotation is not None and annotation.is_deleted:
        raise ValidationError("This annotation was deleted.")
    if parent is not None and (parent.is_deleted or parent.is_hidden):
        raise ValidationError({"parent": "This comment cannot be answered."})
    depth = 1
    if parent is not None:
        same_target = (parent.claim_id, parent.annotation_id) == (
            getattr(claim, "pk", None),
            getattr(annotation, "pk", None),
        )
        if not same_target:
            raise ValidationError({"parent": "Reply within the same thread."})
        if parent.depth >= Comment.MAX_DEPTH:
            raise ValidationError(
                {"parent": f"Replies nest at most {Comment.MAX_DEPTH} deep."}
            )
        depth = parent.depth + 1
    membership_ensure(debate=debate, user=user)
    comment = Comment.objects.create(
        debate=debate,
        claim=claim,
        annotation=annotation,
        parent=parent,
        depth=depth,
        author=user,
        alignment=alignment,
        body=body,
    )
    CommentRevision.objects.create(
        comment=comment, number=1, body=body, alignment=alignment, author=user
    )
    _notify_reply(comment, user=user)
    if _comment_is_public(comment):
        publish_on_commit(
            debate_id=debate.pk,
            event="comment.added",
            payload={
                "comment_id": comment.pk,
                "claim_id": comment.claim_id,
                "annotation_id": comment.annotation_id,
                "parent_id": comment.parent_id,
                "alignment": str(comment.alignment),
                "body_html": render_markdown(comment.body),
                "author": public_name(debate, user),
            },
        )
    return comment


def _notify_reply(comment: Comment, *, user) -> None:
    """Tell the author of what was answered (never the commenter's name)."""
    target = comment.parent or comment.claim or comment.annotation
    author = target.creator if isinstance(target, Annotation) else target.author
    if author is None or author.pk == user.pk:
        return
    what = {Comment: "comment", Claim: "claim", Annotation: "annotation"}[type(target)]
    if comment.claim_id:
        url = reverse(
            "claim_detail",
            kwargs={"slug": comment.debate.slug, "pk": comment.claim_id},
        )
    else:
        url = reverse(
            "annotation_detail",
            kwargs={"slug": comment.debate.slug, "pk": comment.annotation_id},
        )
    notify(
        users=[author],
        kind=Notification.Kind.REPLY,
        text=f"New reply to your {what}.",
        url=f"{url}#comment-{comment.pk}",
        debate=comment.debate,
    )


@transaction.atomic
def comment_edit(
    *, user, comment: Comment, body: str, alignment: str | None = None
) -> Comment:
    """Its author or a moderator rewrites a comment; each version is kept."""
    check_perm(
        user,
        "deliberation.change_comment",
        comment,
        "Only its author or a moderator may edit this comment.",
    )
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if comment.is_deleted:
        raise ValidationError("This comment was deleted.")
    alignment = comment.alignment if alignment is None else alignment
    body = _clean_comment(body, alignment)
    if (body, alignment) == (comment.body, comment.alignment):
        return comment
    last = comment.revisions.order_by("-number").values_list("number", flat=True)[0]
    CommentRevision.objects.create(
        comment=comment, number=last + 1, body=body, alignment=alignment, author=user
    )
    comment.body, comment.alignment = body, alignment
    comment.save(update_fields=["body", "alignment", "updated"])
    return comment


@transaction.atomic
def comment_remove(*, user, comment: Comment) -> Comment:
    """Its author or a moderator deletes a comment: the thread shows
    "[deleted]" in its place, its replies stay, its text is kept for audits."""
    check_perm(
        user,
        "deliberation.change_comment",
        comment,
        "Only its author or a moderator may delete this comment.",
    )
    if comment.deleted_at is None:
        comment.deleted_at = timezone.now()
        comment.save(update_fields=["deleted_at", "updated"])
    return comment
