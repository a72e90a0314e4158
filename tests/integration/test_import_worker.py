"""A large upload imports in a real Celery worker; the progress page follows
the job (kept in the cache, Redis) until the debate is there."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from deliberation.models import Debate
from deliberation.services.interchange import job_state
from tests.factories import UserFactory
from tests.integration.conftest import wait_for
from tests.interchange.conftest import sample

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_large_upload_is_imported_by_the_worker(celery_worker, settings):
    settings.INTERCHANGE_INLINE_MAX_BYTES = 10
    user = UserFactory()
    client = Client()
    client.force_login(user)
    upload = SimpleUploadedFile("k.txt", sample("kialo_newer.txt").encode())
    response = client.post(
        reverse("debate_import"), {"format": "kialo", "file": upload}
    )
    assert response.status_code == 302
    job = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    assert wait_for(lambda: job_state(job)["status"] == "done", timeout=30)
    debate = Debate.objects.get(owner=user)
    assert debate.claims.count() == 5
    page = client.get(response["Location"]).content.decode()
    assert reverse("debate_detail", kwargs={"slug": debate.slug}) in page
    assert '<meta http-equiv="refresh"' not in page
