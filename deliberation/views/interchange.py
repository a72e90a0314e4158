"""Pages for interchange: the upload page (small files import at once, large
ones become an import job, run by a worker, whose page refreshes until done)
and the download of a debate in a format (the menu on every debate page)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render

from claims.formats.document import FormatError
from config.throttling import throttled
from deliberation.downloads import streamed_download
from deliberation.selectors import debate_for_viewer
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
    import_max_bytes,
    upload_text,
)
from deliberation.views.idempotency import idempotent_form


class AnnotationsImportForm(forms.Form):
    file = forms.FileField(label="W3C annotations (JSON-LD)")


class ImportForm(forms.Form):
    format = forms.ChoiceField(choices=list(IMPORT_FORMATS.items()))
    file = forms.FileField()


@login_required
@throttled("debates")
@idempotent_form
def debate_import_page(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    error = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        format = form.cleaned_data["format"]
        try:
            text = upload_text(upload)
            if upload.size > settings.INTERCHANGE_INLINE_MAX_BYTES:
                job = import_job_start(
                    owner=request.user, text=text, format=format, filename=upload.name
                )
                return redirect("debate_import_job", job=job.pk.hex)
            debate = debate_import_file(owner=request.user, text=text, format=format)
        except FormatError as exc:
            error = exc
        else:
            messages.success(
                request, f"Imported {debate.claims.count():,} claims into a new debate."
            )
            return redirect("debate_detail", slug=debate.slug)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "deliberation/import.html",
        {
            "form": form,
            "error": error,
            "max_mb": import_max_bytes() / 1_000_000,
        },
        status=status,
    )


@login_required
def debate_import_job(request, job):
    found = import_job_for(request.user, job)
    return render(
        request,
        "deliberation/import_job.html",
        {"job": found, "in_progress": found.in_progress},
    )


def debate_download(request, slug, format):
    debate = debate_for_viewer(slug=slug, user=request.user)
    if debate is None or format not in EXPORT_FORMATS:
        raise Http404("No such debate or format.")
    generation = "older" if request.GET.get("generation") == "older" else "newer"
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


@login_required
@throttled("annotations")
@idempotent_form
def annotations_import_page(request, slug):
    """Upload a W3C AnnotationCollection (as the Download menu writes it) into
    this debate: every annotation becomes the uploader's own, all or none."""
    debate = debate_for_viewer(slug=slug, user=request.user)
    if debate is None:
        raise Http404("No such debate.")
    form = AnnotationsImportForm(request.POST or None, request.FILES or None)
    error = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            created = annotations_import(
                user=request.user,
                debate=debate,
                text=upload_text(upload),
                request=request,
            )
        except FormatError as exc:
            error = exc
        else:
            messages.success(request, f"Imported {len(created):,} annotation(s).")
            return redirect("debate_detail", slug=debate.slug)
    return render(
        request,
        "deliberation/annotations_import.html",
        {"debate": debate, "form": form, "error": error},
        status=400 if request.method == "POST" else 200,
    )
