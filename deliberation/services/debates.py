"""Debates, claims, sources and citations as acts of a person: check the rules,
call the content services, publish live events after commit."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.text import slugify

from claims import services as claim_services
from claims.formats.document import DebateDocument
from claims.locks import SLUG_SPACE, transaction_lock
from claims.models import Citation, Claim, Source
from deliberation import outbox
from deliberation.events import access_changed_on_commit, publish_on_commit
from deliberation.models import Debate, Membership, Notification
from deliberation.selectors import public_name
from deliberation.services.common import (
    check_moderator,
    check_perm,
    membership_ensure,
    publish_claim_event,
)
from deliberation.services.membership import invitation_assign
from deliberation.services.notifications import excerpt, notify, notify_moderators

# Tasks are enqueued by name (deliberation/tasks.py imports the services);
# every process registers them at start (DeliberationConfig.ready).
REANCHOR_CLAIM_TASK = "deliberation.reanchor_claim"
REANCHOR_SOURCE_TASK = "deliberation.reanchor_source"


def _free_slug(
    text: str,
    *,
    queryset,
    field: str,
    fallback: str,
    length: int,
    lock_space: int | None = None,
) -> str:
    """A slug of ``text`` not yet used in ``field`` of ``queryset`` (-2, -3...)."""
    base = slugify(text)[:length].strip("-") or fallback
    if lock_space is not None:
        # Held to commit, so a second caller sees this slug taken (callers are
        # atomic): check-then-insert without it let two imports of one file
        # pick the same slug. One key for every slug: "a-2" may be another
        # text's base.
        transaction_lock(lock_space)
    taken = set(
        queryset.filter(**{f"{field}__startswith": base}).values_list(field, flat=True)
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def unique_slug(text: str) -> str:
    return _free_slug(
        text,
        queryset=Debate.objects.all(),
        field="slug",
        fallback="debate",
        length=80,
        lock_space=SLUG_SPACE,
    )


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
        slug=slug or unique_slug(question),
        description=description.strip(),
        visibility=visibility,
        mode=mode,
    )
    invitation_assign(debate)
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
    claim_services.document_validate(document)  # before writing anything
    debate = debate_create(
        owner=owner,
        question=document.question,
        slug=unique_slug(document.slug or document.question),
        description=document.description,
        visibility=visibility,
    )
    claim_services.document_import(debate=debate, document=document, author=owner)
    return debate


@transaction.atomic
def claim_contribute(
    *, user, parent: Claim, stance: str, text: str, explanation: str = ""
) -> Claim:
    """A person adds a pro or con under ``parent`` (joining the debate if needed).

    Suggesters' claims, and everyone's under pre-moderation, wait as pending."""
    debate = parent.debate
    if parent.status != Claim.Status.VISIBLE:  # bad input (400), as before
        raise ValidationError(
            {"parent": "Claims can only be added under visible claims."}
        )
    # One check, in the rules' order: who, the thread, the phase, the side
    # rule for this stance.
    check_perm(user, "deliberation.add_claim_under", parent, stance=stance)
    membership = membership_ensure(debate=debate, user=user)
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
        publish_claim_event(
            claim,
            "claim.added",
            {
                "claim_id": claim.pk,
                "parent_id": parent.pk,
                "stance": stance,
                "author": public_name(debate, user),
            },
        )
        if parent.author_id and parent.author_id != user.pk:
            notify(
                users=[parent.author],
                kind=Notification.Kind.REPLY,
                text=f"A new {claim.get_stance_display().lower()} answers your "
                f"claim “{excerpt(parent.display_text)}”.",
                url=reverse(
                    "claim_detail", kwargs={"slug": debate.slug, "pk": parent.pk}
                ),
                debate=debate,
            )
    else:
        notify_moderators(
            debate=debate,
            text="A new claim waits for approval.",
            url=reverse("moderation_queue", kwargs={"slug": debate.slug}),
            exclude=[user],
        )
    return claim


@transaction.atomic
def claim_edit(
    *,
    user,
    claim: Claim,
    text: str | None = None,
    explanation: str | None = None,
    note: str = "",
) -> Claim:
    """Change text and/or explanation (None keeps it as it is)."""
    check_perm(
        user, "deliberation.change_claim", claim, "You may only edit your own claims."
    )
    before = claim.text
    claim = claim_services.claim_update(
        claim=claim, author=user, text=text, explanation=explanation, note=note
    )
    if claim.text != before:
        outbox.enqueue(REANCHOR_CLAIM_TASK, claim.pk)
    publish_claim_event(claim, "claim.changed", {"claim_id": claim.pk})
    return claim


# --- Debate settings, theses, sources and citations ---------------------------

DEBATE_EDITABLE_FIELDS = frozenset(
    {
        "question",
        "description",
        "visibility",
        "mode",
        "voting_enabled",
        "premoderation",
        "anonymity",
    }
)


@transaction.atomic
def debate_update(*, user, debate: Debate, **changes) -> Debate:
    """The owner (or staff) changes the question or the settings of a debate.

    ``changes`` holds only the fields to change (DEBATE_EDITABLE_FIELDS)."""
    check_perm(
        user, "deliberation.change_debate", debate, "Only the owner may do this."
    )
    unknown = set(changes) - DEBATE_EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"debate_update cannot change {sorted(unknown)}")
    debate = Debate.objects.select_for_update().get(pk=debate.pk)
    if changes.get("visibility", debate.visibility) != debate.visibility:
        # Made private: open pages of readers who are not members close.
        access_changed_on_commit(debate_id=debate.pk)
    for name, value in changes.items():
        if name in ("question", "description"):
            value = value.strip()
        setattr(debate, name, value)
    debate.full_clean()
    debate.save(update_fields=[*changes, "updated"])
    return debate


@transaction.atomic
def thesis_add(*, user, debate: Debate, text: str, explanation: str = "") -> Claim:
    """A moderator (or the owner) adds a thesis, a new root claim of the debate."""
    check_moderator(user, debate, "Only the debate's moderators may add theses.")
    thesis = claim_services.claim_create(
        debate=debate, parent=None, text=text, explanation=explanation, author=user
    )
    publish_on_commit(
        debate_id=debate.pk,
        event="claim.added",
        payload={
            "claim_id": thesis.pk,
            "parent_id": None,
            "stance": "",
            "author": public_name(debate, user),
        },
    )
    return thesis


def _unique_source_key(debate: Debate, title: str) -> str:
    return _free_slug(
        title,
        queryset=Source.objects.filter(debate=debate),
        field="key",
        fallback="source",
        length=72,
    )


@transaction.atomic
def source_add(
    *,
    user,
    debate: Debate,
    title: str,
    text: str,
    key: str = "",
    publisher: str = "",
    authors: list[str] | None = None,
    published=None,
    url: str = "",
    licence_note: str = "",
) -> Source:
    """A moderator adds a source document; ``key`` is derived from the title
    when not given. Its text becomes revision 1."""
    check_perm(
        user,
        "deliberation.change_source",
        debate,
        "Only the debate's moderators may add sources.",
    )
    if not key:
        key = _unique_source_key(debate, title)
    elif Source.objects.filter(debate=debate, key=key).exists():
        # The unique constraint backs this up; this is for a readable message.
        raise ValidationError({"key": "The debate has a source with this key."})
    return claim_services.source_create(
        debate=debate,
        key=key,
        title=title,
        text=text,
        publisher=publisher,
        authors=authors,
        published=published,
        url=url,
        licence_note=licence_note,
        author=user,
    )


SOURCE_METADATA_FIELDS = frozenset(
    {"title", "publisher", "authors", "published", "url", "licence_note"}
)


@transaction.atomic
def source_edit(
    *, user, source: Source, text: str | None = None, note: str = "", **metadata
) -> Source:
    """A moderator corrects a source's provenance (``metadata``: only the fields
    to change, SOURCE_METADATA_FIELDS) and/or replaces its text; a new text is
    kept as a new revision, with ``note``. Citations and annotations keep
    pointing at the revision they quote until the re-anchoring task, enqueued
    on commit, finds them in the new text (or flags them as orphans)."""
    check_perm(
        user,
        "deliberation.change_source",
        source.debate,
        "Only the debate's moderators may edit sources.",
    )
    unknown = set(metadata) - SOURCE_METADATA_FIELDS
    if unknown:
        raise ValueError(f"source_edit cannot change {sorted(unknown)}")
    source = Source.objects.select_for_update().get(pk=source.pk)
    if metadata:
        for name, value in metadata.items():
            setattr(source, name, list(value) if name == "authors" else value)
        source.full_clean()
        source.save(update_fields=[*metadata, "updated"])
    if text is not None and text != source.text:
        source = claim_services.source_update_text(
            source=source, text=text, author=user, note=note
        )
        outbox.enqueue(REANCHOR_SOURCE_TASK, source.pk)
    return source


def _publish_claim_changed(claim: Claim) -> None:
    publish_claim_event(claim, "claim.changed", {"claim_id": claim.pk})


@transaction.atomic
def citation_add(
    *, user, claim: Claim, source: Source, quote: str, start: int | None = None
) -> Citation:
    """The claim's author or a moderator cites the passage ``quote`` of a
    source of the same debate (at ``start`` when the passage occurs twice)."""
    check_perm(
        user,
        "deliberation.change_claim",
        claim,
        "Only the claim's author or a moderator may cite evidence for it.",
    )
    citation = claim_services.citation_create(
        claim=claim, source=source, quote=quote, start=start, author=user
    )
    _publish_claim_changed(claim)
    return citation


@transaction.atomic
def citation_remove(*, user, citation: Citation) -> None:
    """The claim's author or a moderator removes a citation from the claim."""
    claim = citation.claim
    check_perm(
        user,
        "deliberation.change_claim",
        claim,
        "Only the claim's author or a moderator may remove its citations.",
    )
    citation.delete()
    _publish_claim_changed(claim)
