"""Reads for interchange: a debate as one of the formats (claims/formats/), as
a given person may see it. The claims are those ``claims_shown_to`` them, the
annotations those ``annotations_shown_to`` them; authors are named as that
person sees them (``selectors.people``, the one rule)."""

import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import Http404

from claims import tree
from claims.formats.aif import iter_aif
from claims.formats.argdown import iter_argdown
from claims.formats.csv_claims import ClaimRow, iter_claims_csv
from claims.formats.document import (
    DebateDocument,
    DocCitation,
    DocClaim,
    DocSource,
)
from claims.formats.kialo import iter_kialo
from claims.formats.streaming import chunked, iter_json
from claims.models import Citation, Claim, Source
from deliberation.formats import w3c
from deliberation.models import Debate, ImportJob
from deliberation.selectors import (
    annotations_shown_to,
    citations_shown_to,
    claims_shown_to,
    names_for,
    naming,
    tallies_for,
    tallies_withheld,
)


@dataclass(frozen=True)
class ExportFormat:
    name: str
    label: str
    media_type: str
    extension: str


EXPORT_FORMATS = {
    f.name: f
    for f in (
        ExportFormat("kialo", "Kialo text", "text/plain; charset=utf-8", "txt"),
        ExportFormat("argdown", "Argdown", "text/plain; charset=utf-8", "argdown"),
        ExportFormat("aif", "AIF JSON", "application/json", "json"),
        ExportFormat("annotations", "W3C annotations", w3c.ANNO_MEDIA_TYPE, "jsonld"),
        ExportFormat("csv", "CSV of claims", "text/csv; charset=utf-8", "csv"),
    )
}


class SiteUrls:
    """What ``w3c`` needs of a request (absolute URLs, the host) outside a
    request, e.g. in a management command: ``base`` is the site's URL."""

    def __init__(self, base: str):
        self.base = base.rstrip("/")

    def build_absolute_uri(self, path: str) -> str:
        return self.base + path

    def get_host(self) -> str:
        return urlsplit(self.base).netloc


def site_urls() -> SiteUrls:
    return SiteUrls(getattr(settings, "SITE_URL", "") or "http://localhost:8000")


@dataclass
class _Row:
    """What an export needs of a claim: read as plain values (building model
    instances was a third of a 10,000-claim export)."""

    pk: int
    path: str
    depth: int
    text: str
    stance: str
    explanation: str
    rephrase: bool
    link_to_id: int | None
    author_id: int | None
    author: object = None  # the User, filled in for those with an author
    display_text: str = ""  # as Claim.display_text


@dataclass
class _Shown:
    claims: list[_Row]
    document: DebateDocument
    numbers: dict[int, str]


def _rows(debate: Debate, user) -> list[_Row]:
    fields = ["pk", "path", "depth", "text", "stance", "explanation", "rephrase"]
    rows = (
        claims_shown_to(user, debate)
        .order_by("path")
        .values_list(*fields, "link_to_id", "author_id", "status")
    )
    claims, texts = [], {}
    for *values, status in rows:
        claims.append(_Row(*values))
        if status == Claim.Status.VISIBLE:  # a link shows only a visible target
            texts[values[0]] = values[3]
    authors = get_user_model().objects.in_bulk(
        {c.author_id for c in claims if c.author_id}
    )
    for claim in claims:
        claim.author = authors.get(claim.author_id)
        claim.display_text = texts.get(claim.link_to_id, claim.text)
    return claims


