import random

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from claims.services import claim_create
from deliberation import services
from deliberation.analysis.priority import Counts, pick_next, priority
from deliberation.models import Impact, Membership, Vote
from deliberation.selectors import (
    next_claim_to_vote,
    perspective_for,
    tallies_for,
    tally_of,
)
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_vote_replaces_and_withdraws_and_joins(tree):
    debate, thesis, _ = tree
    user = UserFactory()

    services.vote_cast(user=user, claim=thesis, stance="agree")
    services.vote_cast(user=user, claim=thesis, stance="disagree")

    assert list(Vote.objects.values_list("user", "stance")) == [(user.pk, "disagree")]
    assert Membership.objects.get(debate=debate, user=user).role == "participant"
    services.vote_withdraw(user=user, claim=thesis)
    assert Vote.objects.count() == 0


def test_tallies_count_stances_impacts_and_my_votes(tree):
    _, thesis, pro = tree
    users = [UserFactory() for _ in range(4)]
    for user, stance in zip(users, ["agree", "agree", "disagree", "pass"], strict=True):
        services.vote_cast(user=user, claim=pro, stance=stance)
    for user, value in zip(users[:3], [4, 2, 4], strict=True):
        services.impact_set(user=user, claim=pro, value=value)

    tally = tallies_for([pro.pk, thesis.pk], user=users[2])

    assert tally[pro.pk].as_dict() == {
        "agree": 2,
        "disagree": 1,
        "pass": 1,
        "voters": 4,
        "impact": [0, 0, 1, 0, 2],
        "impact_voters": 3,
        "impact_mean": 3.33,
    }
    assert (tally[pro.pk].my_stance, tally[pro.pk].my_impact) == ("disagree", 4)
    assert tally[thesis.pk].as_dict()["voters"] == 0


@pytest.mark.parametrize("value", [-1, 5, "3", True, 2.5])
def test_bad_impact_is_refused_with_reason(tree, value):
    _, _, pro = tree
    with pytest.raises(ValidationError) as exc:
        services.impact_set(user=UserFactory(), claim=pro, value=value)
    assert exc.value.message_dict == {
        "value": ["Impact is a whole number from 0 to 4."]
    }
    assert Impact.objects.count() == 0


def test_thesis_has_no_impact(tree):
    _, thesis, _ = tree
    with pytest.raises(ValidationError):
        services.impact_set(user=UserFactory(), claim=thesis, value=3)
    assert Impact.objects.count() == 0


@pytest.mark.parametrize(
    "case", ["observer", "suspended", "voting_off", "hidden_claim", "private_outsider"]
)
def test_who_may_not_vote(tree, case):
    debate, thesis, _ = tree
    user = UserFactory()
    claim = thesis
    if case == "observer":
        MembershipFactory(debate=debate, user=user, role="observer")
    elif case == "suspended":
        MembershipFactory(debate=debate, user=user, status="suspended")
    elif case == "voting_off":
        debate.voting_enabled = False
        debate.save()
    elif case == "hidden_claim":
        claim = claim_create(
            debate=debate, parent=thesis, stance="con", text="H", status="hidden"
        )
    elif case == "private_outsider":
        debate.visibility = "private"
        debate.save()

    with pytest.raises(PermissionDenied):
        services.vote_cast(user=user, claim=claim, stance="agree")

    assert Vote.objects.count() == 0


def test_vote_on_a_link_counts_for_its_target(tree):
    debate, thesis, pro = tree
    link = claim_create(debate=debate, parent=thesis, stance="con", link_to=pro)

    services.vote_cast(user=UserFactory(), claim=link, stance="agree")

    assert list(Vote.objects.values_list("claim_id", flat=True)) == [pro.pk]


def test_side_perspective_counts_only_that_side(tree, settings):
    # Sides of one or two: below the k-anonymity minimum (tested in
    # tests/security/test_small_groups.py), lowered to test the counting.
    settings.MIN_GROUP_SIZE = 1
    debate, thesis, _ = tree
    for side, stance in [("for", "agree"), ("for", "agree"), ("against", "disagree")]:
        member = MembershipFactory(debate=debate, side=side)
        services.vote_cast(user=member.user, claim=thesis, stance=stance)

    side = perspective_for(debate=debate, user=UserFactory(), key="side:against")

    assert (
        tallies_for([thesis.pk], voters=side.voters)[thesis.pk].as_dict()["disagree"]
        == 1
    )
    assert tallies_for([thesis.pk], voters=side.voters)[thesis.pk].voters == 1


def test_participant_perspective_needs_consent_or_moderator(tree):
    debate, _, _ = tree
    member = MembershipFactory(debate=debate)
    moderator = MembershipFactory(debate=debate, role="moderator").user
    key = f"participant:{member.pk}"

    with pytest.raises(PermissionDenied):
        perspective_for(debate=debate, user=UserFactory(), key=key)
    assert perspective_for(debate=debate, user=moderator, key=key).key == key
    member.share_votes = True
    member.save()
    assert perspective_for(debate=debate, user=UserFactory(), key=key).key == key


@pytest.mark.parametrize("key", ["side:", "nobody", "participant:x", "group:1"])
def test_bad_perspective_is_a_validation_error(tree, key):
    debate, _, _ = tree
    with pytest.raises(ValidationError):
        perspective_for(debate=debate, user=UserFactory(), key=key)


def test_priority_prefers_fresh_and_divisive_claims():
    fresh, worn = Counts(), Counts(agree=30)
    split, agreed = Counts(agree=5, disagree=5), Counts(agree=10)

    assert priority(fresh) > priority(worn)
    assert priority(split) > priority(agreed)


def test_pick_next_is_drawn_by_priority():
    counts = {1: Counts(agree=40), 2: Counts()}
    picks = [pick_next([1, 2], counts, rng=random.Random(seed)) for seed in range(200)]

    assert 140 < picks.count(2) < 200  # the fresh claim is drawn far more often
    assert pick_next([], counts) is None


def test_next_claim_skips_what_i_voted(tree):
    debate, thesis, pro = tree
    user = UserFactory()
    services.vote_cast(user=user, claim=thesis, stance="agree")

    assert next_claim_to_vote(debate=debate, user=user).pk == pro.pk
    services.vote_cast(user=user, claim=pro, stance="pass")
    assert next_claim_to_vote(debate=debate, user=user) is None


def test_tally_of_one_claim_equals_the_orm_tally(tree):
    _, thesis, pro = tree
    users = [UserFactory() for _ in range(7)]
    rng = random.Random(3)
    for user in users:
        services.vote_cast(user=user, claim=pro, stance=rng.choice(Vote.Stance.values))
        services.impact_set(user=user, claim=pro, value=rng.randint(0, 4))

    for me in [users[0], users[5], None]:
        expected = tallies_for([pro.pk], user=me)[pro.pk]
        assert tally_of(pro.pk, user=me) == expected
    assert tally_of(thesis.pk) == tallies_for([thesis.pk])[thesis.pk]
