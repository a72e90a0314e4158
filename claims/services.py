"""Writes to the argument map. Content operations only: who may do them is
decided by the caller (deliberation services, importers, the admin, tests)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from claims.anchoring import AnchorError, anchor_quote
from claims.formats.document import DebateDocument, DocClaim, FormatError
from claims.models import (
    CLAIM_TEXT_MAX,
    Citation,
    Claim,
    ClaimRevision,
    Source,
    SourceRevision,
)

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
    if len(text) > CLAIM_TEXT_MAX:
        errors["text"] = (
            f"A claim is one idea in at most {CLAIM_TEXT_MAX} characters "
            f"(this one has {len(text)}); put the rest in the explanation."
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
) -> Claim:
    """Edit text and/or explanation; each change keeps a revision."""
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
    claim.save(update_fields=["text", "explanation", "updated"])
    return claim


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


# --- Import ------------------------------------------------------------------


def document_validate(document: DebateDocument) -> None:
    """Raise FormatError (with the place) for anything the import would refuse."""
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
        if len(claim.text) > CLAIM_TEXT_MAX:
            raise FormatError(
                f"claim text has {len(claim.text)} characters "
                f"(at most {CLAIM_TEXT_MAX})",
                location=where,
            )
        for citation in claim.citations:
            if citation.source_key not in source_texts:
                raise FormatError(
                    f"unknown source {citation.source_key!r}", location=where
                )
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


@transaction.atomic
def document_import(*, debate, document: DebateDocument, author=None) -> list[Claim]:
    """Write a parsed document into ``debate`` in one transaction: sources, the
    claim trees (paths computed here, inserted in bulk), links and citations."""
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
    rows: list[tuple[DocClaim, Claim]] = []
    last_root = Claim.objects.get_last_root_node()
    next_root = Claim._str2int(last_root.path) + 1 if last_root else 1

    def place(doc: DocClaim, path: str, depth: int):
        claim = Claim(
            debate=debate,
            path=path,
            depth=depth,
            numchild=len(doc.children),
            stance=doc.stance if depth > 1 else "",
            text=doc.text,
            explanation=doc.explanation,
            author=author,
            key=doc.key,
        )
        rows.append((doc, claim))
        for position, child in enumerate(doc.children, start=1):
            place(child, Claim._get_path(path, depth + 1, position), depth + 1)

    for offset, thesis in enumerate(document.theses):
        place(thesis, Claim._get_path(None, 1, next_root + offset), 1)
    Claim.objects.bulk_create([claim for _, claim in rows], batch_size=1000)
    claims = {claim.path: claim for claim in Claim.objects.filter(debate=debate)}
    by_key = {doc.key: claims[claim.path] for doc, claim in rows}

    links = []
    for doc, _ in rows:
        if doc.link_key:
            stored = by_key[doc.key]
            stored.link_to = by_key[doc.link_key]
            links.append(stored)
    Claim.objects.bulk_update(links, ["link_to"], batch_size=1000)

    revisions = {src.key: src.revisions.get(number=1) for src in sources.values()}
    citations, claim_revisions = [], []
    for doc, _ in rows:
        stored = by_key[doc.key]
        claim_revisions.append(
            ClaimRevision(
                claim=stored,
                number=1,
                author=author,
                text_after=stored.text,
                explanation_after=stored.explanation,
                note="imported",
            )
        )
        for cited in doc.citations:
            source = sources[cited.source_key]
            anchor = anchor_quote(source.text, cited.quote)
            citations.append(
                Citation(
                    claim=stored,
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
    ClaimRevision.objects.bulk_create(claim_revisions, batch_size=1000)
    Citation.objects.bulk_create(citations, batch_size=1000)
    return [by_key[doc.key] for doc, _ in rows]
