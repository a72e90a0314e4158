"""Who may annotate and comment, and who may change or delete what: the same
rules (deliberation.rules) through the API, parametrized over roles. A denied
act changes nothing."""

import json

import pytest

from claims.models import Annotation
from deliberation import services
from deliberation.models import Comment, CommentRevision, Membership
from tests.api.helpers import client_for
from tests.factories import MembershipFactory, UserFactory, make_claim, make_source

TEXT = "Three stations used live facial recognition for a month."
LD = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'


@pytest.fixture
def scene(debate):
    author = MembershipFactory(debate=debate).user
    claim = make_claim(debate, text="Cameras cut crime.")
    source = make_source(debate, text=TEXT)
    annotation = services.annotation_add(
        user=author, debate=debate, source=source, quote="Three stations", body="Few."
    )
    comment = services.comment_add(user=author, claim=claim, body="Which ones?")
    return {
        "debate": debate,
        "author": author,
        "claim": claim,
        "source": source,
        "annotation": annotation,
        "comment": comment,
    }


def actor(scene, role):
    debate = scene["debate"]
    if role == "anonymous":
        return None
    if role == "outsider":
        return UserFactory()
    if role == "author":
        return scene["author"]
    if role == "suspended":
        return MembershipFactory(debate=debate, status="suspended").user
    return MembershipFactory(debate=debate, role=role).user


def w3c_annotation(scene, quote="live facial recognition"):
    return json.dumps(
        {
            "@context": "http://www.w3.org/ns/anno.jsonld",
            "type": "Annotation",
            "bodyValue": "Where?",
            "target": {
                "source": f"http://testserver/api/v1/sources/{scene['source'].pk}/",
                "selector": {"type": "TextQuoteSelector", "exact": quote},
            },
        }
    )


CREATE = [
    ("anonymous", 401),
    ("outsider", 201),
    ("participant", 201),
    ("observer", 403),
    ("suspended", 403),
    ("moderator", 201),
]
CHANGE = [
    ("anonymous", 401),
    ("outsider", 403),
    ("participant", 403),
    ("observer", 403),
    ("suspended", 403),
    ("author", 200),
    ("moderator", 200),
]


@pytest.mark.parametrize("role, expected", CREATE)
def test_create_annotation(scene, role, expected):
    user = actor(scene, role)

    response = client_for(user).post(
        f"/api/v1/debates/{scene['debate'].slug}/annotations/",
        w3c_annotation(scene),
        content_type=LD,
    )

    assert response.status_code == expected
    created = Annotation.objects.filter(exact="live facial recognition")
    assert created.count() == (1 if expected == 201 else 0)
    if expected == 201:
        assert Membership.objects.filter(debate=scene["debate"], user=user).exists()


@pytest.mark.parametrize("role, expected", CREATE)
def test_create_comment(scene, role, expected):
    response = client_for(actor(scene, role)).post(
        f"/api/v1/annotations/{scene['annotation'].pk}/comments/",
        {"body": "Good point.", "alignment": "for"},
        format="json",
    )

    assert response.status_code == expected
    assert Comment.objects.filter(body="Good point.").count() == (
        1 if expected == 201 else 0
    )


@pytest.mark.parametrize("role, expected", CHANGE)
def test_edit_annotation(scene, role, expected):
    annotation = scene["annotation"]
    document = json.loads(w3c_annotation(scene, quote="Three stations"))
    document["bodyValue"] = "Changed."

    response = client_for(actor(scene, role)).put(
        f"/api/v1/annotations/{annotation.pk}/",
        json.dumps(document),
        content_type=LD,
    )

    assert response.status_code == expected
    annotation.refresh_from_db()
    assert annotation.body == ("Changed." if expected == 200 else "Few.")


@pytest.mark.parametrize("role, expected", CHANGE)
def test_delete_annotation(scene, role, expected):
    annotation = scene["annotation"]

    response = client_for(actor(scene, role)).delete(
        f"/api/v1/annotations/{annotation.pk}/"
    )

    assert response.status_code == (204 if expected == 200 else expected)
    annotation.refresh_from_db()
    assert annotation.is_deleted is (expected == 200)


