"""Prompt embeddings for the monitor's drift-in-meaning signal, at the least cost the test allows.

An embedding (all-MiniLM-L6-v2, computed with NumPy by ``aicop.gateway.classifier.Embedder``) costs
milliseconds of CPU per prompt, a hundred times what the rest of the monitor spends on a request. So
the monitor embeds as few prompts as it can without changing what the test means:

- **Numbers are not meaning.** A prompt is embedded with every run of digits written as ``0`` and its
  white space collapsed: "order 12345" and "order 67890" ask the same thing. The baseline and the
  monitored traffic are embedded the same way, so the test compares like with like.
- **A cache** of the last ``CACHE_SIZE`` distinct prompts (so normalised) and their embeddings: the
  templated prompts applications send, and the retries and repeats of real users, are embedded once.
- **Batches.** The prompts of a stride that are not cached are embedded together, shortest first, so
  a batch pads little, and each distinct prompt of the batch once.
- **One BLAS thread.** A stride's batch is small (tens of short prompts); OpenBLAS's second thread
  spins while it waits and, on a busy machine, cost 7x the CPU time and 7x the wall time of one thread
  (9.7 s against 1.4 s for the benchmark's 2,000 requests at load 21). threadpoolctl limits it for the
  monitor's embedding calls and matrix products only.

Which requests are embedded at all is the monitor's choice (``Settings.embed_every``); see
``detect``. Nothing here is loaded or run but the model's arrays, read as data.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]  # no type information

Vectors = npt.NDArray[np.float32]
CACHE_SIZE = 8192  # 8,192 x 384 floats: 12.6 MB
_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """The text as it is embedded: runs of digits as ``0``, white space as one space."""
    return _SPACE.sub(" ", _DIGITS.sub("0", text)).strip()


class CachedEmbedder:
    """``embed`` (a list of texts -> unit vectors, one row each) with the normalisation, the cache and
    the batching above. ``computed`` and ``asked`` count texts embedded and texts asked for."""

    def __init__(self, embed: Callable[[list[str]], Any], size: int = CACHE_SIZE) -> None:
        self.embed, self.size = embed, size
        self.cache: OrderedDict[str, Vectors] = OrderedDict()
        self.asked = self.computed = 0
        self.threads = ThreadpoolController()

    def one_thread(self) -> Any:
        """A context in which BLAS runs on one thread (the embedding calls, and the monitor's small
        matrix products with the reference)."""
        return self.threads.limit(limits=1, user_api="blas")

    def __call__(self, texts: list[str]) -> Vectors:
        keys = [normalise(t) for t in texts]
        self.asked += len(keys)
        found: dict[str, Vectors] = {}
        for key in keys:
            vector = self.cache.get(key)
            if vector is not None:
                self.cache.move_to_end(key)
                found[key] = vector
        missing = sorted({k for k in keys if k not in found}, key=len)
        if missing:
            with self.one_thread():
                vectors = np.asarray(self.embed(missing), dtype=np.float32)
            self.computed += len(missing)
            for key, vector in zip(missing, vectors, strict=True):
                found[key] = vector
                self.cache[key] = vector
            while len(self.cache) > self.size:
                self.cache.popitem(last=False)
        if not keys:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([found[k] for k in keys])
