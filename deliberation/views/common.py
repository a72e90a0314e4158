"""What several page modules share: addresses of things, and form errors from
a service's ValidationError."""

from django.core.exceptions import ValidationError
from django.urls import reverse

from claims.models import Annotation, Claim
from deliberation.models import Comment, Debate


def claim_url(claim: Claim) -> str:
    return reverse("claim_detail", kwargs={"slug": claim.debate.slug, "pk": claim.pk})


def annotation_url(annotation: Annotation, debate: Debate) -> str:
    """Its thread: the annotation, its passage in context, its comments."""
    return reverse(
        "annotation_detail", kwargs={"slug": debate.slug, "pk": annotation.pk}
    )


def comment_url(comment: Comment, debate: Debate) -> str:
    if comment.claim_id:
        page = reverse(
            "claim_detail", kwargs={"slug": debate.slug, "pk": comment.claim_id}
        )
    else:
        page = reverse(
            "annotation_detail",
            kwargs={"slug": debate.slug, "pk": comment.annotation_id},
        )
    return f"{page}#comment-{comment.pk}"


def add_errors(form, exc: ValidationError):
    if not hasattr(exc, "error_dict"):  # a reason that names no field
        form.add_error(None, exc.messages)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)