def _shown(debate: Debate, user) -> _Shown:
    claims = _rows(debate, user)
    visible = {claim.pk for claim in claims}
    by_path: dict[str, DocClaim] = {}
    docs: dict[int, DocClaim] = {}
    theses: list[DocClaim] = []
    citations: dict[int, list[DocCitation]] = {}
    for citation in (
        Citation.objects.filter(claim_id__in=visible)
        .select_related("source")
        # In the order they were made: a Kialo import made them in the order
        # of the claim's footnote markers, which its export pairs them with.
        .order_by("claim_id", "pk")
    ):
        citations.setdefault(citation.claim_id, []).append(
            DocCitation(source_key=citation.source.key, quote=citation.exact)
        )
    kept = []
    for claim in claims:
        if claim.link_to_id and claim.link_to_id not in visible:
            continue  # a link to a claim this reader may not see
        doc = DocClaim(
            key=str(claim.pk),
            text="" if claim.link_to_id else claim.text,
            stance=claim.stance,
            rephrase=claim.rephrase,
            explanation=claim.explanation,
            citations=citations.get(claim.pk, []),
            link_key=str(claim.link_to_id) if claim.link_to_id else "",
        )
        if claim.depth == 1:
            theses.append(doc)
        else:
            parent = by_path.get(tree.parent_path(claim.path))
            if parent is None:
                continue
            parent.children.append(doc)
        by_path[claim.path] = doc
        docs[claim.pk] = doc
        kept.append(claim)
    # A link whose target was dropped (under a link we skipped) goes too.
    keys = {doc.key for doc in docs.values()}
    for doc in docs.values():
        doc.children = [c for c in doc.children if not c.link_key or c.link_key in keys]
    sources = [
        DocSource(
            key=s.key,
            title=s.title,
            text=s.text,
            publisher=s.publisher,
            authors=list(s.authors),
            published=s.published,
            url=s.url,
            licence_note=s.licence_note,
        )
        for s in Source.objects.filter(debate=debate).order_by("pk")
    ]
    document = DebateDocument(
        question=debate.question,
        slug=debate.slug,
        description=debate.description,
        sources=sources,
        theses=theses,
    )
    numbers: dict[int, str] = {}

    def number(doc: DocClaim, path: str):
        numbers[int(doc.key)] = path
        for position, child in enumerate(doc.children, start=1):
            number(child, f"{path}.{position}")

    for rank, thesis in enumerate(theses, start=1):
        number(thesis, str(rank))
    return _Shown(
        claims=[c for c in kept if c.pk in numbers], document=document, numbers=numbers
    )


def debate_document_for(*, debate: Debate, user) -> DebateDocument:
    """The debate as a format-neutral document of what ``user`` may see."""
    return _shown(debate, user).document


def _claim_author_names(debate: Debate, user, claims: list[_Row]) -> dict[int, str]:
    """claim id → its author's name as ``user`` sees them (one query)."""
    names = names_for(user, debate, [c.author for c in claims])
    return {c.pk: names[c.author_id] for c in claims if c.author_id}


def _claim_rows(debate: Debate, user) -> Iterator[ClaimRow]:
    shown = _shown(debate, user)
    names = _claim_author_names(debate, user, shown.claims)
    tallies = tallies_for([c.pk for c in shown.claims])
    # A small team's counts are left empty for all but its moderators.
    withheld = tallies_withheld(debate, user)
    for claim in sorted(shown.claims, key=lambda c: _sort_key(shown.numbers[c.pk])):
        tally = tallies[claim.pk]
        yield ClaimRow(
            path=shown.numbers[claim.pk],
            stance=claim.stance or "thesis",
            text=claim.display_text if claim.link_to_id else claim.text,
            author=names.get(claim.pk, ""),
            link_to=shown.numbers.get(claim.link_to_id, "") if claim.link_to_id else "",
            agree=None if withheld else tally.agree,
            disagree=None if withheld else tally.disagree,
            passes=None if withheld else tally.passes,
            impact_voters=None if withheld else tally.impact_voters,
            impact_mean=None if withheld else tally.impact_mean,
        )


def _sort_key(number: str) -> list[int]:
    return [int(part) for part in number.split(".")]