@pytest.mark.parametrize("role, expected", CHANGE)
def test_edit_comment(scene, role, expected):
    comment = scene["comment"]

    response = client_for(actor(scene, role)).patch(
        f"/api/v1/comments/{comment.pk}/", {"body": "Edited."}, format="json"
    )

    assert response.status_code == expected
    comment.refresh_from_db()
    assert comment.body == ("Edited." if expected == 200 else "Which ones?")
    assert CommentRevision.objects.filter(comment=comment).count() == (
        2 if expected == 200 else 1
    )


@pytest.mark.parametrize("role, expected", CHANGE)
def test_delete_comment(scene, role, expected):
    comment = scene["comment"]

    response = client_for(actor(scene, role)).delete(f"/api/v1/comments/{comment.pk}/")

    assert response.status_code == (204 if expected == 200 else expected)
    comment.refresh_from_db()
    assert comment.is_deleted is (expected == 200)


@pytest.mark.parametrize("role, expected", [*CHANGE[:5], ("author", 302)])
def test_pages_refuse_the_same_edits(client, scene, role, expected):
    user = actor(scene, role)
    if user is not None:
        client.force_login(user)
    comment = scene["comment"]
    url = f"/d/{scene['debate'].slug}/comments/{comment.pk}/edit/"

    response = client.post(url, {"body": "Edited.", "alignment": "neutral"})

    assert response.status_code == (302 if role == "anonymous" else expected)
    if role == "anonymous":
        assert "/accounts/login/" in response["Location"]
    comment.refresh_from_db()
    assert comment.body == ("Edited." if role == "author" else "Which ones?")


VISIBILITY = [
    # (visibility, role, sees it)
    ("only_me", "author", True),
    ("only_me", "moderator", False),
    ("only_me", "participant", False),
    ("only_me", "anonymous", False),
    ("moderators", "author", True),
    ("moderators", "moderator", True),
    ("moderators", "participant", False),
    ("moderators", "anonymous", False),
    ("everyone", "anonymous", True),
]


@pytest.mark.parametrize("visibility, role, sees", VISIBILITY)
def test_private_annotations_reach_only_their_audience(
    client, scene, visibility, role, sees
):
    debate, source = scene["debate"], scene["source"]
    private = services.annotation_add(
        user=scene["author"],
        debate=debate,
        source=source,
        quote="for a month",
        body="Secret note",
        visibility=visibility,
    )
    services.comment_add(user=scene["author"], annotation=private, body="Secret reply")
    user = actor(scene, role)
    api = client_for(user)
    if user is not None:
        client.force_login(user)

    page = client.get(f"/d/{debate.slug}/sources/{source.key}/").content.decode()
    thread = client.get(f"/d/{debate.slug}/annotations/{private.pk}/")
    container = api.get(f"/api/v1/debates/{debate.slug}/annotations/").json()
    single = api.get(f"/api/v1/annotations/{private.pk}/")
    comments = api.get(f"/api/v1/annotations/{private.pk}/comments/")

    listed = [item["id"] for item in container["first"]["items"]]
    assert (f"http://testserver/api/v1/annotations/{private.pk}/" in listed) is sees
    assert ("Secret note" in page) is sees
    assert thread.status_code == (200 if sees else 404)
    assert single.status_code == (200 if sees else 404)
    assert comments.status_code == (200 if sees else 404)
    assert container["total"] == (2 if sees else 1)


def test_evidence_for_a_hidden_claim_is_hidden_with_it(client, scene):
    debate = scene["debate"]
    hidden = make_claim(debate, parent=scene["claim"], text="Gone", status="hidden")
    annotation = services.annotation_add(
        user=scene["author"],
        debate=debate,
        source=scene["source"],
        quote="for a month",
        evidence_claim=scene["claim"],
        relation="supports",
    )
    Annotation.objects.filter(pk=annotation.pk).update(evidence_claim=hidden)
    moderator = actor(scene, "moderator")

    page = client.get(f"/d/{debate.slug}/sources/{scene['source'].key}/")
    as_moderator = client_for(moderator).get(f"/api/v1/annotations/{annotation.pk}/")

    assert f"annotation-{annotation.pk}" not in page.content.decode()
    assert client_for(None).get(
        f"/api/v1/annotations/{annotation.pk}/"
    ).status_code == (404)
    assert as_moderator.status_code == 200
