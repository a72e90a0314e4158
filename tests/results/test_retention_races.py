"""Two purges at once (beat's hourly task and an operator's command, say), on
PostgreSQL: each due debate is purged by one of them, and counted once."""

import threading
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from deliberation.models import Debate
from deliberation.services import privacy
from tests.results.helpers import contribute, make_class

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

NOW = timezone.now()


def test_two_purges_at_once_count_each_debate_once(monkeypatch):
    classes = [make_class(2, join_code=f"RAC{i}34") for i in range(4)]
    for klass in classes:
        for user, _ in klass.pupils:
            contribute(klass, user, claims=1, vote="agree")
    Debate.objects.filter(pk__in=[k.debate.pk for k in classes]).update(
        phase=Debate.Phase.CLOSED,
        closed_at=NOW - timedelta(days=10),
        retention_days=7,
    )
    users_before = get_user_model().objects.count()
    # Both runs list the due debates before either deletes one.
    listed = threading.Barrier(2)
    debates_due = privacy.debates_due

    def due_then_wait(now=None):
        debates = debates_due(now)
        listed.wait(timeout=10)
        return debates

    monkeypatch.setattr(privacy, "debates_due", due_then_wait)
    totals, errors = [], []

    def purge():
        try:
            totals.append(privacy.purge_expired(now=NOW))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    runs = [threading.Thread(target=purge) for _ in range(2)]
    for run in runs:
        run.start()
    for run in runs:
        run.join(timeout=60)

    assert errors == []
    assert sum(t["debates"] for t in totals) == 4
    assert sum(t["guests"] for t in totals) == 8
    assert not Debate.objects.filter(pk__in=[k.debate.pk for k in classes]).exists()
    assert get_user_model().objects.count() == users_before - 8
