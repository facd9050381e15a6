"""A worker process of the monitor's embedding (``aicop.monitor.embedding.MiniLM``), run as
``python -m aicop.monitor.embed_worker FOLDER TOKENS EXACT``.

It reads batches of texts from standard input, one JSON list a line, and answers each on standard
output with a JSON header line, ``{"rows": N, "cpu": SECONDS}`` (its CPU time so far), then N x 384
float32 values as raw bytes; or ``{"error": MESSAGE}``. It says ``{"ready": ..., "cpu": ...}`` once the
model is read. It ends at end of input (the parent closed the pipe or ended), and ignores Ctrl-C,
which is the parent's to handle: the parent ends its workers. Only the model's arrays and tokenizer are
read, as data."""

from __future__ import annotations

import json
import signal
import sys
import time
from pathlib import Path
from typing import BinaryIO


def _say(out: BinaryIO, header: dict[str, object], payload: bytes = b"") -> None:
    out.write(json.dumps(header).encode() + b"\n" + payload)
    out.flush()


def serve(folder: Path, tokens: int, exact: bool, given: BinaryIO, out: BinaryIO) -> int:
    from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]  # no type information

    from aicop.gateway.classifier import Embedder

    try:
        embedder = Embedder(folder)
    except Exception as err:  # any failure to read the model is the parent's to report
        _say(out, {"error": f"the embedding worker could not read the model in {folder}: {err}"})
        return 2
    _say(out, {"ready": True, "cpu": time.process_time()})
    with ThreadpoolController().limit(limits=1, user_api="blas"):
        for line in given:
            try:
                texts = json.loads(line)
                if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
                    raise ValueError("a batch must be a JSON list of strings")
                vectors = embedder.packed(embedder.token_ids(texts, tokens), exact)
            except Exception as err:  # sent to the parent, which raises it
                _say(out, {"error": f"the embedding worker failed: {err}"})
                continue
            _say(out, {"rows": len(vectors), "cpu": time.process_time()}, vectors.astype("<f4").tobytes())
    return 0


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if len(argv) != 3 or not argv[1].isdigit() or argv[2] not in ("0", "1"):
        print("usage: python -m aicop.monitor.embed_worker FOLDER TOKENS EXACT(0|1)", file=sys.stderr)
        return 2
    return serve(Path(argv[0]), int(argv[1]), argv[2] == "1", sys.stdin.buffer, sys.stdout.buffer)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
