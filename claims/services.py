"""Writes to the argument map. Content operations only: who may do them is
decided by the caller (deliberation services, importers, the admin, tests)."""

from collections import Counter
from dataclasses import asdict

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from claims import tree
from claims.anchoring import Anchor, AnchorError, anchor_quote, plain_passage
from claims.formats.document import DebateDocument, DocClaim, FormatError
from claims.locks import ROOT_PATH_SPACE, transaction_lock
from claims.markdown import text_length_problem, visible_length
from claims.models import (
    CLAIM_TEXT_MAX,
    CLAIM_TEXT_STORED_MAX,
    Annotation,
    Citation,
    Claim,
    ClaimRevision,
    Source,
    SourceRevision,
)
from claims.reanchoring import reanchor

# --- Sources -----------------------------------------------------------------


@transaction.atomic
def source_create(
    *,
    debate,
    key: str,
    title: str,
    text: str,
    publisher: str = "",
    authors: list[str] | None = None,
    published=None,
    url: str = "",
    licence_note: str = "",
    author=None,
) -> Source:
    source = Source(
        debate=debate,
        key=key,
        title=title,
        text=text,
        publisher=publisher,
        authors=list(authors or []),
        published=published,
        url=url,
        licence_note=licence_note,
    )
    source.full_clean()
    source.save()
    SourceRevision.objects.create(source=source, number=1, text=text, author=author)
    return source


@transaction.atomic
def source_update_text(
    *, source: Source, text: str, author=None, note: str = ""
) -> Source:
    """Replace the text, keeping the old one as a revision."""
    source = Source.objects.select_for_update().get(pk=source.pk)
    if text == source.text:
        return source
    if not text.strip():
        raise ValidationError({"text": "A source needs some text."})
    last = source.revisions.order_by("-number").values_list("number", flat=True).first()
    source.text = text
    source.save(update_fields=["text", "updated"])
    SourceRevision.objects.create(
        source=source, number=(last or 0) + 1, text=text, author=author, note=note
    )
    return source


# --- Claims ------------------------------------------------------------------


def _validate_claim_fields(*, text: str, link_to: Claim | None, debate) -> None:
    errors = {}
    if link_to is None and not text.strip():
        errors["text"] = "A claim needs some text."
    visible = visible_length(text)
    if visible > CLAIM_TEXT_MAX:
        errors["text"] = (
            f"A claim is one idea in at most {CLAIM_TEXT_MAX} characters "
            f"(this one has {visible}); put the rest in the explanation."
        )
    elif len(text) > CLAIM_TEXT_STORED_MAX:
        errors["text"] = (
            f"A claim's text with its link addresses has at most "
            f"{CLAIM_TEXT_STORED_MAX} characters (this one has {len(text)})."
        )
    if link_to is not None:
        if link_to.debate_id != debate.pk:
            errors["link_to"] = "A link must point at a claim of the same debate."
        elif link_to.is_link:
            errors["link_to"] = "A link must point at a claim, not at another link."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def claim_create(
    *,
    debate,
    parent: Claim | None,
    stance: str = "",
    text: str = "",
    explanation: str = "",
    author=None,
    status: str = Claim.Status.VISIBLE,
    link_to: Claim | None = None,
    order: int = 0,
) -> Claim:
    """Add a thesis (``parent=None``, no stance) or a pro/con under ``parent``."""
    if parent is None:
        if stance:
            raise ValidationError({"stance": "A thesis has no stance."})
        if link_to is not None:
            raise ValidationError({"link_to": "A thesis cannot be a link."})
    else:
        if parent.debate_id != debate.pk:
            raise ValidationError({"parent": "The parent claim is in another debate."})
        if stance not in Claim.Stance.values:
            raise ValidationError({"stance": "Choose pro or con."})
    _validate_claim_fields(text=text, link_to=link_to, debate=debate)
    fields = dict(
        debate=debate,
        stance=stance,
        text=text.strip(),
        explanation=explanation.strip(),
        author=author,
        status=status,
        link_to=link_to,
        order=order,
    )
    claim = _add_node(parent, fields)
    ClaimRevision.objects.create(
        claim=claim,
        number=1,
        author=author,
        text_after=claim.text,
        explanation_after=claim.explanation,
    )
    return claim


