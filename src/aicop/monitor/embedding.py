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

import contextlib
import json
import re
import subprocess
import sys
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]  # no type information

from aicop.errors import InputError

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


TOKENS = 64  # a prompt's first 64 tokens are what the monitor embeds (see MiniLM)


def _share(count: int, parts: int) -> list[list[int]]:
    """Indexes 0..count-1 (texts sorted by length) dealt round-robin into ``parts`` shares, so every
    share gets as many long texts as short ones."""
    return [list(range(p, count, parts)) for p in range(parts)]


class MiniLM:
    """all-MiniLM-L6-v2 as the monitor runs it, on ``processes`` cores: this process embeds a share of
    each batch while ``processes`` - 1 worker processes (each with the model) embed the others.

    - **Packed, no padding** (``Embedder.packed``): the linear layers run over all the tokens of a
      batch at once, attention over the prompts of each length; a batch of prompts of mixed lengths
      costs what its tokens cost.
    - **GELU in its tanh form** (``exact=False``, the default): 10% less CPU; embeddings within 1e-5
      in cosine of the exact form's. The guard keeps the exact path.
    - **A prompt's first ``tokens`` tokens** (default TOKENS): what a prompt is about is in its
      opening; the cap bounds what a long prompt costs (a 256-token prompt would cost ten times a
      25-token one) for a drift signal that compares prompts with the baseline's, capped alike.

    Workers are new Python processes (``aicop.monitor.embed_worker``: no fork of a process holding
    BLAS and tokenizer threads, nothing of the caller's main module run again), in a session of their
    own so Ctrl-C reaches only this process; they end when their input closes: by ``close`` (also on
    leaving a ``with`` block), or when this process ends however it ends. ``worker_cpu`` is their CPU
    time, which this process's does not include."""

    def __init__(self, folder: Path, processes: int = 1, tokens: int = TOKENS, exact: bool = False) -> None:
        from aicop.gateway.classifier import Embedder

        if processes < 1:
            raise InputError(f"the embedding needs at least one process, not {processes}")
        if tokens < 3:
            raise InputError(
                f"a prompt's embedding needs at least 3 tokens ([CLS], one, [SEP]), not {tokens}"
            )
        self.tokens, self.exact = tokens, exact
        self.embedder = Embedder(folder)
        self.threads = ThreadpoolController()  # made once: it inspects every loaded library (~0.25 ms)
        self.workers: list[subprocess.Popen[bytes]] = []
        self.worker_cpu: list[float] = []
        command = [
            sys.executable,
            "-m",
            "aicop.monitor.embed_worker",
            str(folder),
            str(tokens),
            str(int(exact)),
        ]
        try:
            for _ in range(processes - 1):
                # its own session: a Ctrl-C at the terminal reaches this process, which ends the workers
                self.workers.append(
                    subprocess.Popen(
                        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True
                    )
                )
                self.worker_cpu.append(0.0)
            for worker in self.workers:
                self._answer(worker)
        except BaseException:
            self.close()
            raise

    def _answer(self, worker: subprocess.Popen[bytes]) -> Vectors:
        """A worker's next answer: its vectors (none for "ready"); its CPU time into ``worker_cpu``."""
        assert worker.stdout is not None
        line = worker.stdout.readline()
        if not line:
            raise InputError(f"an embedding worker process ended unexpectedly (exit code {worker.poll()})")
        header = json.loads(line)
        if "error" in header:
            raise InputError(str(header["error"]))
        self.worker_cpu[self.workers.index(worker)] = float(header["cpu"])
        rows = int(header.get("rows", 0))
        data = worker.stdout.read(rows * 384 * 4)
        if len(data) != rows * 384 * 4:
            raise InputError("an embedding worker process ended in the middle of an answer")
        return np.frombuffer(data, dtype="<f4").reshape(rows, 384).astype(np.float32)

    def __call__(self, texts: list[str]) -> Vectors:
        try:
            return self._embed(texts)
        except BaseException:
            # answers still on their way would be read by the next call as its own: the workers go,
            # and a later call embeds in this process alone
            self._abandon()
            raise

    def _embed(self, texts: list[str]) -> Vectors:
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        shares = _share(len(order), len(self.workers) + 1)
        busy = []
        for worker, share in zip(self.workers, shares[1:], strict=False):
            if share:
                assert worker.stdin is not None
                try:
                    worker.stdin.write(json.dumps([texts[order[j]] for j in share]).encode() + b"\n")
                    worker.stdin.flush()
                except OSError:
                    raise InputError(
                        f"an embedding worker process ended (exit code {worker.poll()})"
                    ) from None
                busy.append((worker, share))
        out = np.zeros((len(texts), 384), dtype=np.float32)
        own = [order[j] for j in shares[0]]
        with self.threads.limit(limits=1, user_api="blas"):
            pieces = self.embedder.token_ids([texts[i] for i in own], self.tokens)
            out[own] = self.embedder.packed(pieces, self.exact)
        for worker, share in busy:
            out[[order[j] for j in share]] = self._answer(worker)
        return out

    def _abandon(self) -> None:
        for worker in self.workers:
            worker.kill()
            worker.wait()
            for pipe in (worker.stdin, worker.stdout):
                if pipe is not None:
                    with contextlib.suppress(OSError):
                        pipe.close()
        self.workers = []

    def close(self) -> None:
        """End the worker processes: their input closed (they end at its end), terminated if they have
        not ended within 5 s."""
        for worker in self.workers:
            assert worker.stdin is not None
            with contextlib.suppress(OSError):  # a worker that already ended
                worker.stdin.close()
        for worker in self.workers:
            try:
                worker.wait(5)
            except subprocess.TimeoutExpired:
                worker.terminate()
                worker.wait(5)
            if worker.stdout is not None:
                worker.stdout.close()
        self.workers = []

    def __enter__(self) -> MiniLM:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
