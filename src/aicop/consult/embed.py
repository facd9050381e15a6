"""Sentence embeddings of free-text answers, with the MiniLM model the guard already ships
(:class:`aicop.gateway.classifier.Embedder`: NumPy, no PyTorch), computed once per distinct sentence.

An answer's vector is the mean of its sentences' vectors, made unit length. Embedding by sentence
rather than by answer is what makes 20,000 responses affordable: the model costs about 13 ms of CPU
per short sentence here (measured: 512 sentences of 10-30 words, batches of 64 sorted by length,
one BLAS thread), and consultation answers repeat sentences (form letters, stock phrases, "No
comment.") far more often than whole answers. It also suits the model, which was trained on
sentences and reads at most 256 tokens.

Vectors are cached in a file keyed by the SHA-256 of the sentence, so rebuilding a report after an
analyst's decisions embeds nothing again. The cache is NumPy's ``.npz`` read with
``allow_pickle=False``: arrays only, nothing executed.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import numpy.typing as npt

from aicop.errors import InputError

Array = npt.NDArray[np.float32]
DIMENSIONS = 384
MAX_SENTENCES = 40  # of one answer; an answer is at most 5,000 characters
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def sentences(text: str) -> list[str]:
    parts = [p.strip() for p in _SENTENCE.split(text) if p.strip()]
    return parts[:MAX_SENTENCES] or [text.strip()]


def _key(sentence: str) -> bytes:
    return hashlib.sha256(sentence.encode()).digest()[:16]


class SentenceVectors:
    """Embeds sentences through a cache file (``None`` for none)."""

    def __init__(self, cache: Path | None = None) -> None:
        self.cache = cache
        self.known: dict[bytes, int] = {}
        self.vectors: list[Array] = []
        self.computed = 0  # sentences embedded in this run (not from the cache)
        if cache is not None and cache.exists():
            self._load(cache)

    def _load(self, path: Path) -> None:
        try:
            with np.load(path, allow_pickle=False) as data:
                keys = data["keys"]
                vectors = data["vectors"].astype(np.float32)
        except (OSError, ValueError, KeyError) as err:
            raise InputError(
                f"the embedding cache does not load ({err}); delete it to rebuild", path=path
            ) from err
        if keys.ndim != 2 or keys.shape[1] != 16 or vectors.shape != (len(keys), DIMENSIONS):
            raise InputError("the embedding cache has the wrong shape; delete it to rebuild", path=path)
        self.vectors = [vectors]
        self.known = {bytes(k): i for i, k in enumerate(keys)}

    def embed(self, texts: list[str]) -> Array:
        """One unit vector per text: the normalised mean of its sentences' vectors."""
        split = [sentences(t) for t in texts]
        new = list(dict.fromkeys(s for parts in split for s in parts if _key(s) not in self.known))
        if new:
            self._compute(new)
        table = np.concatenate(self.vectors) if self.vectors else np.zeros((0, DIMENSIONS), np.float32)
        rows = np.array([self.known[_key(s)] for parts in split for s in parts], dtype=np.intp)
        starts = np.cumsum([0] + [len(parts) for parts in split[:-1]])  # every text has a sentence
        summed = np.add.reduceat(table[rows], starts, axis=0) if texts else table[:0]
        norms = np.maximum(np.linalg.norm(summed, axis=1, keepdims=True), 1e-12)
        out: Array = (summed / norms).astype(np.float32)
        return out

    def _compute(self, new: list[str]) -> None:
        from aicop.gateway.classifier import Embedder, missing, model_dir

        why = missing()
        folder = model_dir()
        if why is not None or folder is None:
            raise InputError(f"free-text themes need the embedding model: {why}")
        embedder = Embedder(folder)
        order = sorted(range(len(new)), key=lambda i: len(new[i]))  # like lengths pad little
        vectors = np.zeros((len(new), DIMENSIONS), dtype=np.float32)
        step = 64
        for start in range(0, len(order), step):
            chosen = order[start : start + step]
            vectors[chosen] = embedder([new[i] for i in chosen], batch=step)
        base = sum(len(v) for v in self.vectors)
        for i, sentence in enumerate(new):
            self.known[_key(sentence)] = base + i
        self.vectors.append(vectors)
        self.computed += len(new)

    def save(self) -> None:
        if self.cache is None or not self.computed:
            return
        keys = np.zeros((len(self.known), 16), dtype=np.uint8)
        for key, row in self.known.items():
            keys[row] = np.frombuffer(key, dtype=np.uint8)
        self.cache.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.cache.with_name(self.cache.name + ".tmp.npz")
        np.savez(temporary, keys=keys, vectors=np.concatenate(self.vectors))
        temporary.replace(self.cache)