def _add_node(parent: Claim | None, fields: dict) -> Claim:
    """Insert a node (treebeard locks the parent row); roots are shared across
    debates, so two new theses may clash on a path: retry those."""
    for attempt in range(3):
        try:
            with transaction.atomic():
                if parent is None:
                    transaction_lock(ROOT_PATH_SPACE)  # imports take roots too
                    return Claim.objects.add_root(fields)
                return Claim.objects.add_child(parent, fields)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


@transaction.atomic
def claim_update(
    *,
    claim: Claim,
    author=None,
    text: str | None = None,
    explanation: str | None = None,
    note: str = "",
    moderator_note: str | None = None,
) -> Claim:
    """Edit text and/or explanation; each change keeps a revision. A
    ``moderator_note`` is shown on the claim ("edited by a moderator: ...")."""
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    new_text = claim.text if text is None else text.strip()
    new_explanation = claim.explanation if explanation is None else explanation.strip()
    if (new_text, new_explanation) == (claim.text, claim.explanation):
        return claim
    if claim.is_link:
        raise ValidationError({"text": "A link shows another claim; edit that claim."})
    _validate_claim_fields(text=new_text, link_to=None, debate=claim.debate)
    last = claim.revisions.order_by("-number").values_list("number", flat=True).first()
    ClaimRevision.objects.create(
        claim=claim,
        number=(last or 0) + 1,
        author=author,
        text_before=claim.text,
        text_after=new_text,
        explanation_before=claim.explanation,
        explanation_after=new_explanation,
        note=note,
    )
    claim.text, claim.explanation = new_text, new_explanation
    fields = ["text", "explanation", "updated"]
    if moderator_note is not None:
        claim.moderator_note = moderator_note
        fields.append("moderator_note")
    claim.save(update_fields=fields)
    return claim


# --- The tree: hide, show, lock, pin, move, merge, delete ----------------------


def claim_hide(*, claim: Claim, reason: str) -> Claim:
    """Hidden: readers see ``reason`` where the claim was (and nothing of
    its branch); its text stays for its author and moderators."""
    claim.status, claim.hidden_reason = Claim.Status.HIDDEN, reason
    claim.save(update_fields=["status", "hidden_reason", "updated"])
    return claim


def claim_show(*, claim: Claim) -> Claim:
    """Visible: a hidden claim shown again, or a pending one published."""
    claim.status, claim.hidden_reason = Claim.Status.VISIBLE, ""
    claim.save(update_fields=["status", "hidden_reason", "updated"])
    return claim


def claim_set_locked(*, claim: Claim, locked: bool) -> Claim:
    """A locked claim takes nothing new at or below it (the rules read it)."""
    claim.locked = locked
    claim.save(update_fields=["locked", "updated"])
    return claim


def claim_set_pinned(*, claim: Claim, pinned: bool) -> Claim:
    """A pinned claim comes first among its siblings."""
    claim.pinned = pinned
    claim.save(update_fields=["pinned", "updated"])
    return claim


def claims_lock(*claims: Claim) -> list[Claim]:
    """The claims re-read under row locks, taken in id order (two callers
    locking the same claims never deadlock), returned in the order given.
    Call inside a transaction, before ``claim_move`` or ``claims_merge``."""
    rows = {
        c.pk: c
        for c in Claim.objects.select_for_update()
        .filter(pk__in=[c.pk for c in claims])
        .order_by("pk")
    }
    return [rows[c.pk] for c in claims]


def _check_same_tree(claim: Claim, other: Claim, field: str) -> None:
    if other.debate_id != claim.debate_id:
        raise ValidationError({field: "Choose a claim of the same debate."})
    if other.pk == claim.pk:
        raise ValidationError({field: "Choose another claim."})


@transaction.atomic
def claim_move(*, claim: Claim, new_parent: Claim) -> Claim:
    """Move a pro or con, with its branch, to the last place under another
    claim of its debate, never under itself or its own branch, nor under a
    link. Its stance is kept. Returns the claim read again (its path
    changed). Lock both rows first (``claims_lock``)."""
    _check_same_tree(claim, new_parent, "new_parent")
    if claim.depth == 1:
        raise ValidationError({"new_parent": "A thesis cannot be moved."})
    if tree.is_in_branch(new_parent.path, claim.path):
        raise ValidationError(
            {"new_parent": "A claim cannot move under itself or its own branch."}
        )
    if new_parent.is_link:
        raise ValidationError({"new_parent": "Choose a claim, not a link."})
    if claim.parent_path == new_parent.path:
        raise ValidationError({"new_parent": "The claim is already there."})
    Claim.objects.move(claim, new_parent, pos="last-child")
    return Claim.objects.get(pk=claim.pk)


