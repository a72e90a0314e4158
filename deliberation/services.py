"""Acts of a person in a debate: check the rules, call the content services,
publish live events after commit."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import slugify

from claims import services as claim_services
from claims.formats.document import DebateDocument
from claims.models import Claim
from deliberation.events import publish_on_commit
from deliberation.models import Debate, Membership


def _check(user, perm: str, obj, message: str) -> None:
    if not user.has_perm(perm, obj):
        raise PermissionDenied(message)


def _unique_slug(text: str) -> str:
    base = slugify(text)[:80].strip("-") or "debate"
    slug, n = base, 2
    while Debate.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def debate_create(
    *,
    owner,
    question: str,
    slug: str = "",
    description: str = "",
    visibility: str = Debate.Visibility.PUBLIC,
    mode: str = Debate.Mode.OPEN,
    theses: list[str] = (),
) -> Debate:
    debate = Debate(
        owner=owner,
        question=question.strip(),
        slug=slug or _unique_slug(question),
        description=description.strip(),
        visibility=visibility,
        mode=mode,
    )
    debate.full_clean()
    debate.save()
    if owner is not None:
        Membership.objects.create(debate=debate, user=owner, role=Membership.Role.OWNER)
    for text in theses:
        claim_services.claim_create(debate=debate, parent=None, text=text, author=owner)
    return debate


@transaction.atomic
def debate_import(
    *, owner, document: DebateDocument, visibility: str = Debate.Visibility.PUBLIC
) -> Debate:
    """A new debate from a parsed document, all or nothing."""
    debate = debate_create(
        owner=owner,
        question=document.question,
        slug=_unique_slug(document.slug or document.question),
        description=document.description,
        visibility=visibility,
    )
    claim_services.document_import(debate=debate, document=document, author=owner)
    return debate


def _join(*, debate: Debate, user) -> Membership:
    membership, _ = Membership.objects.get_or_create(
        debate=debate, user=user, defaults={"role": Membership.Role.PARTICIPANT}
    )
    return membership


@transaction.atomic
def claim_contribute(
    *, user, parent: Claim, stance: str, text: str, explanation: str = ""
) -> Claim:
    """A person adds a pro or con under ``parent`` (joining the debate if needed).

    Suggesters' claims, and everyone's under pre-moderation, wait as pending."""
    debate = parent.debate
    _check(user, "deliberation.add_claim", debate, "You may not add claims here.")
    if parent.status != Claim.Status.VISIBLE:
        raise ValidationError({"parent": "Claims can only be added under visible claims."})
    membership = _join(debate=debate, user=user)
    waits = debate.premoderation or membership.role == Membership.Role.SUGGESTER
    claim = claim_services.claim_create(
        debate=debate,
        parent=parent,
        stance=stance,
        text=text,
        explanation=explanation,
        author=user,
        status=Claim.Status.PENDING if waits else Claim.Status.VISIBLE,
    )
    if claim.status == Claim.Status.VISIBLE:
        publish_on_commit(
            debate_id=debate.pk,
            event="claim.added",
            payload={"claim_id": claim.pk, "parent_id": parent.pk, "stance": stance},
        )
    return claim


@transaction.atomic
def claim_edit(
    *, user, claim: Claim, text: str, explanation: str = "", note: str = ""
) -> Claim:
    _check(user, "deliberation.change_claim", claim, "You may only edit your own claims.")
    claim = claim_services.claim_update(
        claim=claim, author=user, text=text, explanation=explanation, note=note
    )
    if claim.status == Claim.Status.VISIBLE:
        publish_on_commit(
            debate_id=claim.debate_id, event="claim.changed", payload={"claim_id": claim.pk}
        )
    return claim
