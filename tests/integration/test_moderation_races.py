"""Moderation under concurrency on PostgreSQL: real threads, each with its own
database connection, started together by a barrier."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from claims.models import Claim
from deliberation import services
from deliberation.models import Flag, ModerationAction, Vote
from tests.factories import DebateFactory, MembershipFactory, UserFactory, make_claim

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def run_together(*jobs):
    """Run each job in its own thread (own connection) at the same moment;
    return each job's result or exception."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(i, job):
        try:
            barrier.wait()
            results[i] = job()
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, j)) for i, j in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_moderators_resolving_the_same_flags_at_once_resolve_once():
    debate = DebateFactory()
    first = MembershipFactory(debate=debate, role="moderator").user
    second = MembershipFactory(debate=debate, role="moderator").user
    claim = make_claim(debate, make_claim(debate), text="Flagged.")
    services.flag_create(user=UserFactory(), item=claim, reason="spam")
    services.flag_create(user=UserFactory(), item=claim, reason="unclear")

    def dismiss(user):
        return lambda: services.flags_dismiss(
            user=user, item=Claim.objects.get(pk=claim.pk), reason="Fine"
        )

    results = run_together(dismiss(first), dismiss(second))

    assert sorted(type(r).__name__ for r in results) == [
        "ModerationAction",
        "ValidationError",
    ]
    assert ModerationAction.objects.filter(action="dismiss_flags").count() == 1
    assert set(Flag.objects.values_list("status", flat=True)) == {"dismissed"}
    assert Flag.objects.values("resolved_by").distinct().count() == 1


def test_hide_racing_dismiss_gives_one_resolution():
    debate = DebateFactory()
    first = MembershipFactory(debate=debate, role="moderator").user
    second = MembershipFactory(debate=debate, role="moderator").user
    claim = make_claim(debate, make_claim(debate))
    services.flag_create(user=UserFactory(), item=claim, reason="spam")

    results = run_together(
        lambda: services.flags_dismiss(user=first, item=Claim.objects.get(pk=claim.pk)),
        lambda: services.item_hide(
            user=second, item=Claim.objects.get(pk=claim.pk), reason="Spam"
        ),
    )

    assert not any(
        isinstance(r, Exception) and not isinstance(r, ValidationError) for r in results
    )
    flag = Flag.objects.get()
    assert flag.status in ("dismissed", "upheld")
    # Whichever came first resolved the flag; the audit log has one row each.
    assert ModerationAction.objects.count() == sum(
        not isinstance(r, Exception) for r in results
    )


def test_a_merge_racing_votes_loses_no_vote():
    debate = DebateFactory()
    moderator = MembershipFactory(debate=debate, role="moderator").user
    thesis = make_claim(debate)
    kept = make_claim(debate, thesis, text="Cameras deter crime.")
    duplicate = make_claim(debate, thesis, text="CCTV deters crime.")
    voters = [MembershipFactory(debate=debate).user for _ in range(8)]

    def vote(user, claim_pk):
        # The claim is read before the merge commits (a stale object).
        claim = Claim.objects.select_related("debate").get(pk=claim_pk)
        return lambda: services.vote_cast(user=user, claim=claim, stance="agree")

    jobs = [vote(u, duplicate.pk if i % 2 else kept.pk) for i, u in enumerate(voters)]
    merge = lambda: services.claims_merge(  # noqa: E731
        user=moderator,
        duplicate=Claim.objects.get(pk=duplicate.pk),
        kept=Claim.objects.get(pk=kept.pk),
    )
    results = run_together(merge, *jobs)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(Vote.objects.values_list("user_id", flat=True)) == sorted(
        u.pk for u in voters
    )
    assert set(Vote.objects.values_list("claim_id", flat=True)) == {kept.pk}


def _read_for_voting(user, claim_pk):
    # As the vote endpoint reads it: membership and locks at hand, so the vote
    # takes the one-statement path.
    from deliberation.selectors import claim_for_voting

    return claim_for_voting(user=user, pk=claim_pk)


def test_a_vote_read_before_a_merge_follows_the_link():
    debate = DebateFactory()
    moderator = MembershipFactory(debate=debate, role="moderator").user
    thesis = make_claim(debate)
    kept = make_claim(debate, thesis, text="Cameras deter crime.")
    duplicate = make_claim(debate, thesis, text="CCTV deters crime.")
    voter = MembershipFactory(debate=debate).user
    stale = _read_for_voting(voter, duplicate.pk)
    services.claims_merge(user=moderator, duplicate=duplicate, kept=kept)

    voted = services.vote_cast(user=voter, claim=stale, stance="disagree")

    assert voted.pk == kept.pk
    assert list(Vote.objects.values_list("claim_id", "user_id", "stance")) == [
        (kept.pk, voter.pk, "disagree")
    ]


def test_a_merge_racing_one_statement_votes_loses_no_vote():
    debate = DebateFactory()
    moderator = MembershipFactory(debate=debate, role="moderator").user
    thesis = make_claim(debate)
    kept = make_claim(debate, thesis, text="Cameras deter crime.")
    duplicate = make_claim(debate, thesis, text="CCTV deters crime.")
    voters = [MembershipFactory(debate=debate).user for _ in range(8)]

    def vote(user, claim_pk):
        claim = _read_for_voting(user, claim_pk)  # before the merge commits
        return lambda: services.vote_cast(user=user, claim=claim, stance="agree")

    jobs = [vote(u, duplicate.pk if i % 2 else kept.pk) for i, u in enumerate(voters)]
    merge = lambda: services.claims_merge(  # noqa: E731
        user=moderator,
        duplicate=Claim.objects.get(pk=duplicate.pk),
        kept=Claim.objects.get(pk=kept.pk),
    )
    results = run_together(merge, *jobs)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(Vote.objects.values_list("user_id", flat=True)) == sorted(
        u.pk for u in voters
    )
    assert set(Vote.objects.values_list("claim_id", flat=True)) == {kept.pk}