@transaction.atomic
def claims_merge(*, duplicate: Claim, kept: Claim) -> tuple[Claim, dict]:
    """The map's side of merging a duplicate into the claim that is kept:
    the duplicate's children (with their branches), citations, the evidence
    annotations pointing at it and the links showing it move to ``kept``,
    and ``duplicate`` becomes a link to ``kept`` (its text stays for the
    record). Notes on the duplicate's own text stay with it (their anchors
    are in its text). Lock both rows first (``claims_lock``).

    Returns the duplicate read again and what moved: ``children`` (ids),
    ``citations``, ``evidence``, ``links`` (counts)."""
    _check_same_tree(duplicate, kept, "kept")
    if duplicate.depth == 1:
        raise ValidationError({"duplicate": "A thesis cannot be merged away."})
    if duplicate.is_link or kept.is_link:
        raise ValidationError({"kept": "Merge claims, not links."})
    if tree.is_in_branch(kept.path, duplicate.path):
        raise ValidationError({"kept": "The kept claim is inside the duplicate."})
    if kept.status != Claim.Status.VISIBLE:
        raise ValidationError({"kept": "Keep a visible claim."})
    children = list(
        Claim.objects.filter(tree.children_of(duplicate.path, duplicate.depth))
        .order_by("path")
        .values_list("pk", flat=True)
    )
    for pk in children:
        # Read again each time: every move rewrites paths under ``kept``.
        Claim.objects.move(
            Claim.objects.get(pk=pk), Claim.objects.get(pk=kept.pk), pos="last-child"
        )
    moved = {
        "children": children,
        "citations": Citation.objects.filter(claim=duplicate).update(claim=kept),
        "evidence": Annotation.objects.filter(evidence_claim=duplicate).update(
            evidence_claim=kept
        ),
        "links": Claim.objects.filter(link_to=duplicate).update(link_to=kept),
    }
    duplicate = Claim.objects.get(pk=duplicate.pk)  # paths changed under it
    duplicate.link_to = kept
    duplicate.numchild = 0
    duplicate.save(update_fields=["link_to", "numchild", "updated"])
    return duplicate, moved


def claims_delete(claims: QuerySet[Claim]) -> None:
    """Delete claims with their branches. Annotations on the text of a claim
    in those branches go first: they hold its revisions (PROTECT)."""
    branch = Q()
    for debate_id, path in claims.values_list("debate_id", "path"):
        branch |= Q(tree.in_branch(path), debate_id=debate_id)
    if not branch:
        return
    Annotation.objects.filter(claim__in=Claim.objects.filter(branch)).delete()
    claims.delete()  # treebeard: with their descendants


def claim_revision_redact(revision: ClaimRevision) -> ClaimRevision:
    """Remove the words ``revision`` brought from the database: its text and
    explanation after, and the same words as the next revision's before. The
    current version cannot be redacted (edit the claim first). Returns the
    revision, marked redacted."""
    newer = (
        ClaimRevision.objects.select_for_update()
        .filter(claim_id=revision.claim_id, number=revision.number + 1)
        .first()
    )
    if newer is None:
        raise ValidationError(
            "This revision is the claim's current text: edit the claim first, "
            "then redact this revision."
        )
    revision.text_after = revision.explanation_after = ""
    revision.redacted_at = timezone.now()
    revision.save(update_fields=["text_after", "explanation_after", "redacted_at"])
    newer.text_before = newer.explanation_before = ""
    newer.save(update_fields=["text_before", "explanation_before"])
    return revision


# --- Citations ---------------------------------------------------------------


@transaction.atomic
def citation_create(
    *, claim: Claim, source: Source, quote: str, start: int | None = None, author=None
) -> Citation:
    """Cite the passage ``quote`` of the source's current text."""
    if source.debate_id != claim.debate_id:
        raise ValidationError({"source": "The source belongs to another debate."})
    try:
        anchor = anchor_quote(source.text, quote, start=start)
    except AnchorError as exc:
        raise ValidationError({"quote": str(exc)}) from exc
    revision = source.revisions.order_by("-number").first()
    return Citation.objects.create(
        claim=claim,
        source=source,
        source_revision=revision,
        exact=anchor.exact,
        prefix=anchor.prefix,
        suffix=anchor.suffix,
        start=anchor.start,
        end=anchor.end,
        created_by=author,
    )


