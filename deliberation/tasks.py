"""Celery tasks: thin wrappers that take ids and call a service.

Tasks that services ask for go through the outbox (deliberation/outbox.py):
they are declared with ``outbox_task`` and enqueued with ``outbox.enqueue``.
Services enqueue tasks by name (this module imports the services, not the
reverse); DeliberationConfig.ready imports this module in every process, so
the outbox's send finds each task in ``app.tasks``. The outbox's sweep is
not a task: it runs in a process of its own (``manage.py outbox_sweep
--loop``), so it goes on when no worker runs.
"""

from celery import shared_task
from django.core.cache import cache

from claims import services as claim_services
from claims.models import Claim, Source
from deliberation import outbox
from deliberation.models import Debate, Snapshot
from deliberation.services.analysis import analysis_run
from deliberation.services.classroom import scheduled_phases_apply
from deliberation.services.interchange import import_job_run
from deliberation.services.privacy import purge_expired as purge
from deliberation.services.reports import report_job_run


@shared_task(name="deliberation.worker_ping")
def worker_ping(token: str) -> None:
    """Record that a worker ran; lets operators and tests see a live worker."""
    cache.set(f"worker-ping:{token}", "done", timeout=300)


# Re-anchoring runs in one transaction with its outbox message marked done:
# a worker killed mid-way leaves nothing, and the redelivery applies it once.


@outbox.outbox_task(name="deliberation.reanchor_source")
def reanchor_source(source_id: int) -> dict:
    """Re-anchor a source's citations and annotations in its current text."""
    source = Source.objects.filter(pk=source_id).first()
    if source is None:  # deleted since the edit
        return {}
    return dict(claim_services.source_reanchor(source=source))


@outbox.outbox_task(name="deliberation.reanchor_claim")
def reanchor_claim(claim_id: int) -> dict:
    """Re-anchor the annotations on a claim's text in its current text."""
    claim = Claim.objects.filter(pk=claim_id).first()
    if claim is None:
        return {}
    return dict(claim_services.claim_reanchor(claim=claim))


# An analysis commits its progress as it goes, so it is not one transaction;
# it is idempotent instead: a redelivered run reruns into the same snapshot,
# and a snapshot already done is left alone.


@outbox.outbox_task(name="deliberation.analyze_debate", atomic=False)
def analyze_debate(debate_id: int, snapshot_id: int | None = None) -> dict:
    """Run the opinion analysis of a debate and store a snapshot."""
    debate = Debate.objects.filter(pk=debate_id).first()
    if debate is None:  # deleted since the request
        return {}
    snapshot = Snapshot.objects.filter(pk=snapshot_id, debate=debate).first()
    if snapshot is not None and snapshot.status == Snapshot.Status.DONE:
        return {"snapshot": snapshot.pk, "status": snapshot.status}
    snapshot = analysis_run(debate=debate, snapshot=snapshot)
    return {"snapshot": snapshot.pk, "status": snapshot.status}


# Idempotent (each scheduled row is applied once, under a row lock), so beat
# may run it every few seconds and two workers may race it.


@shared_task(name="deliberation.apply_scheduled_phases")
def apply_scheduled_phases() -> int:
    return scheduled_phases_apply()


# Purging is idempotent (a debate already purged is no longer found), so a
# redelivered or repeated run is harmless: acknowledge late.


@shared_task(name="deliberation.purge_expired", acks_late=True)
def purge_expired() -> dict:
    """Purge closed debates past their retention period (Celery beat)."""
    return purge()


# An import job commits its progress as it goes, so it is not one transaction
# with its message; it applies its effect once by itself: the debate is
# written in one transaction with the job's "done" mark, a run holds the job's
# lock while it runs, and a job already ended is left alone.


@outbox.outbox_task(name="deliberation.import_debate_file", atomic=False)
def import_debate_file(job_id: str) -> str:
    """Import an uploaded file (an ImportJob) into a new debate."""
    return import_job_run(job_id)


# Like an import job: the PDF is stored with the job's "done" mark, a job
# already ended is left alone, and a redelivered run renders afresh.


@outbox.outbox_task(name="deliberation.render_report", atomic=False)
def render_report(job_id: str) -> str:
    """Make the PDF of a debate's report (a ReportJob)."""
    return report_job_run(job_id)
