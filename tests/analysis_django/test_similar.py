"""Duplicate suggestions: GET /api/v1/debates/{slug}/similar/?text=..."""

import pytest

from claims.models import Claim
from deliberation.analysis.similarity import most_similar
from tests.factories import DebateFactory, make_claim

pytestmark = pytest.mark.django_db

TEXTS = [
    "Cameras in public spaces reduce crime.",
    "Facial recognition in public should be banned.",
    "Police need a warrant to read phone data.",
    "Predictive policing repeats old biases.",
    "Public cameras deter crime in city centres.",
    "Data retention must be limited to 30 days.",
    "Body cameras protect officers and citizens.",
]


def url(debate):
    return f"/api/v1/debates/{debate.slug}/similar/"


def test_top_five_visible_claims_best_first(client):
    debate = DebateFactory()
    claims = [make_claim(debate, text=t) for t in TEXTS]
    make_claim(
        debate, text="Cameras in public spaces reduce crime a lot.", status="hidden"
    )
    response = client.get(url(debate), {"text": "Public cameras reduce crime"})
    assert response.status_code == 200
    rows = response.json()
    assert 1 <= len(rows) <= 5
    assert [r["id"] for r in rows[:2]] == [claims[0].pk, claims[4].pk]
    scores = [r["score"] for r in rows]
    assert scores == sorted(scores, reverse=True)
    assert 0 < scores[-1] <= scores[0] <= 1
    hidden = Claim.objects.get(status="hidden")
    assert hidden.pk not in {r["id"] for r in rows}
    assert set(rows[0]) == {"id", "text", "depth", "stance", "score"}


def test_the_text_is_required_and_private_debates_stay_private(client):
    debate = DebateFactory()
    make_claim(debate, text=TEXTS[0])
    assert client.get(url(debate)).status_code == 400
    private = DebateFactory(visibility="private")
    assert client.get(url(private), {"text": "cameras"}).status_code == 404


def test_most_similar_handles_text_without_spaces_and_empty_input():
    candidates = [
        (1, "自用車載客應該合法化"),
        (2, "計程車司機需要保障"),
        (3, "天氣很好"),
    ]
    found = most_similar("自用車載客合法化", candidates)
    assert found[0][0] == 1
    assert most_similar("", candidates) == []
    assert most_similar("anything", []) == []
    assert most_similar("x", [(1, "a")]) == []
