"""CPU time per distinct prompt of the monitor's embedding, before and after: 300 distinct simulator
prompts (digits normalised) in batches of 50, as the monitor sends a stride's.

    PYTHONPATH=<checkout at bdd1a22>/src python benchmarks/monitor_embed_cost.py old   # Embedder, padded
    python benchmarks/monitor_embed_cost.py new                                      # MiniLM, 2 processes

``old`` is the guard's Embedder called as the monitor called it (one process, one BLAS thread); ``new``
is aicop.monitor.embedding.MiniLM on two processes. CPU time, with the load average beside it.
"""

from __future__ import annotations

import os
import sys
import time

from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]  # no type information

from aicop.gateway import classifier
from aicop.monitor.embedding import normalise
from aicop.monitor.simulate import Plan, requests


def main(which: str) -> int:
    plan = Plan(requests=300, seed=8, shift_at=150, distinct=True)
    texts = [normalise(r["data"]["gen_ai.input.messages"][1]["content"]) for r in requests(plan)]
    folder = classifier.model_dir()
    if folder is None or classifier.missing():
        print(f"skipped: {classifier.missing()}")
        return 0
    worker = 0.0
    if which == "old":
        embedder = classifier.Embedder(folder)
        with threadpool_limits(1, "blas"):
            start = time.process_time()
            for i in range(0, len(texts), 50):
                embedder(sorted(texts[i : i + 50], key=len))
            cpu = time.process_time() - start
    else:
        from aicop.monitor.embedding import MiniLM

        with MiniLM(folder, processes=2) as model:
            before, start = sum(model.worker_cpu), time.process_time()
            for i in range(0, len(texts), 50):
                model(texts[i : i + 50])
            cpu, worker = time.process_time() - start, sum(model.worker_cpu) - before
    per = 1000 / len(texts)
    print(
        f"{which}: {cpu * per:.2f} ms here + {worker * per:.2f} ms in the worker per prompt; "
        f"load {os.getloadavg()[0]:.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "new"))
