"""Purging closed debates past their retention: idempotent, and debates not
yet due are left alone."""

from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from claims.models import Annotation, Citation, Claim, Source
from claims.services import citation_create
from deliberation import tasks
from deliberation.models import Debate, Membership, Vote
from deliberation.services.privacy import debates_due, purge_expired
from tests.results.helpers import contribute, guest, make_class

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def _closed_class(days_ago, retention, *, code):
    klass = make_class(2, join_code=code)
    Debate.objects.filter(pk=klass.debate.pk).update(
        phase=Debate.Phase.CLOSED,
        closed_at=NOW - timedelta(days=days_ago) if days_ago is not None else None,
        retention_days=retention,
    )
    for user, _ in klass.pupils:
        contribute(klass, user, claims=1, evidence=1, comments=1, vote="agree")
        Client().force_login(user)
    citation_create(claim=klass.thesis, source=klass.source, quote="Crime fell")
    return klass


def _pupil_ids(klass):
    return [u.pk for u, _ in klass.pupils]


@pytest.fixture
def classes():
    return {
        "due": _closed_class(10, 7, code="DUE234"),
        "just_due": _closed_class(7, 7, code="JST234"),
        "not_yet": _closed_class(6, 7, code="NYT234"),
        "kept": _closed_class(400, None, code="KPT234"),
        "open": _closed_class(None, 1, code="OPN234"),
    }


def test_purge_deletes_due_debates_with_their_guests_twice_the_same(classes):
    due = [classes["due"], classes["just_due"]]
    untouched = [classes[k] for k in ("not_yet", "kept", "open")]
    copy = Debate.objects.create(
        slug="due-copy", question="Q", parent=classes["due"].debate
    )
    copy_user, _ = guest(copy, 9)
    before = {
        "claims": Claim.objects.filter(
            debate__in=[k.debate for k in untouched]
        ).count(),
        "votes": Vote.objects.filter(
            claim__debate__in=[k.debate for k in untouched]
        ).count(),
    }

    first = purge_expired(now=NOW)
    state = (
        sorted(Debate.objects.values_list("slug", flat=True)),
        get_user_model().objects.count(),
        Session.objects.count(),
        Claim.objects.count(),
    )
    second = purge_expired(now=NOW)

    assert first == {
        "debates": 2,
        "guests": 5,
        "sessions": 4,
        "idempotency_keys": 0,
        "import_jobs": 0,
    }
    assert second == {
        "debates": 0,
        "guests": 0,
        "sessions": 0,
        "idempotency_keys": 0,
        "import_jobs": 0,
    }
    assert state == (
        sorted(Debate.objects.values_list("slug", flat=True)),
        get_user_model().objects.count(),
        Session.objects.count(),
        Claim.objects.count(),
    )
    gone = [k.debate.pk for k in due] + [copy.pk]
    assert not Debate.objects.filter(pk__in=gone).exists()
    ids = sum((_pupil_ids(k) for k in due), []) + [copy_user.pk]
    assert not get_user_model().objects.filter(pk__in=ids).exists()
    # The teachers keep their accounts.
    assert get_user_model().objects.filter(pk=due[0].teacher.pk).exists()
    assert not Source.objects.filter(debate_id__in=gone).exists()
    assert not Annotation.objects.filter(debate_id__in=gone).exists()
    assert not Citation.objects.filter(source__debate_id__in=gone).exists()
    for klass in untouched:
        assert Debate.objects.filter(pk=klass.debate.pk).exists()
        assert (
            Membership.objects.filter(user_id__in=_pupil_ids(klass), guest=True).count()
            == 2
        )
    assert {
        "claims": Claim.objects.filter(
            debate__in=[k.debate for k in untouched]
        ).count(),
        "votes": Vote.objects.filter(
            claim__debate__in=[k.debate for k in untouched]
        ).count(),
    } == before
    assert Session.objects.count() == 6  # the pupils of the untouched classes


def test_due_is_closing_time_plus_retention(classes):
    assert {d.slug for d in debates_due(now=NOW)} == {
        classes["due"].debate.slug,
        classes["just_due"].debate.slug,
    }
    later = NOW + timedelta(days=1)
    assert {d.slug for d in debates_due(now=later)} == {
        classes[k].debate.slug for k in ("due", "just_due", "not_yet")
    }


def test_command_and_task_purge_and_say_how_much(classes):
    dry = StringIO()
    call_command("purge_expired", "--dry-run", stdout=dry)
    assert Debate.objects.filter(pk=classes["due"].debate.pk).exists()
    out = StringIO()

    call_command("purge_expired", stdout=out)

    assert sorted(dry.getvalue().split()) == sorted(
        ["due:", classes["due"].debate.slug, "due:", classes["just_due"].debate.slug]
    )
    assert out.getvalue() == (
        "purged 2 debate(s), 4 guest account(s), 4 session(s), "
        "0 idempotency key(s), 0 import job(s)\n"
    )
    assert tasks.purge_expired() == {
        "debates": 0,
        "guests": 0,
        "sessions": 0,
        "idempotency_keys": 0,
        "import_jobs": 0,
    }


def test_beat_runs_the_purge_hourly():
    entries = [
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "deliberation.purge_expired"
    ]
    assert entries == [{"task": "deliberation.purge_expired", "schedule": 3600.0}]
    assert tasks.purge_expired.name == "deliberation.purge_expired"
