"""The transactional outbox (deliberation/outbox.py) without a broker: tasks
run in process (the embedded default) or a broker that refuses them."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from claims import services as claim_services
from claims.models import Annotation
from deliberation import outbox, services
from deliberation.models import OutboxMessage, Snapshot
from deliberation.tasks import analyze_debate, reanchor_source
from tests.factories import DebateFactory, make_source

pytestmark = pytest.mark.django_db

TEXT = "Three stations used live facial recognition. Arrests rose by a fifth."
NEW_TEXT = "In a pilot, cameras ran for a month. Arrests rose by a fifth."


@pytest.fixture
def broker_away(monkeypatch):
    """apply_async fails as it does when Redis refuses the connection."""
    tried = []

    def refuse(*args, **kwargs):
        tried.append(kwargs["task_id"])
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(reanchor_source, "apply_async", refuse)
    return tried


@pytest.fixture
def edited_source():
    """A source with two annotations, one of whose passages an edit removes."""
    debate = DebateFactory()
    source = make_source(debate, text=TEXT)
    kept = services.annotation_add(
        user=debate.owner, debate=debate, source=source, quote="Arrests rose"
    )
    gone = services.annotation_add(
        user=debate.owner, debate=debate, source=source, quote="Three stations"
    )
    return debate, source, kept, gone


def test_a_task_enqueued_in_a_rolled_back_transaction_is_never_written(
    eager_tasks, django_capture_on_commit_callbacks, edited_source
):
    debate, source, kept, gone = edited_source

    class Rollback(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Rollback),
        transaction.atomic(),
    ):
        outbox.enqueue(reanchor_source, source.pk)
        raise Rollback
    assert callbacks == []
    assert OutboxMessage.objects.count() == 0


def test_a_message_is_sent_after_commit_and_done_once_run(
    eager_tasks, django_capture_on_commit_callbacks, edited_source
):
    debate, source, kept, gone = edited_source
    with django_capture_on_commit_callbacks(execute=True):
        services.source_edit(user=debate.owner, source=source, text=NEW_TEXT)
    message = OutboxMessage.objects.get()
    assert (message.task, message.args, message.kwargs, message.attempts) == (
        "deliberation.reanchor_source",
        [source.pk],
        {},
        1,
    )
    assert message.sent_at is not None and message.done_at is not None
    assert Annotation.objects.get(pk=gone.pk).orphaned is True
    assert Annotation.objects.get(pk=kept.pk).start == NEW_TEXT.index("Arrests")


def test_with_the_broker_away_the_edit_is_kept_and_the_sweep_sends_it_later(
    eager_tasks,
    django_capture_on_commit_callbacks,
    edited_source,
    broker_away,
    monkeypatch,
    settings,
):
    debate, source, kept, gone = edited_source
    with django_capture_on_commit_callbacks(execute=True):
        services.source_edit(user=debate.owner, source=source, text=NEW_TEXT)
    source.refresh_from_db()
    message = OutboxMessage.objects.get()
    assert source.text == NEW_TEXT
    assert broker_away == [f"outbox-{message.pk}"]
    assert (message.sent_at, message.done_at, message.attempts) == (None, None, 1)
    assert "Connection refused" in message.last_error
    assert Annotation.objects.get(pk=gone.pk).orphaned is False  # not yet

    # Too young for the sweep: the send after commit may still be on its way.
    settings.OUTBOX_SWEEP_AFTER = 60
    assert outbox.sweep() == {"sent": 0, "failed": 0, "purged": 0}
    settings.OUTBOX_SWEEP_AFTER = 0
    assert outbox.sweep() == {"sent": 0, "failed": 1, "purged": 0}
    assert broker_away == [f"outbox-{message.pk}"] * 2

    monkeypatch.undo()  # the broker is back
    assert outbox.sweep() == {"sent": 1, "failed": 0, "purged": 0}
    message.refresh_from_db()
    assert message.attempts == 3 and message.last_error == ""
    assert message.sent_at is not None and message.done_at is not None
    assert Annotation.objects.get(pk=gone.pk).orphaned is True
    assert outbox.sweep() == {"sent": 0, "failed": 0, "purged": 0}


def test_the_sweep_stops_at_the_first_refused_send(broker_away, settings, eager_tasks):
    settings.OUTBOX_SWEEP_AFTER = 0
    debate = DebateFactory()
    source = make_source(debate, text=TEXT)
    with transaction.atomic():
        for _ in range(3):
            outbox.enqueue(reanchor_source, source.pk)
    broker_away.clear()
    assert outbox.sweep() == {"sent": 0, "failed": 1, "purged": 0}
    assert len(broker_away) == 1
    assert OutboxMessage.objects.filter(sent_at=None).count() == 3


def test_a_redelivered_message_applies_its_effect_once(
    eager_tasks, monkeypatch, edited_source, django_capture_on_commit_callbacks
):
    debate, source, kept, gone = edited_source
    runs = []
    reanchor = claim_services.source_reanchor
    monkeypatch.setattr(
        claim_services,
        "source_reanchor",
        lambda **kwargs: runs.append(kwargs["source"].pk) or reanchor(**kwargs),
    )
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.enqueue(reanchor_source, source.pk)
    # A duplicate send (a sweep after a lost acknowledgement) finds it done.
    assert (
        reanchor_source.apply((source.pk,), task_id=f"outbox-{message.pk}").get()
        is None
    )
    assert runs == [source.pk]
    # Called without an outbox message, the task simply runs.
    assert reanchor_source.apply((source.pk,)).get() == {}  # nothing stale
    assert runs == [source.pk, source.pk]


def test_a_task_that_fails_leaves_its_message_to_be_retried(
    eager_tasks, monkeypatch, edited_source, django_capture_on_commit_callbacks
):
    debate, source, kept, gone = edited_source

    def fail(**kwargs):
        Annotation.objects.filter(pk=kept.pk).update(exact="half-written")
        raise RuntimeError("worker fell over")

    monkeypatch.setattr(claim_services, "source_reanchor", fail)
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.enqueue(reanchor_source, source.pk)
    message.refresh_from_db()
    assert (message.sent_at, message.done_at, message.attempts) == (None, None, 1)
    assert "worker fell over" in message.last_error
    assert Annotation.objects.get(pk=kept.pk).exact == "Arrests rose"  # rolled back


def test_analysis_after_votes_is_one_run_into_the_queued_snapshot(
    eager_tasks, settings, django_capture_on_commit_callbacks
):
    from tests.analysis_django.test_analysis_pages import two_camps

    settings.ANALYSIS_AFTER_VOTES = True
    debate, claims, hidden, users = two_camps()
    with django_capture_on_commit_callbacks(execute=True):
        services.vote_cast(user=users[0], claim=claims[0], stance="pass")
        services.vote_cast(user=users[1], claim=claims[0], stance="pass")
    snapshot = Snapshot.objects.get(debate=debate)
    message = OutboxMessage.objects.get()
    assert (snapshot.status, message.key, message.kwargs) == (
        Snapshot.Status.DONE,
        "",
        {"snapshot_id": snapshot.pk},
    )
    seconds = snapshot.seconds
    # Delivered again: the snapshot is done, nothing runs or is added.
    analyze_debate.apply((debate.pk,), {"snapshot_id": snapshot.pk}, task_id="x")
    analyze_debate.apply(
        (debate.pk,), {"snapshot_id": snapshot.pk}, task_id=f"outbox-{message.pk}"
    )
    snapshot.refresh_from_db()
    assert Snapshot.objects.filter(debate=debate).count() == 1
    assert snapshot.seconds == seconds
    # A vote within ANALYSIS_MIN_INTERVAL queues nothing more...
    with django_capture_on_commit_callbacks(execute=True):
        services.vote_cast(user=users[3], claim=claims[0], stance="agree")
    assert Snapshot.objects.filter(debate=debate).count() == 1
    # ...after it, the next vote queues a new run (the outbox key was released).
    cache.delete(f"analysis-requested:{debate.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        services.vote_cast(user=users[2], claim=claims[0], stance="agree")
    assert Snapshot.objects.filter(debate=debate, status="done").count() == 2


def test_done_messages_are_forgotten_after_the_keep_days(settings, eager_tasks):
    settings.OUTBOX_KEEP_DAYS = 7
    debate = DebateFactory()
    source = make_source(debate, text=TEXT)
    old = OutboxMessage.objects.create(
        task="deliberation.reanchor_source",
        args=[source.pk],
        run_after=timezone.now(),
        sent_at=timezone.now(),
        done_at=timezone.now() - timedelta(days=8),
    )
    recent = OutboxMessage.objects.create(
        task="deliberation.reanchor_source",
        args=[source.pk],
        run_after=timezone.now(),
        sent_at=timezone.now(),
        done_at=timezone.now() - timedelta(days=6),
    )
    assert outbox.sweep()["purged"] == 1
    assert list(OutboxMessage.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not OutboxMessage.objects.filter(pk=old.pk).exists()


def test_the_command_sends_every_unsent_message(eager_tasks, edited_source, capsys):
    debate, source, kept, gone = edited_source
    source.text = NEW_TEXT
    claim_services.source_update_text(source=source, text=NEW_TEXT, author=None)
    OutboxMessage.objects.create(
        task="deliberation.reanchor_source", args=[source.pk], run_after=timezone.now()
    )
    call_command("outbox_sweep", "--all")
    assert capsys.readouterr().out.strip() == "sent=1 failed=0 unsent=0"
    assert Annotation.objects.get(pk=gone.pk).orphaned is True
