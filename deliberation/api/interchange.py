"""API for interchange: import a debate from a file (at once, or as an import
job with ``Prefer: respond-async``), export one in a format, import
annotations into a debate. Bad files are 400 with ``location`` (a line or JSON
path) and ``reason``; nothing is half-imported (one transaction)."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from claims.formats.document import FormatError
from deliberation.api.idempotency import idempotent
from deliberation.api.views import FORBIDDEN, NOT_FOUND, ApiView
from deliberation.downloads import streamed_download
from deliberation.models import ImportJob
from deliberation.selectors.debates import debate_for
from deliberation.selectors.interchange import (
    EXPORT_FORMATS,
    debate_export_chunks,
    export_filename,
    import_job_for,
)
from deliberation.services.interchange import (
    IMPORT_FORMATS,
    annotations_import,
    debate_import_file,
    import_job_start,
    upload_text,
)


class FormatErrorSerializer(serializers.Serializer):
    location = serializers.CharField(
        help_text="Where: ``line 12``, a JSON path such as ``$.nodes[3]``, "
        "``file`` or ``format``."
    )
    reason = serializers.CharField()


FORMAT_ERROR = OpenApiResponse(
    response=FormatErrorSerializer,
    description="The file cannot be imported (nothing was): where and why.",
)


def format_error_response(error: FormatError) -> Response:
    return Response(
        {"location": error.location, "reason": error.message},
        status=status.HTTP_400_BAD_REQUEST,
    )


def _upload(request) -> str:
    upload = request.FILES.get("file")
    if upload is None:
        raise FormatError(
            "attach the file as 'file' (multipart/form-data)", location="file"
        )
    return upload_text(upload)


class DebateImportSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=list(IMPORT_FORMATS))
    file = serializers.FileField()


class DebateImportedSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    question = serializers.CharField()
    claims = serializers.IntegerField()
    sources = serializers.IntegerField()


class ImportJobSerializer(serializers.Serializer):
    """An import job: a large file imported by a worker into a new debate."""

    id = serializers.CharField(help_text="The job's id (32 hex digits).")
    url = serializers.CharField(help_text="This job in the API (poll it).")
    page = serializers.CharField(help_text="This job's page on the site.")
    status = serializers.ChoiceField(choices=ImportJob.Status.choices)
    progress = serializers.IntegerField(min_value=0, max_value=100)
    message = serializers.CharField(
        allow_blank=True, help_text="Where it is, or why it failed, for a person."
    )
    format = serializers.CharField()
    filename = serializers.CharField(allow_blank=True)
    error = FormatErrorSerializer(
        allow_null=True, help_text="Bad input: where and why (status failed)."
    )
    debate = serializers.SlugField(
        allow_null=True, help_text="The new debate's slug once done."
    )
    created = serializers.DateTimeField()
    started = serializers.DateTimeField(
        allow_null=True, help_text="When its last run started."
    )
    finished = serializers.DateTimeField(allow_null=True)


def import_job_data(request, job: ImportJob) -> dict:
    error = None
    if job.error:
        error = {"location": job.error_location, "reason": job.error}
    data = {
        "id": job.pk.hex,
        "url": request.build_absolute_uri(
            reverse("api-import-job", kwargs={"job": job.pk.hex})
        ),
        "page": request.build_absolute_uri(
            reverse("debate_import_job", kwargs={"job": job.pk.hex})
        ),
        "status": job.status,
        "progress": job.progress,
        "message": job.message,
        "format": job.format,
        "filename": job.filename,
        "error": error,
        "debate": job.debate.slug if job.debate_id else None,
        "created": job.created,
        "started": job.started_at,
        "finished": job.finished_at,
    }
    return ImportJobSerializer(data).data


def _wants_async(request) -> bool:
    """RFC 7240: ``Prefer: respond-async`` asks for a job instead of a wait."""
    preferences = request.headers.get("Prefer", "").lower().replace(" ", "")
    return "respond-async" in preferences.split(",")


class DebateImportView(ApiView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]
    throttle_scope = "debates"

    @extend_schema(
        summary="Import a debate from a file",
        description="Upload a Kialo text export (either generation), an Argdown "
        "file or AIF JSON as ``file`` with its ``format``: a new debate owned by "
        "the requester. Files are at most INTERCHANGE_IMPORT_MAX_BYTES (10 MB by "
        "default) and INTERCHANGE_IMPORT_MAX_CLAIMS claims. With the header "
        "``Prefer: respond-async`` the file is imported by a worker: the answer "
        "is 202 with the import job (also at ``Location``), which tells its "
        "progress and, once done, the new debate.",
        parameters=[
            OpenApiParameter(
                "Prefer",
                str,
                location=OpenApiParameter.HEADER,
                enum=["respond-async"],
                description="``respond-async``: import in the background (202).",
            )
        ],
        request={"multipart/form-data": DebateImportSerializer},
        responses={
            201: DebateImportedSerializer,
            202: ImportJobSerializer,
            400: FORMAT_ERROR,
            401: FORBIDDEN,
        },
    )
    @idempotent
    def post(self, request):
        format = request.data.get("format")
        if format not in IMPORT_FORMATS:
            return format_error_response(
                FormatError(
                    f"choose a format: {', '.join(IMPORT_FORMATS)}", location="format"
                )
            )
        try:
            text = _upload(request)
            if _wants_async(request):
                job = import_job_start(
                    owner=request.user,
                    text=text,
                    format=format,
                    filename=request.FILES["file"].name,
                )
                data = import_job_data(request, job)
                return Response(
                    data,
                    status=status.HTTP_202_ACCEPTED,
                    headers={
                        "Location": data["url"],
                        "Preference-Applied": "respond-async",
                    },
                )
            debate = debate_import_file(owner=request.user, text=text, format=format)
        except FormatError as error:
            return format_error_response(error)
        data = {
            "slug": debate.slug,
            "question": debate.question,
            "claims": debate.claims.count(),
            "sources": debate.sources.count(),
        }
        return Response(DebateImportedSerializer(data).data, status=201)


class ImportJobView(ApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="An import job",
        description="The requester's own import job (from ``POST "
        "/debates/import/`` with ``Prefer: respond-async``, or the Import page): "
        "``queued``, ``running`` (with ``progress``), ``done`` (with the new "
        "``debate``) or ``failed`` (with the ``error`` in the file, or the "
        "reason in ``message``; nothing was imported). Others' jobs are 404.",
        responses={200: ImportJobSerializer, 401: FORBIDDEN, 404: NOT_FOUND},
    )
    def get(self, request, job):
        return Response(import_job_data(request, import_job_for(request.user, job)))


class DebateExportView(ApiView):
    # ``?format=`` names the file format here, not a DRF renderer.
    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        summary="Export a debate",
        description="The debate as the requester may see it, as a file: "
        "``kialo`` (text, newer form; ``generation=older`` for one line per "
        "claim), ``argdown``, ``aif`` (JSON), ``annotations`` (a W3C "
        "AnnotationCollection of the annotations the requester may see) or "
        "``csv`` (claims with number, stance, text, author, tallies).",
        parameters=[
            OpenApiParameter(
                "format",
                str,
                required=True,
                enum=list(EXPORT_FORMATS),
                description="The file format.",
            ),
            OpenApiParameter(
                "generation",
                str,
                enum=["newer", "older"],
                description="Kialo only; ``newer`` by default.",
            ),
        ],
        responses={
            (200, "text/plain"): OpenApiTypes.STR,
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "text/csv"): OpenApiTypes.STR,
            (200, "application/ld+json"): OpenApiTypes.OBJECT,
            400: FORMAT_ERROR,
            404: NOT_FOUND,
        },
    )
    def get(self, request, slug):
        debate = debate_for(request.user, slug)
        format = request.query_params.get("format", "")
        generation = request.query_params.get("generation", "newer")
        if format not in EXPORT_FORMATS:
            return format_error_response(
                FormatError(
                    f"choose a format: {', '.join(EXPORT_FORMATS)}", location="format"
                )
            )
        if generation not in ("newer", "older"):
            return format_error_response(
                FormatError("newer or older", location="generation")
            )
        chunks = debate_export_chunks(
            debate=debate,
            user=request.user,
            format=format,
            generation=generation,
            request=request,
        )
        return streamed_download(
            request,
            chunks,
            content_type=EXPORT_FORMATS[format].media_type,
            filename=export_filename(debate, format),
        )


class AnnotationsImportSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="A W3C AnnotationCollection (JSON-LD), as the export writes it."
    )


class AnnotationsImportedSerializer(serializers.Serializer):
    imported = serializers.IntegerField()


class AnnotationsImportView(ApiView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]
    throttle_scope = "annotations"

    @extend_schema(
        summary="Import annotations into a debate",
        description="Every annotation of an uploaded W3C AnnotationCollection "
        "(or AnnotationPage, or list) becomes the requester's own in this "
        "debate. Targets and linked claims are this site's URLs of the "
        "debate's sources and claims (as the export writes them). All or none.",
        request={"multipart/form-data": AnnotationsImportSerializer},
        responses={
            201: AnnotationsImportedSerializer,
            400: FORMAT_ERROR,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    @idempotent
    def post(self, request, slug):
        debate = debate_for(request.user, slug)
        try:
            created = annotations_import(
                user=request.user, debate=debate, text=_upload(request), request=request
            )
        except FormatError as error:
            return format_error_response(error)
        return Response({"imported": len(created)}, status=201)
