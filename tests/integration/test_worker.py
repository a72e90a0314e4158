"""Tasks enqueued in a transaction run in a real worker only once it commits."""

import time
import uuid

import pytest
from django.core.cache import cache
from django.db import transaction

from deliberation.tasks import worker_ping
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def ran(token):
    return cache.get(f"worker-ping:{token}") == "done"


def test_task_runs_only_after_commit(celery_worker):
    token = uuid.uuid4().hex
    with transaction.atomic():
        worker_ping.delay_on_commit(token)
        time.sleep(1.5)  # an idle, ready worker would have run it by now
        assert not ran(token)
    assert wait_for(lambda: ran(token), timeout=20)


def test_task_never_runs_after_rollback(celery_worker):
    rolled_back, marker = uuid.uuid4().hex, uuid.uuid4().hex

    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), transaction.atomic():
        worker_ping.delay_on_commit(rolled_back)
        raise Rollback
    # The worker is solo and FIFO: once the marker ran, anything sent before did.
    worker_ping.delay(marker)
    assert wait_for(lambda: ran(marker), timeout=20)
    assert not ran(rolled_back)