# --- Annotations ---------------------------------------------------------------

ANNOTATION_BODY_MAX = 10_000
TAGS_MAX = 20
TAG_MAX = 40
# Tagging bodies with these values express evidence (FORMATS.md), not tags.
RELATION_TAGS = frozenset(Annotation.Relation.values)


def _clean_tags(tags) -> list[str]:
    cleaned = []
    for tag in tags or ():
        tag = " ".join(str(tag).split())
        if tag and tag not in cleaned:
            cleaned.append(tag)
    errors = []
    if len(cleaned) > TAGS_MAX:
        errors.append(f"At most {TAGS_MAX} tags.")
    if any(len(tag) > TAG_MAX for tag in cleaned):
        errors.append(f"A tag has at most {TAG_MAX} characters.")
    if RELATION_TAGS & set(cleaned):
        errors.append("“supports” and “opposes” say how evidence relates to a claim.")
    if errors:
        raise ValidationError({"tags": errors})
    return cleaned


def _validate_evidence(*, debate, evidence_claim, relation: str) -> None:
    if evidence_claim is None and not relation:
        return
    if evidence_claim is None:
        raise ValidationError(
            {"evidence_claim": "Choose the claim this is evidence for."}
        )
    if relation not in Annotation.Relation.values:
        raise ValidationError({"relation": "Choose supports or opposes."})
    if evidence_claim.debate_id != debate.pk:
        raise ValidationError(
            {"evidence_claim": "The claim belongs to another debate."}
        )


def _motivation(motivation: str, *, body: str, tags, evidence_claim) -> str:
    if motivation:
        if motivation not in Annotation.Motivation.values:
            raise ValidationError({"motivation": "Unknown motivation."})
        return motivation
    if evidence_claim is not None:
        return Annotation.Motivation.LINKING
    if body:
        return Annotation.Motivation.COMMENTING
    if tags:
        return Annotation.Motivation.TAGGING
    return Annotation.Motivation.HIGHLIGHTING


@transaction.atomic
def annotation_create(
    *,
    debate,
    source: Source | None = None,
    claim: Claim | None = None,
    quote: str,
    start: int | None = None,
    prefix: str = "",
    suffix: str = "",
    creator=None,
    body: str = "",
    tags=(),
    motivation: str = "",
    evidence_claim: Claim | None = None,
    relation: str = "",
    visibility: str = Annotation.Visibility.EVERYONE,
) -> Annotation:
    """Annotate the passage ``quote`` of a source's or a claim's current text.

    The passage is found at ``start`` if it is there, else where ``prefix`` and
    ``suffix`` fit best (W3C selectors are alternatives), else it is an error.
    """
    if (source is None) == (claim is None):
        raise ValidationError("Annotate exactly one source or one claim.")
    target = source or claim
    if target.debate_id != debate.pk:
        raise ValidationError("The annotated text belongs to another debate.")
    if claim is not None and claim.is_link:
        raise ValidationError({"claim": "Annotate the claim this link shows."})
    if not quote.strip():
        raise ValidationError({"quote": "The quoted passage is empty."})
    body = body.strip()
    if len(body) > ANNOTATION_BODY_MAX:
        raise ValidationError(
            {"body": f"At most {ANNOTATION_BODY_MAX} characters (it has {len(body)})."}
        )
    tags = _clean_tags(tags)
    _validate_evidence(debate=debate, evidence_claim=evidence_claim, relation=relation)
    if visibility not in Annotation.Visibility.values:
        raise ValidationError({"visibility": "Unknown visibility."})
    found = reanchor(
        Anchor(
            exact=quote,
            prefix=prefix,
            suffix=suffix,
            start=start or 0,
            end=(start or 0) + len(quote),
        ),
        target.text,
        fuzzy=False,
    )
    if found.anchor is None:
        # A quote copied with the page's markers, or across its line breaks:
        # anchored to the plain text it covers.
        plain = plain_passage(target.text, quote, start=start)
        if plain is not None:
            found = reanchor(plain, target.text, fuzzy=False)
    if found.anchor is None:
        raise ValidationError(
            {"quote": "The quoted passage does not occur in the text."}
        )
    revisions = target.revisions.order_by("-number")
    annotation = Annotation(
        debate=debate,
        source=source,
        claim=claim,
        source_revision=revisions.first() if source else None,
        claim_revision=revisions.first() if claim else None,
        exact=found.anchor.exact,
        prefix=found.anchor.prefix,
        suffix=found.anchor.suffix,
        start=found.anchor.start,
        end=found.anchor.end,
        motivation=_motivation(
            motivation, body=body, tags=tags, evidence_claim=evidence_claim
        ),
        body=body,
        tags=tags,
        evidence_claim=evidence_claim,
        relation=relation if evidence_claim else "",
        creator=creator,
        visibility=visibility,
    )
    annotation.full_clean()
    annotation.save()
    return annotation


