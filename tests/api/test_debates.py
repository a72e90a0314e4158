"""API: debates, their settings, theses and the argument map as a flat list."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from claims.models import Claim
from claims.services import claim_create
from deliberation.models import Debate
from tests.api.helpers import client_for, iso
from tests.factories import (
    DebateFactory,
    MembershipFactory,
    UserFactory,
    make_actor,
    make_claim,
)

pytestmark = pytest.mark.django_db

NOT_SIGNED_IN = {"detail": "Authentication credentials were not provided."}
PRIVATE = Debate.Visibility.PRIVATE


def node(claim, number, *, parent=None, status="visible", text=None) -> dict:
    return {
        "id": claim.pk,
        "parent": parent.pk if parent else None,
        "depth": claim.depth,
        "number": number,
        "stance": claim.stance,
        "text": claim.text if text is None else text,
        "link_to": claim.link_to_id,
        "status": status,
    }


def hide(claim, status="hidden"):
    Claim.objects.filter(pk=claim.pk).update(status=status)


# --- List ----------------------------------------------------------------------


def test_list_shows_public_debates_to_anonymous_readers():
    # given
    public = DebateFactory(question="Should towns use drones?")
    make_claim(public)
    hidden = make_claim(public)
    hide(hidden)
    DebateFactory(visibility=Debate.Visibility.UNLISTED)
    DebateFactory(visibility=PRIVATE)

    # when
    response = client_for(None).get("/api/v1/debates/")

    # then
    assert response.status_code == 200
    assert response.json() == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [
            {
                "slug": public.slug,
                "question": "Should towns use drones?",
                "description": "",
                "visibility": "public",
                "mode": "open",
                "owner": public.owner.username,
                "claim_count": 1,
                "created": iso(public.created),
                "updated": iso(public.updated),
            }
        ],
    }


def test_list_adds_the_debates_a_user_owns_or_belongs_to():
    # given
    user = UserFactory()
    public = DebateFactory()
    owned = DebateFactory(visibility=PRIVATE, owner=user)
    joined = DebateFactory(visibility=PRIVATE)
    MembershipFactory(debate=joined, user=user)
    DebateFactory(visibility=PRIVATE)
    DebateFactory(visibility=Debate.Visibility.UNLISTED)

    # when
    response = client_for(user).get("/api/v1/debates/")

    # then
    assert response.status_code == 200
    assert response.json()["count"] == 3
    assert sorted(d["slug"] for d in response.json()["results"]) == sorted(
        [public.slug, owned.slug, joined.slug]
    )


# --- Create --------------------------------------------------------------------


def test_a_signed_in_user_creates_a_debate_with_theses_and_owns_it():
    # given
    user, someone_else = UserFactory(), UserFactory()

    # when
    response = client_for(user).post(
        "/api/v1/debates/",
        {
            "question": "Should cities use facial recognition?",
            "description": "A policy workshop.",
            "visibility": "unlisted",
            "mode": "workshop",
            "theses": ["Yes, under a warrant.", "No, never."],
            "owner": someone_else.username,
        },
        format="json",
    )

    # then
    assert response.status_code == 201
    debate = Debate.objects.get()
    yes, no = Claim.objects.filter(debate=debate).order_by("path")
    assert response.json() == {
        "slug": "should-cities-use-facial-recognition",
        "question": "Should cities use facial recognition?",
        "description": "A policy workshop.",
        "visibility": "unlisted",
        "mode": "workshop",
        "owner": user.username,
        "voting_enabled": True,
        "premoderation": False,
        "anonymity": False,
        "phase": "",
        "phase_label": "No phases",
        "theses": [node(yes, "1"), node(no, "2")],
        "created": iso(debate.created),
        "updated": iso(debate.updated),
    }
    assert debate.owner == user
    assert list(debate.memberships.values_list("user", "role")) == [(user.pk, "owner")]
    assert (yes.text, yes.author, yes.depth) == ("Yes, under a warrant.", user, 1)
    assert (no.text, no.author, no.depth) == ("No, never.", user, 1)


def test_anonymous_people_cannot_create_debates():
    # when
    response = client_for(None).post(
        "/api/v1/debates/", {"question": "Anyone?"}, format="json"
    )

    # then
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == NOT_SIGNED_IN
    assert Debate.objects.count() == 0


def test_create_rejects_an_unknown_visibility_and_an_overlong_thesis():
    # when
    response = client_for(UserFactory()).post(
        "/api/v1/debates/",
        {"question": "Q?", "visibility": "secret", "theses": ["ok", "x" * 501]},
        format="json",
    )

    # then
    assert response.status_code == 400
    assert response.json() == {
        "visibility": ['"secret" is not a valid choice.'],
        "theses": {"1": ["Ensure this field has no more than 500 characters."]},
    }
    assert Debate.objects.count() == 0
    assert Claim.objects.count() == 0


def test_token_authentication_works_for_scripts():
    # given
    user = UserFactory()
    token = Token.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    # when
    response = client.post(
        "/api/v1/debates/", {"question": "Scripted debate?"}, format="json"
    )

    # then
    assert response.status_code == 201
    assert response.json()["owner"] == user.username
    assert Debate.objects.get().owner == user


def test_a_wrong_token_is_refused():
    # given
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")

    # when
    response = client.post("/api/v1/debates/", {"question": "Q?"}, format="json")

    # then
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}
    assert Debate.objects.count() == 0


def test_session_writes_need_the_csrf_token():
    # given: a browser session without the CSRF token
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(UserFactory())

    # when
    response = client.post("/api/v1/debates/", {"question": "Q?"}, format="json")

    # then
    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF Failed")
    assert Debate.objects.count() == 0


# --- Read and visibility --------------------------------------------------------


def test_read_a_debate_with_the_theses_a_reader_may_see():
    # given
    debate = DebateFactory(description="Towns and drones.")
    first = make_claim(debate, text="Drones keep people safe.")
    hidden = make_claim(debate, text="A hidden thesis.")
    hide(hidden)

    # when
    response = client_for(None).get(f"/api/v1/debates/{debate.slug}/")

    # then
    assert response.status_code == 200
    assert response.json() == {
        "slug": debate.slug,
        "question": debate.question,
        "description": "Towns and drones.",
        "visibility": "public",
        "mode": "open",
        "owner": debate.owner.username,
        "voting_enabled": True,
        "premoderation": False,
        "anonymity": False,
        "phase": "",
        "phase_label": "No phases",
        "theses": [node(first, "1")],
        "created": iso(debate.created),
        "updated": iso(debate.updated),
    }


def test_an_unknown_debate_is_404():
    response = client_for(None).get("/api/v1/debates/no-such-debate/")

    assert response.status_code == 404
    assert response.json() == {"detail": "No such debate."}


@pytest.mark.parametrize(
    "path", ["/api/v1/debates/{slug}/", "/api/v1/debates/{slug}/tree/"]
)
@pytest.mark.parametrize(
    "role, expected",
    [
        ("anonymous", 404),
        ("outsider", 404),
        ("participant", 200),
        ("moderator", 200),
        ("owner", 200),
    ],
)
def test_a_private_debate_is_404_to_non_members(path, role, expected):
    # given
    debate = DebateFactory(visibility=PRIVATE)
    make_claim(debate)
    user = make_actor(debate, role)

    # when
    response = client_for(user).get(path.format(slug=debate.slug))

    # then
    assert response.status_code == expected
    if expected == 404:
        assert response.json() == {"detail": "No such debate."}


def test_an_unlisted_debate_is_readable_with_its_link():
    # given
    debate = DebateFactory(visibility=Debate.Visibility.UNLISTED)

    # when
    response = client_for(None).get(f"/api/v1/debates/{debate.slug}/")

    # then
    assert response.status_code == 200
    assert response.json()["visibility"] == "unlisted"


# --- Change settings -------------------------------------------------------------


@pytest.mark.parametrize(
    "role, expected",
    [
        ("anonymous", 401),
        ("outsider", 403),
        ("participant", 403),
        ("moderator", 403),
        ("owner", 200),
    ],
)
def test_only_the_owner_changes_a_debate(role, expected):
    # given
    debate = DebateFactory(question="Old question?")
    user = make_actor(debate, role)

    # when
    response = client_for(user).patch(
        f"/api/v1/debates/{debate.slug}/",
        {"question": "New question?", "premoderation": True},
        format="json",
    )

    # then
    assert response.status_code == expected
    debate.refresh_from_db()
    if expected == 200:
        body = response.json()
        assert (body["question"], body["premoderation"]) == ("New question?", True)
        assert (debate.question, debate.premoderation) == ("New question?", True)
    else:
        assert response.json() == (
            NOT_SIGNED_IN if user is None else {"detail": "Only the owner may do this."}
        )
        assert (debate.question, debate.premoderation) == ("Old question?", False)


def test_staff_may_change_any_debate():
    # given
    debate = DebateFactory(visibility=PRIVATE)
    staff = UserFactory(is_staff=True)

    # when
    response = client_for(staff).patch(
        f"/api/v1/debates/{debate.slug}/", {"anonymity": True}, format="json"
    )

    # then
    assert response.status_code == 200
    debate.refresh_from_db()
    assert debate.anonymity is True


def test_a_patch_changes_only_the_fields_sent():
    # given
    debate = DebateFactory(
        question="Keep me?", description="Keep me too.", mode=Debate.Mode.CLASSROOM
    )

    # when
    response = client_for(debate.owner).patch(
        f"/api/v1/debates/{debate.slug}/",
        {"visibility": "private", "voting_enabled": False},
        format="json",
    )

    # then
    assert response.status_code == 200
    debate.refresh_from_db()
    assert (
        debate.question,
        debate.description,
        debate.mode,
        debate.visibility,
        debate.voting_enabled,
    ) == ("Keep me?", "Keep me too.", "classroom", "private", False)


def test_a_patch_with_an_unknown_mode_is_400_and_changes_nothing():
    # given
    debate = DebateFactory(question="Original?")

    # when
    response = client_for(debate.owner).patch(
        f"/api/v1/debates/{debate.slug}/",
        {"mode": "debate", "question": "Changed?"},
        format="json",
    )

    # then
    assert response.status_code == 400
    assert response.json() == {"mode": ['"debate" is not a valid choice.']}
    debate.refresh_from_db()
    assert (debate.mode, debate.question) == ("open", "Original?")


# --- Theses ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, expected",
    [
        ("anonymous", 401),
        ("outsider", 403),
        ("participant", 403),
        ("moderator", 201),
        ("owner", 201),
    ],
)
def test_moderators_add_theses(role, expected):
    # given
    debate = DebateFactory()
    make_claim(debate, text="The first thesis.")
    user = make_actor(debate, role)

    # when
    response = client_for(user).post(
        f"/api/v1/debates/{debate.slug}/theses/",
        {"text": "A second thesis.", "explanation": "Why *not*."},
        format="json",
    )

    # then
    assert response.status_code == expected
    theses = list(
        Claim.objects.filter(debate=debate, depth=1)
        .order_by("path")
        .values_list("text", flat=True)
    )
    if expected == 201:
        thesis = Claim.objects.get(debate=debate, text="A second thesis.")
        assert response.json()["id"] == thesis.pk
        assert response.json()["number"] == "2"
        assert response.json()["explanation_html"] == "<p>Why <em>not</em>.</p>"
        assert (thesis.author, thesis.stance) == (user, "")
        assert theses == ["The first thesis.", "A second thesis."]
    else:
        assert theses == ["The first thesis."]


# --- The map as a flat list -----------------------------------------------------


def test_tree_lists_the_claims_in_path_order_with_numbers_and_parents():
    # given: two theses, with another debate's thesis created in between
    debate = DebateFactory()
    t1 = make_claim(debate, text="Thesis one.")
    make_claim(DebateFactory(), text="Another debate's thesis.")
    t2 = make_claim(debate, text="Thesis two.")
    a = make_claim(debate, t1, "pro", "A pro of one.")
    b = make_claim(debate, t1, "con", "A con of one.")
    c = make_claim(debate, a, "con", "A con of the pro.")
    link = claim_create(debate=debate, parent=t2, stance="pro", link_to=b)

    # when
    response = client_for(None).get(f"/api/v1/debates/{debate.slug}/tree/")

    # then
    assert response.status_code == 200
    assert response.json() == {
        "count": 6,
        "next": None,
        "previous": None,
        "results": [
            node(t1, "1"),
            node(a, "1.1", parent=t1),
            node(c, "1.1.1", parent=a),
            node(b, "1.2", parent=t1),
            node(t2, "2"),
            node(link, "2.1", parent=t2, text=""),
        ],
    }
    assert response.json()["results"][-1]["link_to"] == b.pk


def test_tree_leaves_out_hidden_branches_and_others_pending_claims():
    # given
    debate = DebateFactory()
    author = make_actor(debate, "participant")
    thesis = make_claim(debate, text="Thesis.")
    shown = make_claim(debate, thesis, "pro", "Shown.")
    hidden = make_claim(debate, thesis, "con", "Hidden.")
    under_hidden = make_claim(debate, hidden, "pro", "Under a hidden claim.")
    pending = make_claim(
        debate, thesis, "con", "Waiting.", author=author, status="pending"
    )
    hide(hidden)
    path = f"/api/v1/debates/{debate.slug}/tree/"

    # when
    as_reader = client_for(make_actor(debate, "participant")).get(path)
    as_author = client_for(author).get(path)
    as_moderator = client_for(make_actor(debate, "moderator")).get(path)

    # then
    assert as_reader.json()["results"] == [
        node(thesis, "1"),
        node(shown, "1.1", parent=thesis),
    ]
    assert as_author.json()["results"] == [
        node(thesis, "1"),
        node(shown, "1.1", parent=thesis),
        node(pending, "1.3", parent=thesis, status="pending"),
    ]
    assert as_moderator.json()["results"] == [
        node(thesis, "1"),
        node(shown, "1.1", parent=thesis),
        node(hidden, "1.2", parent=thesis, status="hidden"),
        node(under_hidden, "1.2.1", parent=hidden),
        node(pending, "1.3", parent=thesis, status="pending"),
    ]


def test_tree_is_paginated_with_limit_and_offset():
    # given
    debate = DebateFactory()
    thesis = make_claim(debate)
    children = [make_claim(debate, thesis) for _ in range(4)]
    path = f"/api/v1/debates/{debate.slug}/tree/"

    # when
    response = client_for(None).get(path, {"limit": 2, "offset": 2})

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 5
    assert body["next"] == f"http://testserver{path}?limit=2&offset=4"
    assert body["previous"] == f"http://testserver{path}?limit=2"
    assert [item["id"] for item in body["results"]] == [
        children[1].pk,
        children[2].pk,
    ]
    assert [item["parent"] for item in body["results"]] == [thesis.pk, thesis.pk]


def _debate_with_claims(n: int) -> Debate:
    debate = DebateFactory()
    claims = [make_claim(debate)]
    for i in range(1, n):
        claims.append(make_claim(debate, claims[(i - 1) // 3], ("pro", "con")[i % 2]))
    hide(claims[-1])
    return debate


def test_tree_queries_do_not_grow_with_the_tree():
    # given
    small, large = _debate_with_claims(10), _debate_with_claims(60)
    reader = UserFactory()
    client = client_for(reader)

    # when
    with CaptureQueriesContext(connection) as small_queries:
        small_response = client.get(
            f"/api/v1/debates/{small.slug}/tree/", {"limit": 100}
        )
    with CaptureQueriesContext(connection) as large_queries:
        large_response = client.get(
            f"/api/v1/debates/{large.slug}/tree/", {"limit": 100}
        )

    # then
    assert len(small_response.json()["results"]) == 9
    assert len(large_response.json()["results"]) == 59
    assert len(small_queries) == len(large_queries) == 6