def annotation_collection(*, debate: Debate, user, request=None) -> dict:
    """Every annotation ``user`` may see, then the citations of the claims
    they may see, as one W3C AnnotationCollection, its single AnnotationPage
    embedded (the API's container pages the same). Its ``items`` is an
    iterator: each annotation is made as it is written."""
    request = request or site_urls()
    annotations = (
        annotations_shown_to(user, debate)
        .select_related("creator", "source_revision", "claim_revision")
        .order_by("created", "pk")
    )
    annotations = list(annotations)
    citations = list(
        citations_shown_to(user, debate)
        .select_related("created_by", "source_revision")
        .order_by("pk")
    )
    names = naming(user, debate).load(
        [*(a.creator for a in annotations), *(c.created_by for c in citations)]
    )
    container = w3c.absolute(request, "api-debate-annotations", slug=debate.slug)
    items = itertools.chain(
        (
            w3c.annotation_to_w3c(
                annotation,
                request,
                creator_name=names(annotation.creator),
                context=False,
            )
            for annotation in annotations
        ),
        (
            w3c.citation_to_w3c(
                citation,
                request,
                creator_name=names(citation.created_by),
                context=False,
            )
            for citation in citations
        ),
    )
    return {
        "@context": w3c.ANNO_CONTEXT,
        "id": container,
        "type": "AnnotationCollection",
        "label": f"Annotations of “{debate.question}”",
        "total": len(annotations) + len(citations),
        "first": {
            "id": f"{container}?page=0",
            "type": "AnnotationPage",
            "partOf": {"id": container, "total": len(annotations) + len(citations)},
            "startIndex": 0,
            "items": items,
        },
    }


def debate_export(
    *, debate: Debate, user, format: str, generation: str = "newer", request=None
) -> str:
    """The debate in ``format`` (EXPORT_FORMATS) as ``user`` may see it."""
    return "".join(
        debate_export_chunks(
            debate=debate,
            user=user,
            format=format,
            generation=generation,
            request=request,
        )
    )


def debate_export_chunks(
    *, debate: Debate, user, format: str, generation: str = "newer", request=None
) -> Iterator[str]:
    """``debate_export`` in pieces of about 64 KB, for a streamed download:
    the text is written as it is sent, never held whole. The reads run when
    the first piece is asked for."""
    if format not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {format!r}")
    return chunked(_export_pieces(debate, user, format, generation, request))


def _export_pieces(debate, user, format, generation, request) -> Iterator[str]:
    if format == "annotations":
        data = annotation_collection(debate=debate, user=user, request=request)
        yield from iter_json(data, indent=1)
        yield "\n"
    elif format == "csv":
        yield from iter_claims_csv(_claim_rows(debate, user))
    elif format == "kialo":
        document = debate_document_for(debate=debate, user=user)
        yield from iter_kialo(document, generation=generation)
    elif format == "argdown":
        yield from iter_argdown(debate_document_for(debate=debate, user=user))
    elif format == "aif":
        shown = _shown(debate, user)
        names = _claim_author_names(debate, user, shown.claims)
        yield from iter_aif(
            shown.document,
            authors={str(pk): name for pk, name in names.items()},
            timestamp=debate.created.replace(tzinfo=None),
        )


def export_filename(debate: Debate, format: str) -> str:
    extension = EXPORT_FORMATS[format].extension
    suffix = "-annotations" if format == "annotations" else ""
    return f"{debate.slug}{suffix}.{extension}"


# --- Import jobs ----------------------------------------------------------------


def import_job_for(user, job_id) -> ImportJob:
    """``user``'s own import job by its id (as in its URL), without the file's
    text (its page asks every two seconds); anyone else's is not found."""
    try:
        job_id = uuid.UUID(str(job_id))
    except ValueError:
        raise Http404("No such import.") from None
    job = (
        ImportJob.objects.defer("text")
        .select_related("debate")
        .filter(pk=job_id, owner_id=user.pk)
        .first()
        if user.is_authenticated
        else None
    )
    if job is None:
        raise Http404("No such import.")
    return job
