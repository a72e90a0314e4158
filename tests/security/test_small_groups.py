"""k-anonymity for small groups (issue 15, item 7): no tally of a side, or of
a team's small-group copy, of fewer than MIN_GROUP_SIZE (3) people is shown
to anyone but the debate's moderators (the teacher): not on pages, in the
API, in live events or in exports."""

import pytest

from claims.models import Claim
from deliberation.models import Debate, Membership, Vote
from deliberation.services import voting as voting_services
from tests.api.helpers import client_for
from tests.factories import make_claim
from tests.results.helpers import guest, make_class

pytestmark = pytest.mark.django_db
WITHHELD = (
    "Counts are shown for groups of at least 3 people, so no one's vote can be "
    "worked out."
)


@pytest.fixture
def sides():
    """Side "for": two pupils; side "against": three."""
    klass = make_class(0)
    pupils = [guest(klass.debate, i, side="for")[0] for i in range(2)]
    pupils += [guest(klass.debate, i + 2, side="against")[0] for i in range(3)]
    stances = ["agree", "disagree", "agree", "agree", "pass"]
    for user, stance in zip(pupils, stances, strict=True):
        Vote.objects.create(claim=klass.thesis, user=user, stance=stance)
    return klass, pupils


def _tally(client, claim, perspective):
    return client.get(f"/api/v1/claims/{claim.pk}/tally/?perspective={perspective}")


def test_a_pupil_gets_no_tally_of_a_side_of_two(sides):
    klass, pupils = sides
    pupil = client_for(pupils[0])
    votes = Vote.objects.count()

    small = _tally(pupil, klass.thesis, "side:for")
    large = _tally(pupil, klass.thesis, "side:against")
    page = pupil.get(f"/d/{klass.debate.slug}/claims/{klass.thesis.pk}/")
    small_page = pupil.get(
        f"/d/{klass.debate.slug}/claims/{klass.thesis.pk}/?perspective=side:for"
    )

    assert small.status_code == 403
    assert small.json() == {"detail": WITHHELD}
    assert large.status_code == 200
    assert [large.json()[k] for k in ("agree", "disagree", "pass", "voters")] == [
        2,
        0,
        1,
        3,
    ]
    html = page.content.decode()
    assert 'value="side:against"' in html and 'value="side:for"' not in html
    assert small_page.status_code == 403
    assert Vote.objects.count() == votes


def test_the_teacher_reads_every_side(sides):
    klass, pupils = sides
    teacher = client_for(klass.teacher)

    small = _tally(teacher, klass.thesis, "side:for")
    html = teacher.get(f"/d/{klass.debate.slug}/claims/{klass.thesis.pk}/")

    assert small.status_code == 200
    assert [small.json()[k] for k in ("agree", "disagree", "pass")] == [1, 1, 0]
    assert small.json()["withheld"] is None
    assert 'value="side:for"' in html.content.decode()


def test_the_minimum_is_a_setting(sides, settings):
    settings.MIN_GROUP_SIZE = 2
    klass, pupils = sides

    small = _tally(client_for(pupils[0]), klass.thesis, "side:for")

    assert small.status_code == 200
    assert [small.json()[k] for k in ("agree", "disagree")] == [1, 1]


@pytest.fixture
def team():
    """A team's small-group copy with two pupils, each voted on its thesis."""
    klass = make_class(0)
    copy = Debate.objects.create(
        slug="team-a",
        question="Q",
        parent=klass.debate,
        owner=klass.teacher,
        mode=Debate.Mode.CLASSROOM,
        visibility=Debate.Visibility.PRIVATE,
    )
    Membership.objects.create(debate=copy, user=klass.teacher, role="owner")
    pupils = [guest(copy, i, team="a")[0] for i in range(2)]
    thesis = make_claim(copy, text="Cameras help.", author=klass.teacher)
    Vote.objects.create(claim=thesis, user=pupils[0], stance="agree")
    return klass, copy, pupils, thesis


def test_a_team_of_two_sees_no_counts_anywhere(
    team, monkeypatch, django_capture_on_commit_callbacks
):
    klass, copy, pupils, thesis = team
    sent = []
    monkeypatch.setattr(
        voting_services,
        "publish",
        lambda *, debate_id, event, payload: sent.append((event, payload)),
    )
    pupil = client_for(pupils[1])

    page = pupil.get(f"/d/{copy.slug}/claims/{thesis.pk}/").content.decode()
    tally = _tally(pupil, thesis, "everyone")
    with django_capture_on_commit_callbacks(execute=True):
        vote = pupil.post(f"/api/v1/claims/{thesis.pk}/vote/", {"stance": "disagree"})
    export = pupil.get(f"/api/v1/debates/{copy.slug}/export/?format=csv")

    assert WITHHELD.replace("'", "&#x27;") in page
    assert 'data-field="agree"' not in page
    assert tally.status_code == 200
    assert {k: tally.json()[k] for k in ("agree", "voters", "withheld")} == {
        "agree": None,
        "voters": None,
        "withheld": WITHHELD,
    }
    assert vote.status_code == 200
    assert (vote.json()["agree"], vote.json()["my_stance"]) == (None, "disagree")
    assert vote.json()["withheld"] == WITHHELD
    rows = b"".join(export.streaming_content).decode().splitlines()
    assert rows[0].split(",")[5:] == [
        "agree",
        "disagree",
        "pass",
        "impact_voters",
        "impact_mean",
    ]
    assert rows[1].endswith(",,,,,")
    assert sent == []  # no tally.changed to the team's pages


def test_the_teacher_reads_a_small_teams_counts(team):
    klass, copy, pupils, thesis = team
    teacher = client_for(klass.teacher)

    tally = _tally(teacher, thesis, "everyone")
    page = teacher.get(f"/d/{copy.slug}/claims/{thesis.pk}/").content.decode()

    assert (tally.json()["agree"], tally.json()["withheld"]) == (1, None)
    assert "Counts are shown" not in page and 'data-field="agree">1<' in page


def test_a_team_of_three_is_counted_for_all(
    team, monkeypatch, django_capture_on_commit_callbacks
):
    klass, copy, pupils, thesis = team
    guest(copy, 7, team="a")
    sent = []
    monkeypatch.setattr(
        voting_services,
        "publish",
        lambda *, debate_id, event, payload: sent.append(event),
    )

    with django_capture_on_commit_callbacks(execute=True):
        with_votes = client_for(pupils[1]).post(
            f"/api/v1/claims/{thesis.pk}/vote/", {"stance": "agree"}
        )

    assert (with_votes.json()["agree"], with_votes.json()["withheld"]) == (2, None)
    assert Claim.objects.get(pk=thesis.pk).votes.count() == 2
    assert sent == ["tally.changed"]
