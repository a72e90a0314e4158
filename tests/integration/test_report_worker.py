"""The report's PDF made by a real Celery worker: the page asks for it, the
worker renders it (WeasyPrint) while the page follows the job's row, and the
download is the stored PDF; asked again unchanged, nothing is rendered."""

import pytest
from django.test import Client

from deliberation.models import OutboxMessage, ReportJob
from tests.integration.conftest import wait_for
from tests.results.helpers import make_class

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,  # a Celery worker process
]


def test_the_worker_makes_the_pdf_and_the_page_follows_it(celery_worker):
    klass = make_class(2)
    slug = klass.debate.slug
    client = Client()
    client.force_login(klass.teacher)

    asked = client.post(f"/d/{slug}/report/pdf/")

    assert asked.status_code == 302
    job = ReportJob.objects.defer("pdf").get(debate=klass.debate)

    def done():
        job.refresh_from_db(fields=["status", "progress", "attempts"])
        return job.status == "done"

    assert wait_for(done, timeout=90, interval=0.5)
    assert (job.progress, job.attempts) == (100, 1)
    page = client.get(f"/d/{slug}/report/pdf/").content.decode()
    assert "Download the PDF" in page
    assert '<meta http-equiv="refresh"' not in page
    download = client.get(f"/d/{slug}/report.pdf")
    assert download.status_code == 200
    assert download.content.startswith(b"%PDF-")

    client.post(f"/d/{slug}/report/pdf/")  # unchanged: the same job, kept
    assert ReportJob.objects.get(debate=klass.debate).pk == job.pk
    assert OutboxMessage.objects.filter(task="deliberation.render_report").count() == 1
