"""Moderation pages and API: what readers see of hidden items, the header's
unread badge, notifications, flags through the API, and rate limits."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deliberation import services
from deliberation.models import (
    Comment,
    Flag,
    Membership,
    ModerationAction,
    Notification,
)
from tests.api.helpers import client_for
from tests.factories import DebateFactory, MembershipFactory, UserFactory, make_claim

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene():
    debate = DebateFactory()
    moderator = MembershipFactory(debate=debate, role="moderator").user
    author = MembershipFactory(debate=debate).user
    thesis = make_claim(debate, text="Cameras keep us safe.")
    claim = make_claim(debate, thesis, text="Secret words here.", author=author)
    return debate, moderator, author, thesis, claim


def test_readers_see_the_public_reason_where_a_hidden_claim_was(client, scene):
    debate, moderator, author, thesis, claim = scene
    make_claim(debate, claim, text="A child below.")
    services.item_hide(user=moderator, item=claim, reason="Unsupported claim")

    parent_page = client.get(f"/d/{debate.slug}/claims/{thesis.pk}/").content.decode()
    own_page = client.get(f"/d/{debate.slug}/claims/{claim.pk}/")

    assert "Hidden by a moderator: Unsupported claim" in parent_page
    assert "Secret words here." not in parent_page
    assert own_page.status_code == 200
    html = own_page.content.decode()
    assert "Hidden by a moderator: Unsupported claim" in html
    assert "Secret words here." not in html
    assert "A child below." not in html
    client.force_login(author)
    assert (
        "Secret words here."
        in client.get(f"/d/{debate.slug}/claims/{claim.pk}/").content.decode()
    )


def test_hidden_comment_shows_its_reason_and_no_text(client, scene):
    debate, moderator, author, thesis, claim = scene
    comment = services.comment_add(user=author, claim=thesis, body="Rude remark.")
    services.item_hide(user=moderator, item=comment, reason="Uncivil")

    html = client.get(f"/d/{debate.slug}/").content.decode()
    api = client_for(UserFactory()).get(f"/api/v1/comments/{comment.pk}/").json()
    as_moderator = client_for(moderator).get(f"/api/v1/comments/{comment.pk}/").json()

    assert "Hidden by a moderator: Uncivil" in html
    assert "Rude remark." not in html
    assert (api["body"], api["author"], api["hidden"], api["hidden_reason"]) == (
        None,
        None,
        True,
        "Uncivil",
    )
    assert as_moderator["body"] == "Rude remark."


def test_header_badge_counts_unread_without_a_query_once_known(client, scene):
    debate, moderator, author, thesis, claim = scene
    services.flag_create(user=UserFactory(), item=claim, reason="spam")
    client.force_login(author)

    with CaptureQueriesContext(connection) as queries:
        html = client.get("/").content.decode()

    assert 'unread-count">1<' in html
    assert not [q for q in queries if "notification" in q["sql"].lower()]
    client.post("/notifications/read/")
    assert "unread-count" not in client.get("/").content.decode()
    assert Notification.objects.get(user=author).read_at is not None


def test_notifications_page_and_api(scene):
    debate, moderator, author, thesis, claim = scene
    services.item_hide(user=moderator, item=claim, reason="Off-topic")
    client = client_for(author)

    listed = client.get("/api/v1/notifications/").json()
    marked = client.post("/api/v1/notifications/read/", {}, format="json").json()

    assert [n["kind"] for n in listed["results"]] == ["moderation"]
    assert listed["results"][0]["read"] is False
    assert marked == {"changed": 1}
    other = client_for(UserFactory()).post(
        "/api/v1/notifications/read/",
        {"ids": [listed["results"][0]["id"]]},
        format="json",
    )
    assert other.json() == {"changed": 0}


def test_flag_and_reply_through_the_api_and_the_queue(scene):
    debate, moderator, author, thesis, claim = scene
    flagger = UserFactory(username="the-flagger")

    created = client_for(flagger).post(
        "/api/v1/flags/", {"claim": claim.pk, "reason": "spam"}, format="json"
    )
    twice = client_for(flagger).post(
        "/api/v1/flags/", {"claim": claim.pk, "reason": "spam"}, format="json"
    )
    flag_id = created.json()["id"]
    reply = client_for(author).post(
        f"/api/v1/flags/{flag_id}/reply/", {"body": "It is not spam."}, format="json"
    )
    stranger = client_for(UserFactory()).post(
        f"/api/v1/flags/{flag_id}/reply/", {"body": "Me too."}, format="json"
    )
    mine = client_for(author).get(f"/api/v1/debates/{debate.slug}/my-flags/").json()
    queue = client_for(moderator).get(f"/api/v1/debates/{debate.slug}/flags/").json()

    assert (created.status_code, twice.status_code) == (201, 400)
    assert (reply.status_code, stranger.status_code) == (200, 404)
    assert "flagger" not in mine["results"][0]
    assert "the-flagger" not in str(mine)
    assert queue[0]["id"] == claim.pk
    assert queue[0]["weight"] == 1.0
    assert queue[0]["flags"][0]["author_reply"] == "It is not spam."
    assert queue[0]["flags"][0]["flagger"] == "the-flagger"


def test_moderate_api_merge_and_suspend(scene):
    debate, moderator, author, thesis, claim = scene
    duplicate = make_claim(debate, thesis, text="Secret words, again.")
    membership = author.memberships.get(debate=debate)
    client = client_for(moderator)

    merged = client.post(
        f"/api/v1/claims/{duplicate.pk}/moderate/",
        {"action": "merge", "kept": claim.pk, "reason": "Same idea"},
        format="json",
    )
    short = client.post(
        f"/api/v1/memberships/{membership.pk}/moderate/",
        {"action": "suspend", "days": 3, "reason": "rude"},
        format="json",
    )
    suspended = client.post(
        f"/api/v1/memberships/{membership.pk}/moderate/",
        {"action": "suspend", "days": 3, "reason": "Insulted two members twice"},
        format="json",
    )

    assert merged.status_code == 200
    assert merged.json()["action"] == "merge"
    duplicate.refresh_from_db()
    assert duplicate.link_to_id == claim.pk
    assert short.status_code == 400
    assert suspended.status_code == 200
    membership.refresh_from_db()
    assert membership.status == "suspended"


def test_flags_are_rate_limited_on_pages_and_api(client, scene, settings, monkeypatch):
    debate, moderator, author, thesis, claim = scene
    settings.RATE_LIMIT_FLAGS = "1/m"
    others = [make_claim(debate, thesis) for _ in range(2)]
    client.force_login(UserFactory())
    api = client_for(UserFactory())

    pages = [
        client.post(
            f"/d/{debate.slug}/claims/{c.pk}/flag/", {"reason": "spam"}
        ).status_code
        for c in others
    ]
    apis = [
        api.post(
            "/api/v1/flags/", {"claim": c.pk, "reason": "spam"}, format="json"
        ).status_code
        for c in others
    ]

    assert (pages, apis) == ([302, 429], [201, 429])
    assert Flag.objects.count() == 2


def test_comments_are_rate_limited_on_pages_and_api(
    client, scene, settings, monkeypatch
):
    debate, moderator, author, thesis, claim = scene
    settings.RATE_LIMIT_COMMENTS = "1/m"
    client.force_login(UserFactory())
    api = client_for(UserFactory())
    page_url = f"/d/{debate.slug}/claims/{thesis.pk}/comments/"
    api_url = f"/api/v1/claims/{thesis.pk}/comments/"

    pages = [
        client.post(page_url, {"body": f"c{i}", "alignment": "for"}).status_code
        for i in range(2)
    ]
    apis = [
        api.post(api_url, {"body": f"a{i}"}, format="json").status_code
        for i in range(2)
    ]
    reading = api.get(api_url).status_code

    assert (pages, apis, reading) == ([302, 429], [201, 429], 200)
    assert Comment.objects.count() == 2


def test_annotations_are_rate_limited(client, scene, settings):
    debate, moderator, author, thesis, claim = scene
    settings.RATE_LIMIT_ANNOTATIONS = "1/m"
    client.force_login(UserFactory())
    url = f"/d/{debate.slug}/claims/{thesis.pk}/annotate/"

    codes = [
        client.post(url, {"quote": "Cameras", "visibility": "everyone"}).status_code
        for _ in range(2)
    ]

    assert codes[1] == 429


def test_members_page_suspends_a_member_with_a_justification(client, scene):
    # The item routes once caught /members/<pk>/moderate/ as an item of kind
    # "members" and answered 404, so the page's Suspend button did nothing.
    debate, moderator, author, thesis, claim = scene
    membership = Membership.objects.get(debate=debate, user=author)
    client.force_login(moderator)

    response = client.post(
        f"/d/{debate.slug}/members/{membership.pk}/moderate/",
        {"action": "suspend", "days": "7", "reason": "Name-calling after warnings."},
    )

    assert response.status_code == 302
    assert response["Location"] == f"/d/{debate.slug}/members/"
    membership.refresh_from_db()
    assert membership.status == "suspended"
    action = ModerationAction.objects.get(debate=debate, membership=membership)
    assert (action.action, action.reason) == ("suspend", "Name-calling after warnings.")


def test_a_participant_cannot_suspend_from_the_members_route(client, scene):
    debate, moderator, author, thesis, claim = scene
    membership = Membership.objects.get(debate=debate, user=moderator)
    client.force_login(author)

    response = client.post(
        f"/d/{debate.slug}/members/{membership.pk}/moderate/",
        {"action": "suspend", "days": "7", "reason": "Name-calling after warnings."},
    )

    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.status == "active"
    assert not ModerationAction.objects.filter(debate=debate).exists()


def test_an_unknown_kind_of_item_is_not_found(client, scene):
    debate, moderator, author, thesis, claim = scene
    client.force_login(moderator)

    response = client.get(f"/d/{debate.slug}/sources/{claim.pk}/moderate/")

    assert response.status_code == 404
