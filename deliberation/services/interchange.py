"""Imports from the interchange formats (claims/formats/): a new debate from a
Kialo, Argdown or AIF file, or annotations into a debate from a W3C
AnnotationCollection. All or nothing: one transaction, and bad input is a
FormatError naming the line (or JSON path) and the reason.

Large files go through a Celery task (``deliberation.import_debate_file``);
its progress lives in the cache under a job id (no table needed)."""

import json
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction

from claims.formats.aif import parse_aif
from claims.formats.argdown import parse_argdown
from claims.formats.document import DebateDocument, FormatError
from claims.formats.kialo import parse_kialo
from deliberation.formats import w3c
from deliberation.models import Debate
from deliberation.selectors.interchange import SiteUrls, site_urls
from deliberation.services.annotations import annotation_add
from deliberation.services.debates import debate_import

PARSERS = {"kialo": parse_kialo, "argdown": parse_argdown, "aif": parse_aif}
IMPORT_FORMATS = {
    "kialo": "Kialo text (.txt)",
    "argdown": "Argdown (.argdown)",
    "aif": "AIF JSON (.json)",
}
JOB_TIMEOUT = 60 * 60


def import_max_bytes() -> int:
    return settings.INTERCHANGE_IMPORT_MAX_BYTES


def import_max_claims() -> int:
    return settings.INTERCHANGE_IMPORT_MAX_CLAIMS


def upload_text(upload: File) -> str:
    """The text of a file to import: an upload (pages, the API) or a file on
    disk (the import command). Its size is checked here, and only here, before
    it is read (a file past the limit was not even kept: see
    deliberation/uploads.py); then it must be UTF-8 (a BOM is dropped)."""
    limit = import_max_bytes()
    if upload.size > limit:
        raise FormatError(
            f"the file has {upload.size:,} bytes; the limit is {limit:,} bytes",
            location="file",
        )
    data = upload.read()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FormatError(
            "the file is not UTF-8 text", location=f"line {line}"
        ) from exc


def parse_document(text: str, format: str) -> DebateDocument:
    parser = PARSERS.get(format)
    if parser is None:
        raise FormatError(
            f"unknown format {format!r}: use one of {', '.join(PARSERS)}",
            location="format",
        )
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise FormatError("the file contains a NUL character", location=f"line {line}")
    document = parser(text)
    count = sum(1 for _ in document.claims())
    if count > import_max_claims():
        raise FormatError(
            f"the file has {count:,} claims; the limit is {import_max_claims():,}",
            location="file",
        )
    return document


@transaction.atomic
def debate_import_file(*, owner, text: str, format: str) -> Debate:
    """A new debate owned by ``owner`` from the text of a file."""
    return debate_import_document(owner=owner, document=parse_document(text, format))


@transaction.atomic
def debate_import_document(*, owner, document: DebateDocument) -> Debate:
    if owner is not None and not owner.is_authenticated:
        raise PermissionDenied("Sign in to import a debate.")
    try:
        return debate_import(owner=owner, document=document)
    except ValidationError as exc:
        # What the models refuse (a too long title, URL, …) is bad input too.
        raise FormatError("; ".join(_messages(exc)), location="file") from exc


# --- Annotations --------------------------------------------------------------

ANNOTATIONS_MAX = 5000


def _items(data, where="$") -> list[tuple[str, dict]]:
    """The annotations of a W3C collection, page, list or single annotation."""
    if isinstance(data, list):
        return [(f"{where}[{i}]", item) for i, item in enumerate(data)]
    if not isinstance(data, dict):
        raise FormatError("expected a JSON object", location=where)
    kind = data.get("type")
    if kind == "AnnotationCollection":
        first = data.get("first")
        if first is None:
            return []
        if not isinstance(first, dict):
            raise FormatError(
                "embed the first page (a link alone cannot be imported)",
                location=f"{where}.first",
            )
        return _items(first, f"{where}.first")
    if kind == "AnnotationPage":
        items = data.get("items")
        if not isinstance(items, list):
            raise FormatError("expected a list of items", location=f"{where}.items")
        return [(f"{where}.items[{i}]", item) for i, item in enumerate(items)]
    return [(where, data)]


