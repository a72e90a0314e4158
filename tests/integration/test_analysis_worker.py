"""A storm of votes makes one analysis run in a real worker."""

import pytest

from deliberation import outbox, services
from deliberation.models import Snapshot
from tests.analysis_django.test_analysis_pages import two_camps
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_a_vote_storm_makes_one_run_in_the_worker(celery_worker, settings):
    settings.ANALYSIS_MIN_INTERVAL = 2
    settings.ANALYSIS_AFTER_VOTES = True
    debate, claims, hidden, users = two_camps()
    for user in users:  # each vote commits on its own
        services.vote_cast(user=user, claim=claims[8], stance="pass")
    snapshots = Snapshot.objects.filter(debate=debate)

    def swept_and_done():
        # The run is scheduled in the outbox: the sweep sends it once due
        # (what the sweep process does every OUTBOX_SWEEP_INTERVAL seconds).
        outbox.sweep()
        return snapshots.filter(status=Snapshot.Status.DONE).exists()

    assert wait_for(swept_and_done, timeout=30, interval=0.5)
    assert snapshots.count() == 1
    result = snapshots.get().result
    assert result["participants"] == 20 and result["k"] == 2
