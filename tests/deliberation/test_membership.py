import pytest

from deliberation.invitations import CODE_ALPHABET, new_join_code, normalise_code
from deliberation.models import Debate, Membership, ModerationAction
from deliberation.services import debate_create
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_debate():
    return debate_create(owner=UserFactory(), question="Q?", visibility="private")


def test_codes_avoid_look_alike_characters():
    codes = {new_join_code() for _ in range(200)}

    assert all(len(c) == 6 and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert not set("".join(codes)) & set("01OIL")
    assert normalise_code(" abc-23 4 ") == "ABC234"


def test_new_debates_get_a_code_and_a_link(private_debate):
    assert len(private_debate.join_code) == 6
    assert len(private_debate.invite_token) >= 40


def test_joining_by_code_opens_a_private_debate(client, private_debate):
    user = UserFactory()
    client.force_login(user)
    assert client.get(f"/d/{private_debate.slug}/").status_code == 404

    code = private_debate.join_code.lower()
    response = client.post("/join/", {"code": f"{code[:3]}-{code[3:]}"})

    assert response.status_code == 302
    assert response["Location"] == f"/d/{private_debate.slug}/"
    membership = Membership.objects.get(debate=private_debate, user=user)
    assert (membership.role, membership.status) == ("participant", "active")
    assert client.get(f"/d/{private_debate.slug}/").status_code == 200


def test_a_wrong_code_joins_nothing(client, private_debate):
    client.force_login(UserFactory())

    response = client.post("/join/", {"code": "ZZZZZZ"})

    assert response.status_code == 400
    assert (
        "No debate has this code, or the code has expired." in response.content.decode()
    )
    assert Membership.objects.filter(debate=private_debate).count() == 1  # the owner


def test_joining_without_an_account_needs_a_pseudonym(client, private_debate):
    response = client.post("/join/", {"code": private_debate.join_code})

    assert response.status_code == 400
    assert "Choose a pseudonym." in response.content.decode()
    assert Membership.objects.filter(debate=private_debate).count() == 1


def test_invitation_link_asks_then_joins(client, private_debate):
    user = UserFactory()
    client.force_login(user)
    url = f"/invite/{private_debate.invite_token}/"

    page = client.get(url)
    assert page.status_code == 200 and "Join this debate" in page.content.decode()
    assert not Membership.objects.filter(user=user).exists()
    client.post(url)

    assert Membership.objects.filter(debate=private_debate, user=user).exists()


def test_a_removed_member_cannot_rejoin_by_code(client, private_debate):
    removed = MembershipFactory(debate=private_debate, status="removed")
    client.force_login(removed.user)

    client.post("/join/", {"code": private_debate.join_code})

    removed.refresh_from_db()
    assert removed.status == "removed"


def test_a_moderator_renews_the_invitation_and_the_old_code_stops(
    client, private_debate
):
    moderator = MembershipFactory(debate=private_debate, role="moderator").user
    old_code, old_token = private_debate.join_code, private_debate.invite_token
    client.force_login(moderator)

    client.post(f"/d/{private_debate.slug}/invitation/reset/")

    private_debate.refresh_from_db()
    assert private_debate.join_code != old_code
    assert private_debate.invite_token != old_token
    action = ModerationAction.objects.get(debate=private_debate)
    assert (action.actor, action.action) == (moderator, "reset_invitation")
    client.force_login(UserFactory())
    assert client.post("/join/", {"code": old_code}).status_code == 400
    assert client.get(f"/invite/{old_token}/").status_code == 404


def test_a_participant_cannot_renew_the_invitation(client, private_debate):
    participant = MembershipFactory(debate=private_debate).user
    before = Debate.objects.values_list("join_code", "invite_token").get()
    client.force_login(participant)

    response = client.post(f"/d/{private_debate.slug}/invitation/reset/")

    assert response.status_code == 403
    assert Debate.objects.values_list("join_code", "invite_token").get() == before
    assert not ModerationAction.objects.exists()


def test_api_join_by_code_and_errors(private_debate):
    from tests.api.helpers import client_for

    user = UserFactory()
    client = client_for(user)

    both = client.post("/api/v1/join/", {"code": "X", "token": "Y"}, format="json")
    wrong = client.post("/api/v1/join/", {"code": "ZZZZZZ"}, format="json")
    joined = client.post(
        "/api/v1/join/", {"code": private_debate.join_code}, format="json"
    )

    assert both.status_code == 400
    assert both.json() == {"non_field_errors": ["Give either a code or a token."]}
    assert wrong.status_code == 404
    assert joined.status_code == 201
    assert joined.json() == {
        "debate": private_debate.slug,
        "role": "participant",
        "status": "active",
    }
    assert client_for(None).post("/api/v1/join/", {"code": "X"}).status_code == 401