ANNOTATION_EDITABLE_FIELDS = frozenset(
    {"body", "tags", "motivation", "evidence_claim", "relation", "visibility"}
)


@transaction.atomic
def annotation_update(*, annotation: Annotation, **changes) -> Annotation:
    """Change what is said about the passage (``changes``: only the fields to
    change, ANNOTATION_EDITABLE_FIELDS); the passage itself stays."""
    unknown = set(changes) - ANNOTATION_EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"annotation_update cannot change {sorted(unknown)}")
    annotation = Annotation.objects.select_for_update().get(pk=annotation.pk)
    if annotation.is_deleted:
        raise ValidationError("This annotation was deleted.")
    if "body" in changes:
        changes["body"] = changes["body"].strip()
    if "tags" in changes:
        changes["tags"] = _clean_tags(changes["tags"])
    for name, value in changes.items():
        setattr(annotation, name, value)
    if annotation.evidence_claim is None:
        annotation.relation = ""
    _validate_evidence(
        debate=annotation.debate,
        evidence_claim=annotation.evidence_claim,
        relation=annotation.relation,
    )
    if "motivation" not in changes or not changes["motivation"]:
        annotation.motivation = _motivation(
            "",
            body=annotation.body,
            tags=annotation.tags,
            evidence_claim=annotation.evidence_claim,
        )
    annotation.full_clean()
    annotation.save()
    return annotation


def annotation_delete(*, annotation: Annotation) -> Annotation:
    """Soft delete: the row (and its comments) stay for moderators and audits."""
    if annotation.deleted_at is None:
        annotation.deleted_at = timezone.now()
        annotation.save(update_fields=["deleted_at", "updated"])
    return annotation


# --- Re-anchoring --------------------------------------------------------------

_ANCHOR_FIELDS = ("exact", "prefix", "suffix", "start", "end", "orphaned")


def _reanchor_rows(rows, *, text: str, revision_field: str, revision) -> Counter:
    """Re-resolve each row's anchor in ``text``; write only what changed."""
    counts, changed = Counter(), []
    for row in rows:
        result = reanchor(
            Anchor(row.exact, row.prefix, row.suffix, row.start, row.end), text
        )
        counts[result.method] += 1
        if result.anchor is None:
            # Kept as it was, in the revision where it was last found.
            if not row.orphaned:
                row.orphaned = True
                changed.append(row)
            continue
        new = {**asdict(result.anchor), "orphaned": False}
        same_revision = getattr(row, f"{revision_field}_id") == revision.pk
        if same_revision and all(getattr(row, k) == v for k, v in new.items()):
            continue
        for name, value in new.items():
            setattr(row, name, value)
        setattr(row, revision_field, revision)
        changed.append(row)
    if changed:
        type(changed[0]).objects.bulk_update(
            changed, [*_ANCHOR_FIELDS, revision_field], batch_size=500
        )
    return counts


@transaction.atomic
def source_reanchor(*, source: Source) -> Counter:
    """Re-anchor the citations and annotations of ``source`` in its current
    text, moving them to its latest revision; orphans are flagged and kept.

    Idempotent: anchors already on the latest revision are left alone, and a
    second run finds every re-anchored passage at its position. Holds the
    source's row lock, so it never interleaves with a text edit."""
    source = Source.objects.select_for_update().get(pk=source.pk)
    revision = source.revisions.order_by("-number").first()
    stale = Q(orphaned=True) | ~Q(source_revision=revision)
    counts = Counter()
    for model in (Citation, Annotation):
        counts += _reanchor_rows(
            model.objects.filter(source=source).filter(stale).order_by("pk"),
            text=source.text,
            revision_field="source_revision",
            revision=revision,
        )
    return counts


