"""The analysis page, group perspectives, the facilitator's run button and
the coalesced scheduling of runs after votes."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from claims.models import Claim
from config.celery import app as celery_app
from deliberation import outbox, services
from deliberation.models import Membership, OutboxMessage, Snapshot, Vote
from deliberation.selectors import perspective_for, perspectives_of, tallies_for
from deliberation.services.analysis import analysis_request, analysis_run
from deliberation.tasks import analyze_debate
from tests.factories import DebateFactory, MembershipFactory, UserFactory, make_claim

pytestmark = pytest.mark.django_db

HIDDEN_TEXT = "Hidden claim text that must never be shown."


def two_camps():
    """20 members: 0-9 agree with claims 0-3 and disagree with 4-7, 10-19 the
    opposite; everyone agrees with claim 8; half agree with a hidden claim."""
    debate = DebateFactory()
    claims = [make_claim(debate, text=f"Divisive claim {i}.") for i in range(8)]
    claims.append(make_claim(debate, text="Everyone agrees with this."))
    hidden = make_claim(debate, text=HIDDEN_TEXT, status=Claim.Status.HIDDEN)
    users = [MembershipFactory(debate=debate).user for _ in range(20)]
    votes = []
    for n, user in enumerate(users):
        camp = n < 10
        for i, claim in enumerate(claims[:8]):
            stance = "agree" if (i < 4) == camp else "disagree"
            votes.append(Vote(claim=claim, user=user, stance=stance))
        votes.append(Vote(claim=claims[8], user=user, stance="agree"))
        votes.append(Vote(claim=hidden, user=user, stance="agree" if camp else "pass"))
    Vote.objects.bulk_create(votes)
    return debate, claims, hidden, users


def test_run_finds_the_two_camps_and_moderates_out_the_hidden_claim():
    debate, claims, hidden, users = two_camps()
    snapshot = analysis_run(debate=debate)
    assert snapshot.status == Snapshot.Status.DONE
    result = snapshot.result
    assert (result["participants"], result["claims"], result["votes"]) == (20, 10, 200)
    assert result["moderated_out"] == [hidden.pk]
    camps = sorted(sorted(g["members"]) for g in result["groups"])
    assert camps == sorted(
        [sorted(u.pk for u in users[:10]), sorted(u.pk for u in users[10:])]
    )
    debate.refresh_from_db()
    assert debate.analysis_groups == 2


def test_analysis_page_shows_the_map_and_never_the_hidden_claim(client):
    debate, claims, hidden, users = two_camps()
    analysis_run(debate=debate)
    page = client.get(reverse("debate_analysis", args=[debate.slug]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and 'role="img"' in html
    assert html.count("<circle") + html.count("<rect") >= 20
    assert "Group 1 · 10 people" in html and "Group 2 · 10 people" in html
    assert "Everyone agrees with this." in html  # consensus
    assert "100 %" in html
    assert HIDDEN_TEXT not in html
    head = client.get(reverse("debate_detail", args=[debate.slug]))
    assert reverse("debate_analysis", args=[debate.slug]) in head.content.decode()


def test_analysis_page_before_any_run_says_so(client):
    debate = DebateFactory()
    page = client.get(reverse("debate_analysis", args=[debate.slug]))
    assert page.status_code == 200
    assert "No analysis yet" in page.content.decode()


def test_group_perspective_tallies_count_the_group_only():
    debate, claims, hidden, users = two_camps()
    with pytest.raises(Exception, match="once an analysis has run"):
        perspective_for(debate=debate, user=users[0], key="group:0")
    snapshot = analysis_run(debate=debate)
    debate.refresh_from_db()
    keys = [p.key for p in perspectives_of(debate=debate, user=users[0])]
    assert keys == ["everyone", "group:0", "group:1"]
    for group in snapshot.result["groups"]:
        perspective = perspective_for(
            debate=debate, user=users[0], key=f"group:{group['id']}"
        )
        assert perspective.label == f"Opinion group {group['id'] + 1}"
        tallies = tallies_for([c.pk for c in claims], voters=perspective.voters)
        first_camp = users[0].pk in group["members"]
        assert (tallies[claims[0].pk].agree, tallies[claims[0].pk].disagree) == (
            (10, 0) if first_camp else (0, 10)
        )
        assert tallies[claims[8].pk].agree == 10
    with pytest.raises(Exception, match="No such opinion group"):
        perspective_for(debate=debate, user=users[0], key="group:7")


def test_group_perspective_on_the_debate_page(client):
    debate, claims, hidden, users = two_camps()
    analysis_run(debate=debate)
    page = client.get(
        reverse("debate_detail", args=[debate.slug]), {"perspective": "group:0"}
    )
    assert page.status_code == 200
    assert "Opinion group 1" in page.content.decode()


def test_a_moderator_runs_the_analysis_from_the_page(
    client, django_capture_on_commit_callbacks, eager_tasks
):
    debate, claims, hidden, users = two_camps()
    participant = users[0]
    client.force_login(participant)
    url = reverse("debate_analysis_run", args=[debate.slug])
    assert client.post(url).status_code == 403
    moderator = MembershipFactory(debate=debate, role=Membership.Role.MODERATOR).user
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    snapshot = Snapshot.objects.get(debate=debate)
    assert snapshot.status == Snapshot.Status.DONE  # eager Celery in tests
    assert snapshot.progress == 100
    page = client.get(reverse("debate_analysis", args=[debate.slug]))
    assert "Run the analysis now" in page.content.decode()


def test_queued_run_shows_progress_and_refreshes(client):
    debate = DebateFactory()
    Snapshot.objects.create(debate=debate, status=Snapshot.Status.RUNNING, progress=30)
    html = client.get(reverse("debate_analysis", args=[debate.slug])).content.decode()
    assert '<meta http-equiv="refresh" content="3">' in html
    assert "Running (30 %)" in html


@pytest.fixture
def broker_tasks():
    """Tasks go to a broker (here: nowhere), even where tests run them eagerly."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = before