class _AnyHost(SiteUrls):
    """Reads our URLs whatever host name they were exported under."""

    def __init__(self, host: str):
        super().__init__(f"http://{host}")


@transaction.atomic
def annotations_import(*, user, debate: Debate, text: str, request=None) -> list:
    """Add every annotation of a W3C AnnotationCollection (or page, or list)
    to ``debate`` as ``user``'s own. Targets and linked claims are our URLs
    (as the export writes them) of this debate's sources and claims."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormatError(
            f"not valid JSON: {exc.msg}", location=f"line {exc.lineno}"
        ) from exc
    items = _items(data)
    # PostgreSQL keeps neither NUL characters nor unpaired surrogates.
    flat = "\n".join(_strings(data))
    if "\x00" in flat:
        raise FormatError("the file contains a NUL character", location="$")
    try:
        flat.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise FormatError("the file is not valid Unicode", location="$") from exc
    if len(items) > ANNOTATIONS_MAX:
        raise FormatError(
            f"{len(items):,} annotations; the limit is {ANNOTATIONS_MAX:,}",
            location="$",
        )
    created = []
    for where, item in items:
        if not isinstance(item, dict):
            raise FormatError("expected an annotation object", location=where)
        target = item.get("target")
        host = ""
        if isinstance(target, dict) and isinstance(target.get("source"), str):
            host = urlsplit(target["source"]).netloc
        site = _AnyHost(host) if host else (request or site_urls())
        try:
            data = w3c.w3c_to_annotation_input(site, debate, item)
            created.append(annotation_add(user=user, debate=debate, **data))
        except ValidationError as exc:
            raise FormatError(" ".join(_messages(exc)), location=where) from exc
    return created


def _strings(data):
    """Every string (keys too) in parsed JSON."""
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            yield value
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [
            f"{field}: {' '.join(str(m) for m in errors)}"
            for field, errors in exc.message_dict.items()
        ]
    return [str(m) for m in exc.messages]


# --- Import jobs (large files, Celery) -------------------------------------------


def _job_key(job_id: str) -> str:
    return f"interchange:job:{job_id}"


def job_state(job_id: str) -> dict | None:
    return cache.get(_job_key(job_id))


def _job_update(job_id: str, **changes) -> dict:
    state = {**(cache.get(_job_key(job_id)) or {}), **changes}
    cache.set(_job_key(job_id), state, timeout=JOB_TIMEOUT)
    return state


def import_job_start(*, owner, text: str, format: str) -> str:
    """Queue the import of a large file; the page polls ``job_state``."""
    job_id = uuid.uuid4().hex
    _job_update(
        job_id,
        owner_id=owner.pk,
        format=format,
        status="queued",
        progress=0,
        message="Waiting for a worker.",
        slug="",
    )
    cache.set(f"{_job_key(job_id)}:text", text, timeout=JOB_TIMEOUT)
    from deliberation.tasks import import_debate_file

    transaction.on_commit(lambda: import_debate_file.delay(job_id))
    return job_id


def import_job_run(job_id: str) -> dict:
    """The worker's side: parse, write in one transaction, record the outcome."""
    from django.contrib.auth import get_user_model

    state = job_state(job_id)
    text = cache.get(f"{_job_key(job_id)}:text")
    if state is None or text is None:
        return {"status": "missing"}
    owner = get_user_model().objects.filter(pk=state["owner_id"]).first()
    _job_update(job_id, status="running", progress=10, message="Reading the file.")
    try:
        document = parse_document(text, state["format"])
        _job_update(
            job_id,
            progress=50,
            message=f"Writing {sum(1 for _ in document.claims()):,} claims.",
        )
        debate = debate_import_document(owner=owner, document=document)
    except FormatError as error:
        state = _job_update(
            job_id, status="failed", progress=100, message=str(error), slug=""
        )
    except Exception:
        # The page must not wait for ever; the worker logs the error.
        _job_update(
            job_id,
            status="failed",
            progress=100,
            message="The import failed on the server; nothing was imported.",
        )
        raise
    else:
        state = _job_update(
            job_id,
            status="done",
            progress=100,
            message=f"Imported {debate.claims.count():,} claims.",
            slug=debate.slug,
        )
    cache.delete(f"{_job_key(job_id)}:text")
    return state
