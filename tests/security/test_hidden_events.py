"""Live events reach every reader of a debate, so none goes out about a claim
the public may not see: votes on a claim in a hidden branch (by its author or
a moderator, who may see it) change its tally without a ``tally.changed``.
On PostgreSQL the API's member vote takes the one-statement path, elsewhere
the transactional one: both are covered by running this file on each."""

import pytest

from deliberation import services
from deliberation.services import voting as voting_services
from tests.api.helpers import client_for
from tests.factories import DebateFactory, MembershipFactory, make_claim

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(monkeypatch):
    sent = []
    monkeypatch.setattr(
        voting_services,
        "publish",
        lambda *, debate_id, event, payload: sent.append((event, payload["claim_id"])),
    )
    return sent


@pytest.fixture
def scene():
    debate = DebateFactory()
    moderator = MembershipFactory(debate=debate, role="moderator").user
    author = MembershipFactory(debate=debate).user
    thesis = make_claim(debate)
    hidden = make_claim(debate, thesis, "con", author=author)
    under = make_claim(debate, hidden, "pro", author=author)
    open_claim = make_claim(debate, thesis, "pro")
    link = make_claim(debate, thesis, "con", text="", link_to=under)
    services.item_hide(user=moderator, item=hidden, reason="Not here")
    return debate, moderator, author, hidden, under, open_claim, link


def test_no_tally_event_for_a_claim_in_a_hidden_branch(
    scene, published, django_capture_on_commit_callbacks
):
    debate, moderator, author, hidden, under, open_claim, link = scene
    api = client_for(author)
    page = client_for(moderator)

    with django_capture_on_commit_callbacks(execute=True):
        first = api.post(f"/api/v1/claims/{under.pk}/vote/", {"stance": "agree"})
        # A member's second vote: the one-statement path on PostgreSQL.
        again = api.post(f"/api/v1/claims/{under.pk}/vote/", {"stance": "pass"})
        impact = api.post(f"/api/v1/claims/{under.pk}/impact/", {"value": 3})
        on_page = page.post(
            f"/d/{debate.slug}/claims/{under.pk}/vote/", {"stance": "disagree"}
        )
        withdrawn = api.delete(f"/api/v1/claims/{under.pk}/vote/")
        shown = api.post(f"/api/v1/claims/{open_claim.pk}/vote/", {"stance": "agree"})

    assert [r.status_code for r in (first, again, impact, withdrawn, shown)] == [
        200,
        200,
        200,
        200,
        200,
    ]
    assert on_page.status_code == 302
    # The answers still carry the tally, to those who voted.
    assert (again.json()["pass"], withdrawn.json()["disagree"]) == (1, 1)
    assert under.votes.count() == 1 and under.impacts.count() == 1
    assert published == [("tally.changed", open_claim.pk)]


def test_a_link_into_a_hidden_branch_is_not_there_to_vote_on(scene, published):
    debate, moderator, author, hidden, under, open_claim, link = scene

    stranger = client_for(MembershipFactory(debate=debate).user)
    response = stranger.post(f"/api/v1/claims/{link.pk}/vote/", {"stance": "agree"})

    assert response.status_code == 404
    assert under.votes.count() == 0
    assert published == []


def test_restoring_the_branch_brings_its_tally_events_back(
    scene, published, django_capture_on_commit_callbacks
):
    debate, moderator, author, hidden, under, open_claim, link = scene
    hidden.refresh_from_db()
    services.item_restore(user=moderator, item=hidden, reason="Fine after all")

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(author).post(
            f"/api/v1/claims/{under.pk}/vote/", {"stance": "agree"}
        )

    assert response.status_code == 200
    assert published == [("tally.changed", under.pk)]
