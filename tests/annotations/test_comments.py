"""Comment threads: nesting, alignment, edit history, soft delete, events."""

import pytest
from django.core.exceptions import ValidationError

from deliberation import events, services
from deliberation.models import Comment
from tests.api.helpers import client_for
from tests.factories import MembershipFactory, make_claim, make_source


@pytest.fixture
def member(debate):
    return MembershipFactory(debate=debate).user


def test_replies_nest_three_deep_and_no_deeper(debate, member):
    claim = make_claim(debate, text="Cameras cut crime.")
    first = services.comment_add(user=member, claim=claim, body="1")
    second = services.comment_add(user=member, claim=claim, parent=first, body="2")
    third = services.comment_add(user=member, claim=claim, parent=second, body="3")

    with pytest.raises(ValidationError) as error:
        services.comment_add(user=member, claim=claim, parent=third, body="4")

    assert [c.depth for c in (first, second, third)] == [1, 2, 3]
    assert error.value.message_dict == {"parent": ["Replies nest at most 3 deep."]}
    assert Comment.objects.count() == 3


def test_a_reply_stays_in_its_thread(debate, member):
    claim = make_claim(debate, text="Cameras cut crime.")
    other = make_claim(debate, parent=claim, text="Crime moved elsewhere.")
    first = services.comment_add(user=member, claim=claim, body="1")

    with pytest.raises(ValidationError) as error:
        services.comment_add(user=member, claim=other, parent=first, body="2")

    assert error.value.message_dict == {"parent": ["Reply within the same thread."]}
    assert Comment.objects.count() == 1


def test_edits_keep_every_version_and_deletion_keeps_the_replies(debate, member):
    claim = make_claim(debate, text="Cameras cut crime.")
    comment = services.comment_add(
        user=member, claim=claim, body="First take.", alignment="against"
    )
    reply = services.comment_add(user=member, claim=claim, parent=comment, body="Why?")
    services.comment_edit(user=member, comment=comment, body="Second take.")
    services.comment_remove(user=member, comment=comment)
    client = client_for(member)
    moderator = client_for(MembershipFactory(debate=debate, role="moderator").user)

    thread = client.get(f"/api/v1/claims/{claim.pk}/comments/").json()["results"]
    hidden_history = client.get(f"/api/v1/comments/{comment.pk}/revisions/")
    kept = moderator.get(f"/api/v1/comments/{comment.pk}/revisions/").json()

    assert [(c["id"], c["body"], c["deleted"]) for c in thread] == [
        (comment.pk, None, True),
        (reply.pk, "Why?", False),
    ]
    assert thread[1]["parent"] == comment.pk
    assert hidden_history.status_code == 404
    assert [v["body"] for v in kept["results"]] == ["First take.", "Second take."]
    assert Comment.objects.get(pk=comment.pk).body == "Second take."


def test_the_history_of_a_live_comment(debate, member):
    claim = make_claim(debate, text="Cameras cut crime.")
    comment = services.comment_add(
        user=member, claim=claim, body="First take.", alignment="against"
    )
    services.comment_edit(
        user=member, comment=comment, body="Second take.", alignment="neutral"
    )

    versions = client_for(None).get(f"/api/v1/comments/{comment.pk}/revisions/")

    assert [
        (v["number"], v["body"], v["alignment"], v["author"])
        for v in versions.json()["results"]
    ] == [
        (1, "First take.", "against", member.username),
        (2, "Second take.", "neutral", member.username),
    ]


def test_comment_added_is_published_for_visible_claims_only(
    debate, member, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(events, "publish", lambda **kw: sent.append(kw["payload"]))
    claim = make_claim(debate, text="Cameras cut crime.")
    pending = make_claim(debate, parent=claim, text="Pending", status="pending")
    source = make_source(debate)
    private = services.annotation_add(
        user=member,
        debate=debate,
        source=source,
        quote="passage",
        visibility="only_me",
    )

    with django_capture_on_commit_callbacks(execute=True):
        shown = services.comment_add(user=member, claim=claim, body="*Yes*")
        services.comment_add(user=member, claim=pending, body="Hidden")
        services.comment_add(user=member, annotation=private, body="Mine")

    assert sent == [
        {
            "comment_id": shown.pk,
            "claim_id": claim.pk,
            "annotation_id": None,
            "parent_id": None,
            "alignment": "neutral",
            "body_html": "<p><em>Yes</em></p>",
            "author": member.username,
        }
    ]
