"""The one rule for naming a person (deliberation/selectors/people.py)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from deliberation import names, services
from deliberation.models import Membership
from deliberation.rules import cached_membership
from deliberation.selectors import people
from tests.factories import DebateFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def debate():
    return DebateFactory(joining_open=True)


def test_a_guest_is_named_by_her_pseudonym_never_by_her_internal_username(debate):
    guest = services.guest_join(debate=debate, pseudonym="Nadia K").user

    # The maker and the rule agree on what a guest username looks like.
    assert names.is_guest_username(guest.username)
    assert people.name_for(UserFactory(), debate, guest) == "Nadia K"
    assert people.account_name(guest) == ""


def test_a_registered_account_is_named_by_its_pseudonym_else_its_username(debate):
    plain = MembershipFactory(debate=debate, user=UserFactory(username="sam_reg"))
    masked = MembershipFactory(debate=debate, pseudonym="Blue Heron")
    viewer = UserFactory()

    assert people.name_for(viewer, debate, plain.user) == "sam_reg"
    assert people.name_for(viewer, debate, masked.user) == "Blue Heron"
    assert people.account_name(masked.user) == masked.user.username


def test_a_guest_met_outside_her_debate_keeps_the_name_she_was_made_with(debate):
    guest = services.guest_join(debate=debate, pseudonym="Nadia K").user
    elsewhere = DebateFactory(joining_open=True)
    # A roster pupil may sign in and join another debate without a pseudonym.
    services.debate_join(user=guest, debate=elsewhere)
    bare = UserFactory(username="guest-0123abcd", first_name="")

    assert people.name_for(UserFactory(), elsewhere, guest) == "Nadia K"
    assert people.name_for(UserFactory(), elsewhere, bare) == people.UNNAMED
    assert people.name_for(UserFactory(), None, guest) == "Nadia K"


def test_a_username_only_shaped_like_a_guests_is_not_a_guest():
    assert not names.is_guest_username("guest-bob")
    assert not names.is_guest_username("guest-0123abcd0")
    assert names.is_guest_username("guest-0123abcd")


def test_an_anonymous_debate_hides_people_from_all_but_moderators_and_themselves():
    debate = DebateFactory(anonymity=True)
    author = MembershipFactory(
        debate=debate, pseudonym="Nadia K", animal_name="Calm Otter"
    ).user
    unnamed = MembershipFactory(debate=debate).user  # no generated name
    participant = MembershipFactory(debate=debate).user
    moderator = MembershipFactory(debate=debate, role="moderator").user

    assert people.name_for(participant, debate, author) == "Calm Otter"
    assert people.name_for(AnonymousUser(), debate, author) == "Calm Otter"
    assert people.public_name(debate, author) == "Calm Otter"
    assert people.name_for(participant, debate, unnamed) == people.ANONYMOUS
    assert people.name_for(moderator, debate, author) == "Nadia K"
    assert people.name_for(author, debate, author) == "Nadia K"
    assert people.authors_hidden_from(participant, debate) is True
    assert people.authors_hidden_from(moderator, debate) is False


def test_a_deleted_account_has_no_name(debate):
    assert people.name_for(UserFactory(), debate, None) is None
    assert people.naming(UserFactory(), debate)(None) is None
    assert people.account_name(None) == ""


def test_names_for_many_people_is_one_query(debate, django_assert_num_queries):
    members = [
        MembershipFactory(debate=debate, pseudonym=f"Pupil {n}") for n in range(12)
    ]
    users = [m.user for m in members] + [UserFactory(username="outsider_o"), None]
    viewer = AnonymousUser()

    with django_assert_num_queries(1):
        named = people.names_for(viewer, debate, users)

    assert named == {
        **{m.user_id: f"Pupil {n}" for n, m in enumerate(members)},
        users[-2].pk: "outsider_o",
    }


def test_a_naming_met_one_by_one_reads_the_debate_once(
    debate, django_assert_num_queries
):
    members = [
        MembershipFactory(debate=debate, pseudonym=f"Pupil {n}") for n in range(5)
    ]
    named = people.naming(AnonymousUser(), debate)

    with django_assert_num_queries(1):
        seen = [named(m.user) for m in members] * 2

    assert seen == [f"Pupil {n}" for n in range(5)] * 2


def test_one_person_whose_membership_is_known_costs_no_query(
    debate, django_assert_num_queries
):
    member = MembershipFactory(debate=debate, pseudonym="Nadia K")
    user = member.user
    cached_membership(user, debate.pk)  # as the permission checks leave it

    with django_assert_num_queries(0):
        name = people.public_name(debate, user)

    assert name == "Nadia K"


def test_a_membership_row_is_named_without_a_query(debate, django_assert_num_queries):
    member = Membership.objects.select_related("user").get(
        pk=MembershipFactory(debate=debate, pseudonym="Nadia K").pk
    )
    named = people.naming(AnonymousUser(), debate)

    with django_assert_num_queries(0):
        name = named.member(member)

    assert name == "Nadia K"


def test_the_old_naming_functions_are_gone():
    from deliberation.api import annotations, serializers
    from deliberation.selectors import annotations as annotation_reads
    from deliberation.selectors import interchange
    from deliberation.templatetags import classroom_tags

    assert not hasattr(classroom_tags, "display_name")
    assert not hasattr(serializers, "_AuthorMixin")
    assert not hasattr(annotations, "_person")
    assert not hasattr(interchange, "_author_names")
    assert not hasattr(annotation_reads, "authors_hidden_from")


def test_an_anonymous_debate_page_hides_who_wrote_a_claim(client):
    # Regression: the claim cards showed the author's pseudonym to everyone.
    debate = DebateFactory(anonymity=True)
    thesis = services.thesis_add(user=debate.owner, debate=debate, text="Cameras.")
    author = MembershipFactory(
        debate=debate, pseudonym="Nadia K", animal_name="Calm Otter"
    ).user
    claim = services.claim_contribute(
        user=author, parent=thesis, stance="pro", text="Crime fell."
    )
    client.force_login(MembershipFactory(debate=debate).user)

    html = client.get(f"/d/{debate.slug}/claims/{thesis.pk}/").content.decode()
    focus = client.get(f"/d/{debate.slug}/claims/{claim.pk}/").content.decode()

    assert "<span>by Calm Otter</span>" in html
    assert "Added by Calm Otter · " in focus
    assert "Nadia K" not in html + focus
