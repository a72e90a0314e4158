"""The report's PDF, made in the background: a moderator asks for it, a
worker makes it (task ``deliberation.render_report``, carried by the outbox
like every task), its page shows the progress, and the PDF is kept until the
debate changes (``selectors.results.report_version``): asking again for the
same version gives the same job, and its PDF at once once done.

A run renders, then stores the PDF with the job's "done" mark; a worker killed
mid-run leaves the job running, the outbox delivers it again and the next run
starts afresh (rendering twice is harmless). A job whose runs were cut off
REPORT_JOB_MAX_RUNS times is marked failed; asking again tries once more.
"""

import logging
import uuid

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from deliberation import outbox
from deliberation.models import Debate, ReportJob
from deliberation.pdf import PDFUnavailable
from deliberation.reports import report_pdf
from deliberation.selectors.results import report_version
from deliberation.services.common import check_moderator

logger = logging.getLogger(__name__)

RENDER_TASK = "deliberation.render_report"


def report_job_start(*, user, debate: Debate) -> ReportJob:
    """The job making the PDF of ``debate`` as it is now: the one already
    asked for (queued, running or done), or a new one (a failed one is tried
    again). Older versions' jobs (and their PDFs) go."""
    check_moderator(
        user, debate, "Only the debate's owner and moderators may see this."
    )
    version = report_version(debate)
    with transaction.atomic():
        job = (
            ReportJob.objects.defer("pdf")
            .select_for_update()
            .filter(debate=debate, version=version)
            .first()
        )
        if job is not None and job.status != ReportJob.Status.FAILED:
            return job
        ReportJob.objects.filter(debate=debate).exclude(version=version).delete()
        if job is None:
            try:
                with transaction.atomic():
                    job = ReportJob.objects.create(
                        debate=debate,
                        version=version,
                        requested_by=user,
                        message="Waiting for a worker.",
                    )
            except IntegrityError:  # a concurrent request made it
                return ReportJob.objects.defer("pdf").get(
                    debate=debate, version=version
                )
        else:
            _set(
                job,
                status=ReportJob.Status.QUEUED,
                progress=0,
                attempts=0,
                message="Waiting for a worker.",
                requested_by=user,
                finished_at=None,
            )
        outbox.enqueue(RENDER_TASK, str(job.pk))
    return job


def _set(job: ReportJob, **fields) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    ReportJob.objects.filter(pk=job.pk).update(**fields)


def report_job_run(job_id: str) -> str:
    """The worker's side: render the PDF, telling the job's row each step,
    then store it with the "done" mark. Returns the job's status."""
    try:
        job_id = uuid.UUID(str(job_id))
    except ValueError:
        return "missing"
    job = ReportJob.objects.defer("pdf").select_related("debate").filter(pk=job_id)
    job = job.first()
    if job is None:
        return "missing"
    if not job.in_progress:
        return job.status  # a delivery after the job ended
    if job.attempts >= settings.REPORT_JOB_MAX_RUNS:
        _set(
            job,
            status=ReportJob.Status.FAILED,
            finished_at=timezone.now(),
            message=f"The PDF was stopped {job.attempts} times before it was "
            "finished (a worker stopped, or it ran past the time limit).",
        )
        return job.status
    _set(
        job,
        status=ReportJob.Status.RUNNING,
        attempts=job.attempts + 1,
        progress=10,
        message="Starting.",
    )
    try:
        pdf = report_pdf(
            job.debate,
            progress=lambda percent, message: _set(
                job, progress=percent, message=message
            ),
        )
    except PDFUnavailable as error:
        _set(
            job,
            status=ReportJob.Status.FAILED,
            finished_at=timezone.now(),
            message=str(error)[:500],
        )
        return job.status
    except Exception:
        # The page must not wait for ever; the worker's log has the error.
        logger.exception("report job %s failed", job.pk)
        _set(
            job,
            status=ReportJob.Status.FAILED,
            finished_at=timezone.now(),
            message="The PDF could not be made on the server.",
        )
        return job.status
    _set(
        job,
        status=ReportJob.Status.DONE,
        progress=100,
        pdf=pdf,
        finished_at=timezone.now(),
        message=f"Ready ({len(pdf) / 1024:.0f} KB).",
    )
    return job.status
