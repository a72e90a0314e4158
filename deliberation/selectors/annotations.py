"""Reads for annotations and comments as a person may see them."""

import re
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db.models import (
    Exists,
    OuterRef,
    Q,
    QuerySet,
)
from django.http import Http404

from claims import selectors as claim_selectors
from claims.models import Annotation, Citation
from deliberation.models import (
    Comment,
    Debate,
)
from deliberation.rules import may_moderate
from deliberation.selectors.debates import claims_shown_to, shown_to

# --- Annotations and comments ---------------------------------------------------------


def annotations_shown_to(user, debate: Debate) -> QuerySet:
    """The live annotations of ``debate`` that ``user`` may see: those for
    everyone (unless a moderator hid them), their own, and moderators-only and
    hidden ones to moderators; never one on
    or linked to a claim they may not see (a hidden claim hides its evidence).
    One query, whatever the number of annotations."""
    visibility = Q(visibility=Annotation.Visibility.EVERYONE, hidden_at__isnull=True)
    annotations = Annotation.objects.filter(debate=debate, deleted_at__isnull=True)
    if user.is_authenticated:
        visibility |= Q(creator=user)
        if may_moderate(user, debate):
            # Hidden ones too, but never someone else's "only me" notes.
            return annotations.filter(
                Q(creator=user)
                | Q(
                    visibility__in=[
                        Annotation.Visibility.EVERYONE,
                        Annotation.Visibility.MODERATORS,
                    ]
                )
            )
    return annotations.filter(visibility).filter(
        Q(claim__isnull=True) | shown_to(user, debate, "claim_id"),
        Q(evidence_claim__isnull=True) | shown_to(user, debate, "evidence_claim_id"),
    )


def citations_shown_to(user, debate: Debate) -> QuerySet:
    """The citations of ``debate`` whose claim ``user`` may see (the W3C
    container and export carry them next to the annotations)."""
    return Citation.objects.filter(claim__debate=debate).filter(
        shown_to(user or AnonymousUser(), debate, "claim_id")
    )


def annotation_is_public(annotation) -> bool:
    """True when everyone who may read the debate sees ``annotation`` (what
    live events may carry)."""
    if (
        annotation.visibility != Annotation.Visibility.EVERYONE
        or annotation.is_deleted
        or annotation.is_hidden
    ):
        return False
    claim_ids = {annotation.claim_id, annotation.evidence_claim_id} - {None}
    return claims_are_public(annotation.debate, claim_ids)


def claims_are_public(debate: Debate, claim_ids) -> bool:
    """True when every claim of ``claim_ids`` is shown to any reader."""
    claim_ids = set(claim_ids)
    if not claim_ids:
        return True
    shown = claims_shown_to(AnonymousUser(), debate).filter(pk__in=claim_ids)
    return shown.count() == len(claim_ids)


def comments_shown_to(user, debate: Debate) -> QuerySet:
    """Comments (deleted ones included: threads show "[deleted]") on the
    claims and annotations ``user`` may see."""
    annotations = annotations_shown_to(user, debate).filter(
        pk=OuterRef("annotation_id")
    )
    return Comment.objects.filter(debate=debate).filter(
        shown_to(user, debate, "claim_id") | Exists(annotations)
    )


@dataclass
class ThreadNode:
    comment: object
    replies: list["ThreadNode"] = field(default_factory=list)


def thread_of(comments) -> list[ThreadNode]:
    """Nest comments (of one target, oldest first) under their parents."""
    nodes = {c.pk: ThreadNode(c) for c in comments}
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.comment.parent_id)
        (parent.replies if parent else roots).append(node)
    return roots


# --- Lookups: one thing by its key, as a person may see it (Http404 otherwise) --


def annotation_for(user, pk, *, debate: Debate | None = None) -> Annotation:
    if debate is None:
        debate = Debate.objects.filter(annotations__pk=pk).first()
    if debate is None or not user.has_perm("deliberation.view_debate", debate):
        raise Http404("No such annotation.")
    annotation = (
        annotations_shown_to(user, debate)
        .filter(pk=pk)
        .select_related(
            "source",
            "claim",
            "evidence_claim",
            "creator",
            "source_revision",
            "claim_revision",
        )
        .first()
    )
    if annotation is None:
        raise Http404("No such annotation.")
    annotation.debate = debate
    return annotation


def comment_for(user, pk, *, debate: Debate | None = None) -> Comment:
    if debate is None:
        debate = Debate.objects.filter(comments__pk=pk).first()
    if debate is None or not user.has_perm("deliberation.view_debate", debate):
        raise Http404("No such comment.")
    comment = (
        comments_shown_to(user, debate).filter(pk=pk).select_related("author").first()
    )
    if comment is None:
        raise Http404("No such comment.")
    comment.debate = debate
    return comment


# --- Picking the claim a passage is evidence about ---------------------------------

# "1.2.3" alone, or "1.2.3 — words" as a choice of the picker's list writes it.
_NUMBERED_CHOICE = re.compile(r"^\s*(\d+(?:\.\d+)*)\s*(?:[—–-]\s.*)?$", re.DOTALL)
PICK_MATCHES_SHOWN = 5


@dataclass(frozen=True)
class ClaimChoice:
    """A claim as the picker offers it: its map number and its words."""

    number: str
    text: str
    depth: int

    @property
    def label(self) -> str:
        return f"{self.number} — {self.text}"


def claim_picked(user, debate: Debate, value: str, field_name: str):
    """The claim ``user`` means by ``value``: its map number ("1.2.3", the
    number the map and the outline show), "#id" (the API's ids, as before), or
    words from it. Raises ValidationError on ``field_name`` saying why not,
    listing the claims that match when several do (by their map numbers)."""
    value = value.strip()
    shown = claims_shown_to(user, debate)
    if value.startswith("#") and value[1:].strip().isdigit():
        claim = shown.filter(pk=int(value[1:]), link_to=None).first()
        if claim is None:
            raise ValidationError({field_name: f"No claim {value} in this debate."})
        return claim
    numbered = _NUMBERED_CHOICE.match(value)
    if numbered:
        number = numbered.group(1)
        claim = claim_selectors.claim_at_number(shown, debate, number)
        if claim is not None and claim.link_to_id:  # a link stands for its target
            claim = shown.filter(pk=claim.link_to_id).first()
        if claim is None:
            raise ValidationError(
                {field_name: f"No claim numbered {number} on this debate's map."}
            )
        return claim
    if not value:
        raise ValidationError({field_name: "Type a claim's number or its words."})
    matches = claim_selectors.search_claims(shown, value, limit=PICK_MATCHES_SHOWN + 1)
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise ValidationError({field_name: "No claim matches these words."})
    listing = "; ".join(
        f"{c.number(c.thesis_rank)} “{c.text[:60]}”"
        for c in matches[:PICK_MATCHES_SHOWN]
    )
    raise ValidationError(
        {field_name: f"Several claims match; enter the number of one: {listing}."}
    )


def claim_choices(user, debate: Debate, focus=None) -> list[ClaimChoice]:
    """The claims the picker lists: the map's outline around ``focus`` (the
    branch being read), else its top levels, as ``user`` may see them. One
    query (the outline's)."""
    shown = claims_shown_to(user, debate, numbered=False)
    choices = []
    stack = list(reversed(claim_selectors.outline(debate, focus, shown=shown)))
    while stack:
        node = stack.pop()
        choices.append(
            ClaimChoice(node.number, node.claim.display_text, node.claim.depth)
        )
        stack.extend(reversed(node.children))
    return choices