@transaction.atomic
def claim_reanchor(*, claim: Claim) -> Counter:
    """Re-anchor the annotations on ``claim``'s text (see source_reanchor)."""
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    revision = claim.revisions.order_by("-number").first()
    stale = Q(orphaned=True) | ~Q(claim_revision=revision)
    return _reanchor_rows(
        Annotation.objects.filter(claim=claim).filter(stale).order_by("pk"),
        text=claim.text,
        revision_field="claim_revision",
        revision=revision,
    )


# --- Import ------------------------------------------------------------------

DEBATE_QUESTION_MAX = 300  # deliberation.Debate.question


def document_validate(document: DebateDocument) -> None:
    """Raise FormatError (with the place) for anything the import would refuse."""
    if not document.question.strip():
        raise FormatError("the debate has no question or title", location="question")
    if len(document.question) > DEBATE_QUESTION_MAX:
        raise FormatError(
            f"the question has {len(document.question)} characters "
            f"(at most {DEBATE_QUESTION_MAX})",
            location="question",
        )
    _check_storable(document)
    source_texts = {}
    for i, source in enumerate(document.sources):
        if source.key in source_texts:
            raise FormatError(
                f"duplicate source key {source.key!r}", location=f"sources[{i}]"
            )
        source_texts[source.key] = source.text
    by_key = {}
    for claim in document.claims():
        where = f"claim {claim.key!r}"
        if claim.key in by_key:
            raise FormatError("duplicate claim id", location=where)
        by_key[claim.key] = claim
        if not claim.link_key and not claim.text:
            raise FormatError("claim has no text", location=where)
        problem = text_length_problem(claim.text)
        if problem:
            raise FormatError(problem, location=where)
        for citation in claim.citations:
            if citation.source_key not in source_texts:
                raise FormatError(
                    f"unknown source {citation.source_key!r}", location=where
                )
            if not citation.quote.strip():
                raise FormatError("a citation quotes nothing", location=where)
            if citation.quote not in source_texts[citation.source_key]:
                raise FormatError(
                    f"quote not found in source {citation.source_key!r}: "
                    f"{citation.quote[:60]!r}",
                    location=where,
                )
    for claim in document.claims():
        if claim.link_key:
            target = by_key.get(claim.link_key)
            if target is None:
                raise FormatError(
                    f"link to unknown claim {claim.link_key!r}", location=claim.key
                )
            if target.link_key:
                raise FormatError(
                    "a link must point at a claim, not a link", location=claim.key
                )


def _unstorable(value: str) -> str:
    """Why a database cannot keep ``value`` as text, or ""."""
    if "\x00" in value:
        return "contains a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "contains an unpaired surrogate (not valid Unicode)"
    return ""


def _check_storable(document: DebateDocument) -> None:
    """PostgreSQL refuses NUL characters and broken Unicode in text: say so
    instead of failing at the INSERT."""
    fields = []
    for i, source in enumerate(document.sources):
        fields += [
            (f"sources[{i}].{name}", value)
            for name, value in (
                ("key", source.key),
                ("title", source.title),
                ("text", source.text),
                ("url", source.url),
                ("publisher", source.publisher),
                ("licence_note", source.licence_note),
                *(("authors", a) for a in source.authors),
            )
        ]
    for claim in document.claims():
        fields += [
            (f"claim {claim.key!r}", value)
            for value in (
                claim.key,
                claim.text,
                claim.explanation,
                *(c.quote for c in claim.citations),
            )
        ]
    # The question last: it is often a claim's text too, better named there.
    fields += [("question", document.question), ("description", document.description)]
    if not _unstorable("".join(value for _, value in fields)):
        return  # the usual case, checked at once
    for where, value in fields:
        problem = _unstorable(value)
        if problem:
            raise FormatError(f"the text {problem}", location=where)


