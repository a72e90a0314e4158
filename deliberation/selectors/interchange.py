"""Reads for interchange: a debate as one of the formats (claims/formats/), as
a given person may see it. The claims are those ``claims_shown_to`` them, the
annotations those ``annotations_shown_to`` them; authors are named as that
person sees them (``selectors.people``, the one rule)."""

import json
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404

from claims import tree
from claims.formats.aif import write_aif
from claims.formats.argdown import write_argdown
from claims.formats.csv_claims import ClaimRow, write_claims_csv
from claims.formats.document import (
    DebateDocument,
    DocCitation,
    DocClaim,
    DocSource,
)
from claims.formats.kialo import write_kialo
from claims.models import Citation, Claim, Source
from deliberation.formats import w3c
from deliberation.models import Debate, ImportJob
from deliberation.selectors import (
    annotations_shown_to,
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
class _Shown:
    claims: list[Claim]
    document: DebateDocument
    numbers: dict[int, str]


def _shown(debate: Debate, user) -> _Shown:
    claims = list(
        claims_shown_to(user, debate)
        .select_related("author", "link_to")
        .order_by("path")
    )
    visible = {claim.pk for claim in claims}
    by_path: dict[str, DocClaim] = {}
    docs: dict[int, DocClaim] = {}
    theses: list[DocClaim] = []
    citations: dict[int, list[DocCitation]] = {}
    for citation in (
        Citation.objects.filter(claim_id__in=visible)
        .select_related("source")
        .order_by("claim_id", "start", "pk")
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


def _claim_author_names(debate: Debate, user, claims: list[Claim]) -> dict[int, str]:
    """claim id → its author's name as ``user`` sees them (one query)."""
    names = names_for(user, debate, [c.author for c in claims])
    return {c.pk: names[c.author_id] for c in claims if c.author_id}


def _claim_rows(debate: Debate, user) -> list[ClaimRow]:
    shown = _shown(debate, user)
    names = _claim_author_names(debate, user, shown.claims)
    tallies = tallies_for([c.pk for c in shown.claims])
    # A small team's counts are left empty for all but its moderators.
    withheld = tallies_withheld(debate, user)
    rows = []
    for claim in sorted(shown.claims, key=lambda c: _sort_key(shown.numbers[c.pk])):
        tally = tallies[claim.pk]
        rows.append(
            ClaimRow(
                path=shown.numbers[claim.pk],
                stance=claim.stance or "thesis",
                text=claim.display_text if claim.link_to_id else claim.text,
                author=names.get(claim.pk, ""),
                link_to=shown.numbers.get(claim.link_to_id, "")
                if claim.link_to_id
                else "",
                agree=None if withheld else tally.agree,
                disagree=None if withheld else tally.disagree,
                passes=None if withheld else tally.passes,
                impact_voters=None if withheld else tally.impact_voters,
                impact_mean=None if withheld else tally.impact_mean,
            )
        )
    return rows


def _sort_key(number: str) -> list[int]:
    return [int(part) for part in number.split(".")]


def annotation_collection(*, debate: Debate, user, request=None) -> dict:
    """Every annotation ``user`` may see as one W3C AnnotationCollection, its
    single AnnotationPage embedded (the API's container pages the same)."""
    request = request or site_urls()
    annotations = (
        annotations_shown_to(user, debate)
        .select_related("creator", "source_revision", "claim_revision")
        .order_by("created", "pk")
    )
    annotations = list(annotations)
    names = naming(user, debate).load(a.creator for a in annotations)
    container = w3c.absolute(request, "api-debate-annotations", slug=debate.slug)
    items = [
        w3c.annotation_to_w3c(
            annotation, request, creator_name=names(annotation.creator), context=False
        )
        for annotation in annotations
    ]
    return {
        "@context": w3c.ANNO_CONTEXT,
        "id": container,
        "type": "AnnotationCollection",
        "label": f"Annotations of “{debate.question}”",
        "total": len(items),
        "first": {
            "id": f"{container}?page=0",
            "type": "AnnotationPage",
            "partOf": {"id": container, "total": len(items)},
            "startIndex": 0,
            "items": items,
        },
    }


def debate_export(
    *, debate: Debate, user, format: str, generation: str = "newer", request=None
) -> str:
    """The debate in ``format`` (EXPORT_FORMATS) as ``user`` may see it."""
    if format == "annotations":
        data = annotation_collection(debate=debate, user=user, request=request)
        return json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    if format == "csv":
        return write_claims_csv(_claim_rows(debate, user))
    if format == "kialo":
        return write_kialo(
            debate_document_for(debate=debate, user=user), generation=generation
        )
    if format == "argdown":
        return write_argdown(debate_document_for(debate=debate, user=user))
    if format == "aif":
        shown = _shown(debate, user)
        names = _claim_author_names(debate, user, shown.claims)
        return write_aif(
            shown.document,
            authors={str(pk): name for pk, name in names.items()},
            timestamp=debate.created.replace(tzinfo=None),
        )
    raise ValueError(f"unknown export format {format!r}")


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
