"""Imports from the interchange formats (claims/formats/): a new debate from a
Kialo, Argdown or AIF file, or annotations into a debate from a W3C
AnnotationCollection. All or nothing: one transaction, and bad input is a
FormatError naming the line (or JSON path) and the reason.

Large files are import jobs: an ImportJob row run by a worker through the
outbox (task ``deliberation.import_debate_file``), whose page and API read
the row."""

import json
import logging
import uuid
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import connection, transaction
from django.utils import timezone

from claims.formats import safejson
from claims.formats.aif import parse_aif
from claims.formats.argdown import parse_argdown
from claims.formats.document import DebateDocument, FormatError
from claims.formats.kialo import parse_kialo
from claims.models import Citation
from deliberation import outbox
from deliberation.formats import w3c
from deliberation.models import Debate, ImportJob
from deliberation.selectors.debates import claims_shown_to
from deliberation.selectors.interchange import SiteUrls, site_urls
from deliberation.services.annotations import annotation_add
from deliberation.services.debates import citation_add, debate_import

PARSERS = {"kialo": parse_kialo, "argdown": parse_argdown, "aif": parse_aif}
IMPORT_FORMATS = {
    "kialo": "Kialo text (.txt)",
    "argdown": "Argdown (.argdown)",
    "aif": "AIF JSON (.json)",
}

logger = logging.getLogger(__name__)


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


def _check_text(text: str) -> None:
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise FormatError("the file contains a NUL character", location=f"line {line}")


def parse_document(text: str, format: str) -> DebateDocument:
    parser = PARSERS.get(format)
    if parser is None:
        raise FormatError(
            f"unknown format {format!r}: use one of {', '.join(PARSERS)}",
            location="format",
        )
    _check_text(text)
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
    (as the export writes them) of this debate's sources and claims. A
    citation (``w3c.citation_to_w3c``) is the one the claim already has, or
    a new one when ``user`` may cite for the claim."""
    try:
        data = safejson.loads(text, strings=False)  # checked below
    except json.JSONDecodeError as exc:
        raise FormatError(
            f"not valid JSON: {exc.msg}", location=f"line {exc.lineno}"
        ) from exc
    except safejson.JSONRefused as exc:
        raise FormatError(f"not accepted: {exc}", location="$") from exc
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
            cited = w3c.w3c_citation_input(site, debate, item)
            if cited is not None:
                created.append(_citation_import(user=user, debate=debate, **cited))
                continue
            data = w3c.w3c_to_annotation_input(site, debate, item)
            created.append(annotation_add(user=user, debate=debate, **data))
        except ValidationError as exc:
            raise FormatError(" ".join(_messages(exc)), location=where) from exc
        except PermissionDenied as exc:
            raise FormatError(str(exc), location=where) from exc
    return created


def _citation_import(*, user, debate: Debate, claim, source, quote, start):
    """A citation read from a container: the same citation when the claim
    already cites that passage (a container imported back into its debate
    changes nothing), else a new one, as the claim's author or a moderator
    may add it."""
    if not claims_shown_to(user, debate, numbered=False).filter(pk=claim.pk).exists():
        raise ValidationError({"body": "The linked claim is not in this debate."})
    same = Citation.objects.filter(claim=claim, source=source, exact=quote)
    if start is not None:
        same = same.filter(start=start)
    return same.first() or citation_add(
        user=user, claim=claim, source=source, quote=quote, start=start
    )


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


# --- Import jobs (large files, a worker) ------------------------------------------
#
# The job is a row (ImportJob) carried by the outbox like every other task: the
# row, the file's text and the message commit together, so a broker that is
# away delays the job (the sweep sends it later) and never loses it. The
# message is acknowledged late; a worker killed mid-run leaves it to be
# delivered again, and the run after it starts afresh: the debate is written
# in one transaction with the job's "done" mark, so a killed run left nothing
# and the job is done once. A job whose runs were cut off IMPORT_JOB_MAX_RUNS
# times is marked failed instead.

IMPORT_TASK = "deliberation.import_debate_file"
# pg_advisory_lock(space, key) held by a run for its whole length (see
# _run_lock); voting's tally lock uses 7_341_001.
RUN_LOCK_SPACE = 7_341_002


@transaction.atomic
def import_job_start(*, owner, text: str, format: str, filename: str = "") -> ImportJob:
    """Queue the import of a large file by ``owner``; its page (and the API)
    read the job's row while a worker runs it."""
    if owner is None or not owner.is_authenticated:
        raise PermissionDenied("Sign in to import a debate.")
    if format not in PARSERS:
        raise FormatError(
            f"unknown format {format!r}: use one of {', '.join(PARSERS)}",
            location="format",
        )
    _check_text(text)  # a NUL cannot be stored in the row (PostgreSQL)
    job = ImportJob.objects.create(
        owner=owner,
        format=format,
        filename=filename[:255],
        size=len(text.encode("utf-8")),
        text=text,
        message="Waiting for a worker.",
    )
    outbox.enqueue(IMPORT_TASK, str(job.pk))
    return job