@transaction.atomic
def document_import(
    *, debate, document: DebateDocument, author=None
) -> QuerySet[Claim]:
    """Write a parsed document into ``debate`` in one transaction: sources, the
    claim trees (paths computed here, inserted in bulk), links and citations.
    Returns the new claims in tree order (a queryset: read only if needed)."""
    document_validate(document)
    sources = {
        doc.key: source_create(
            debate=debate,
            key=doc.key,
            title=doc.title,
            text=doc.text,
            publisher=doc.publisher,
            authors=doc.authors,
            published=doc.published,
            url=doc.url,
            licence_note=doc.licence_note,
            author=author,
        )
        for doc in document.sources
    }
    author_id = getattr(author, "pk", None)
    # Held to commit: another import (or a new thesis) reading the last root
    # before this one commits would take the same paths.
    transaction_lock(ROOT_PATH_SPACE)
    last_root = Claim.objects.get_last_root_node()
    next_root = Claim._str2int(last_root.path) + 1 if last_root else 1
    rows: list[tuple[DocClaim, dict]] = []  # each claim's column values

    def place(doc: DocClaim, path: str, depth: int):
        rows.append(
            (
                doc,
                {
                    "debate_id": debate.pk,
                    "path": path,
                    "depth": depth,
                    "numchild": len(doc.children),
                    "stance": doc.stance if depth > 1 else "",
                    "rephrase": doc.rephrase and depth > 1,
                    "text": doc.text,
                    "explanation": doc.explanation,
                    "author_id": author_id,
                    "key": doc.key[:80],
                },
            )
        )
        for position, child in enumerate(doc.children, start=1):
            place(child, Claim._get_path(path, depth + 1, position), depth + 1)

    for offset, thesis in enumerate(document.theses):
        place(thesis, Claim._get_path(None, 1, next_root + offset), 1)
    ids = _insert_claims([values for _, values in rows], debate=debate)
    by_key = {doc.key: ids[values["path"]] for doc, values in rows}

    Claim.objects.bulk_update(
        [
            Claim(pk=by_key[doc.key], link_to_id=by_key[doc.link_key])
            for doc, _ in rows
            if doc.link_key
        ],
        ["link_to"],
        batch_size=1000,
    )
    revisions = {src.key: src.revisions.get(number=1) for src in sources.values()}
    _first_revisions(debate=debate, author=author, note="imported")
    citations = []
    for doc, _ in rows:
        for cited in doc.citations:
            source = sources[cited.source_key]
            anchor = anchor_quote(source.text, cited.quote)
            citations.append(
                Citation(
                    claim_id=by_key[doc.key],
                    source=source,
                    source_revision=revisions[cited.source_key],
                    exact=anchor.exact,
                    prefix=anchor.prefix,
                    suffix=anchor.suffix,
                    start=anchor.start,
                    end=anchor.end,
                    created_by=author,
                )
            )
    Citation.objects.bulk_create(citations, batch_size=1000)
    return Claim.objects.filter(pk__in=by_key.values()).order_by("path")


def _insert_claims(rows: list[dict], *, debate) -> dict[str, int]:
    """Insert new claims (their column values, defaults aside) and return
    their ids by path. On PostgreSQL through COPY, without model instances:
    building and preparing thousands of them is most of a large import's time
    otherwise (bench/interop.py)."""
    fields = [f for f in Claim._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    defaults = {
        f.attname: now
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        else f.get_default()
        for f in fields
    }
    names = [f.attname for f in fields]
    if connection.vendor == "postgresql":
        qn = connection.ops.quote_name
        columns = ", ".join(qn(f.column) for f in fields)
        sql = f"COPY {qn(Claim._meta.db_table)} ({columns}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for values in rows:
                # Plain values (text, numbers, booleans, times, ids).
                row = {**defaults, **values}
                copy.write_row([row[name] for name in names])
    else:
        Claim.objects.bulk_create(
            [Claim(**{**defaults, **values}) for values in rows], batch_size=1000
        )
    return dict(Claim.objects.filter(debate=debate).values_list("path", "pk"))


def _first_revisions(*, debate, author, note: str) -> None:
    """Revision 1 of every claim of a freshly imported debate, in one
    INSERT … SELECT: building thousands of model instances costs more than
    the database takes to write them."""
    revision, claim = ClaimRevision._meta, Claim._meta
    qn = connection.ops.quote_name

    def col(meta, name):
        return qn(meta.get_field(name).column)

    targets = ", ".join(
        col(revision, name)
        for name in (
            "claim",
            "number",
            "author",
            "text_before",
            "text_after",
            "explanation_before",
            "explanation_after",
            "note",
            "created",
        )
    )
    sql = (
        f"INSERT INTO {qn(revision.db_table)} ({targets}) "
        f"SELECT {qn(claim.pk.column)}, 1, %s, '', {col(claim, 'text')}, "
        f"'', {col(claim, 'explanation')}, %s, %s "
        f"FROM {qn(claim.db_table)} WHERE {col(claim, 'debate')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql, [getattr(author, "pk", None), note, timezone.now(), debate.pk]
        )