def test_two_requests_within_the_interval_schedule_one_run(
    settings, monkeypatch, django_capture_on_commit_callbacks, broker_tasks
):
    settings.ANALYSIS_MIN_INTERVAL = 30
    calls = []
    monkeypatch.setattr(
        analyze_debate, "apply_async", lambda *a, **kw: calls.append((a, kw))
    )
    first, second = DebateFactory(), DebateFactory()
    with django_capture_on_commit_callbacks(execute=True):
        queued = analysis_request(first.pk)
        assert analysis_request(first.pk) is None
        other = analysis_request(second.pk)
    requested = timezone.now()
    assert [s.pk for s in Snapshot.objects.order_by("pk")] == [queued.pk, other.pk]
    messages = list(OutboxMessage.objects.order_by("pk"))
    # Scheduled in the outbox, not sent: no task waits in a worker for its time.
    assert calls == []
    assert [
        (m.key, m.sent_at, 29 < (m.run_after - requested).total_seconds() <= 30)
        for m in messages
    ] == [(f"analysis:{first.pk}", None, True), (f"analysis:{second.pk}", None, True)]
    # Past the interval, a run still queued (not started) is not queued twice.
    cache.delete(f"analysis-requested:{first.pk}")
    assert analysis_request(first.pk) is None
    assert Snapshot.objects.count() == 2
    # Not due yet: the sweep leaves them; once due, it sends each once, at once.
    assert outbox.sweep()["sent"] == 0
    OutboxMessage.objects.update(run_after=timezone.now())
    assert outbox.sweep() == {"sent": 2, "failed": 0, "purged": 0}
    assert outbox.sweep()["sent"] == 0  # sent: held by their lease
    assert [(a, kw) for a, kw in calls] == [
        (
            ([first.pk], {"snapshot_id": queued.pk}),
            {"task_id": f"outbox-{messages[0].pk}", "retry": False},
        ),
        (
            ([second.pk], {"snapshot_id": other.pk}),
            {"task_id": f"outbox-{messages[1].pk}", "retry": False},
        ),
    ]
    assert [
        (m.key, m.sent_at is not None, m.attempts, m.done_at)
        for m in OutboxMessage.objects.order_by("pk")
    ] == [
        (f"analysis:{first.pk}", True, 1, None),
        (f"analysis:{second.pk}", True, 1, None),
    ]


def test_a_vote_storm_makes_one_run(
    settings, django_capture_on_commit_callbacks, eager_tasks, analysis_after_votes
):
    """Eager Celery: the one scheduled run happens at once, the others are
    coalesced away by the cache key."""
    settings.ANALYSIS_MIN_INTERVAL = 30
    debate, claims, hidden, users = two_camps()
    with django_capture_on_commit_callbacks(execute=True):
        for user in users[:5]:
            services.vote_cast(user=user, claim=claims[0], stance="pass")
        services.vote_withdraw(user=users[6], claim=claims[1])
    assert Snapshot.objects.filter(debate=debate).count() == 1
    assert Snapshot.objects.get(debate=debate).status == Snapshot.Status.DONE


def test_votes_schedule_nothing_when_turned_off(
    settings, django_capture_on_commit_callbacks, eager_tasks
):
    settings.ANALYSIS_AFTER_VOTES = False
    debate, claims, hidden, users = two_camps()
    with django_capture_on_commit_callbacks(execute=True):
        services.vote_cast(user=users[0], claim=claims[0], stance="pass")
    assert not Snapshot.objects.exists()


def test_too_few_votes_is_a_failed_snapshot_not_an_error():
    debate = DebateFactory()
    claim = make_claim(debate)
    Vote.objects.create(claim=claim, user=UserFactory(), stance="agree")
    snapshot = analysis_run(debate=debate)
    assert snapshot.status == Snapshot.Status.FAILED
    assert "Too few votes" in snapshot.error