@contextmanager
def _run_lock(job_id: uuid.UUID):
    """One run of a job at a time: a PostgreSQL session lock, held across the
    run's commits and released when the run ends or its connection dies (a
    killed worker). A second delivery of the same job waits here, then finds
    it done or, if the first run was killed, runs it. SQLite has no such
    lock (and no second worker)."""
    if connection.vendor != "postgresql":
        yield
        return
    key = [RUN_LOCK_SPACE, job_id.int % 2**31]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", key)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)


def _job_set(job: ImportJob, **fields) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    job.save(update_fields=list(fields))


def _job_end(job: ImportJob, status: str, *, message: str, **fields) -> None:
    _job_set(
        job,
        status=status,
        progress=100,
        message=message[:500],
        text="",  # the file is not kept once the job has ended
        finished_at=timezone.now(),
        **fields,
    )


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def import_job_run(job_id: str) -> str:
    """The worker's side (task ``deliberation.import_debate_file``): parse the
    file, write the debate in one transaction with the job's "done" mark, or
    record why it failed. Returns the job's status."""
    try:
        job_id = uuid.UUID(str(job_id))
    except ValueError:
        return "missing"
    with _run_lock(job_id):
        job = ImportJob.objects.select_related("owner").filter(pk=job_id).first()
        if job is None:
            return "missing"
        if not job.in_progress:
            return job.status  # a delivery after the job ended
        if job.attempts >= settings.IMPORT_JOB_MAX_RUNS:
            _job_end(
                job,
                ImportJob.Status.FAILED,
                message=f"The import was stopped {_times(job.attempts)} before "
                "it finished (a worker stopped, or it ran past the time limit); "
                "nothing was imported.",
            )
            return job.status
        _job_set(
            job,
            status=ImportJob.Status.RUNNING,
            attempts=job.attempts + 1,
            started_at=timezone.now(),
            progress=10,
            message="Reading the file.",
        )
        try:
            document = parse_document(job.text, job.format)
            count = sum(1 for _ in document.claims())
            _job_set(job, progress=50, message=f"Writing {count:,} claims.")
            with transaction.atomic():
                debate = debate_import_document(owner=job.owner, document=document)
                _job_end(
                    job,
                    ImportJob.Status.DONE,
                    message=f"Imported {debate.claims.count():,} claims.",
                    debate=debate,
                )
        except FormatError as error:
            _job_end(
                job,
                ImportJob.Status.FAILED,
                message=str(error),
                error_location=error.location[:200],
                error=error.message,
            )
        except Exception:
            # The page must not wait for ever; the worker's log has the error.
            logger.exception("import job %s failed", job.pk)
            _job_end(
                job,
                ImportJob.Status.FAILED,
                message="The import failed on the server; nothing was imported.",
            )
        return job.status


def import_jobs_purge(now=None) -> int:
    """Forget jobs that ended more than IMPORT_JOB_KEEP_DAYS ago (their
    debates stay); how many went."""
    now = now or timezone.now()
    deleted, _ = ImportJob.objects.filter(
        status__in=[ImportJob.Status.DONE, ImportJob.Status.FAILED],
        finished_at__lte=now - timedelta(days=settings.IMPORT_JOB_KEEP_DAYS),
    ).delete()
    return deleted
