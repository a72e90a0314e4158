"""Naming people costs one read of the debate's names per page or response,
whatever the number of people: the query counts below are the same for 2 and
6 people. Pages that showed names before (bylines, the review queue, members)
keep the counts they had; the audit log and the API's named answers read the
names once more than when they printed usernames (pages: main at 0ad8938)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deliberation import services
from deliberation.models import Debate
from tests.api.helpers import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

READER = {
    "thesis page": 16,  # + the sources "Add evidence" offers
    "source page": 9,  # + the evidence picker's outline
    "annotation page": 7,
    "comments (API)": 8,
    "annotations (W3C container)": 9,  # + the citations, counted and read
    "CSV export": 11,  # the claims as plain values, their authors apart
    "W3C export": 7,  # + the citations
}
MODERATOR = {
    "review queue": 9,
    "members": 5,
    "audit log": 7,  # + the members who acted or were acted on, for its filters
    "review queue (API)": 8,
    "audit log (API)": 6,
}


def build(people: int, *, anonymous: bool):
    teacher = UserFactory()
    debate = services.debate_create(
        owner=teacher, question="Cameras?", theses=["Cameras keep us safe."]
    )
    Debate.objects.filter(pk=debate.pk).update(anonymity=anonymous)
    debate.refresh_from_db()
    thesis = debate.claims.get(depth=1)
    source = services.source_add(
        user=teacher, debate=debate, title="Report", text="Arrests rose after."
    )
    reader = UserFactory()
    services.debate_join(user=reader, debate=debate)
    annotations = []
    for n in range(people):
        if n % 2:
            user = services.guest_join(debate=debate, pseudonym=f"Pupil {n}").user
        else:
            user = UserFactory()
            services.debate_join(user=user, debate=debate)
        claim = services.claim_contribute(
            user=user, parent=thesis, stance="pro", text=f"Claim {n}."
        )
        services.comment_add(user=user, claim=thesis, body=f"Comment {n}")
        annotations.append(
            services.annotation_add(
                user=user, debate=debate, source=source, quote="Arrests", body="A"
            )
        )
        services.flag_create(user=reader, item=claim, reason="spam")
        rude = services.comment_add(user=user, claim=thesis, body="Rude.")
        services.item_hide(user=teacher, item=rude, reason="Uncivil words")
    slug = debate.slug
    return {
        "reader": (
            reader,
            {
                "thesis page": f"/d/{slug}/claims/{thesis.pk}/",
                "source page": f"/d/{slug}/sources/{source.key}/",
                "annotation page": f"/d/{slug}/annotations/{annotations[0].pk}/",
                "comments (API)": f"/api/v1/claims/{thesis.pk}/comments/",
                "annotations (W3C container)": f"/api/v1/debates/{slug}/annotations/",
                "CSV export": f"/d/{slug}/export/csv/",
                "W3C export": f"/d/{slug}/export/annotations/",
            },
        ),
        "moderator": (
            teacher,
            {
                "review queue": f"/d/{slug}/moderation/",
                "members": f"/d/{slug}/members/",
                "audit log": f"/d/{slug}/moderation-log/",
                "review queue (API)": f"/api/v1/debates/{slug}/flags/",
                "audit log (API)": f"/api/v1/debates/{slug}/moderation-log/",
            },
        ),
    }


def counts(viewer, urls: dict) -> dict:
    client = client_for(viewer)
    client.get("/")  # the session is read once, as on any later page
    found = {}
    for name, url in urls.items():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        found[name] = len(queries)
    return found


@pytest.mark.parametrize("anonymous", [False, True], ids=["pseudonymous", "anonymous"])
@pytest.mark.parametrize("people", [2, 6])
def test_names_cost_the_same_queries_whatever_the_number_of_people(people, anonymous):
    scene = build(people, anonymous=anonymous)

    assert counts(*scene["reader"]) == READER
    assert counts(*scene["moderator"]) == MODERATOR
