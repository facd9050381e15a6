"""The near-duplicate helper process's side of parallel.py's exchange: requests on stdin, answers on
stdout. A module of its own so that the helper imports only what it uses (the search and NumPy), not
the parent's process and thread machinery (a third of its start-up)."""

from __future__ import annotations

import json
import sys
from typing import Any

from aicop.datacheck.neardup import NearSearch


def serve(threshold: str, seconds: str, rate: str) -> None:
    """The helper's side: look records up as they come, answer each sync, until the input ends."""
    import signal
    import traceback

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    search = NearSearch(json.loads(threshold), json.loads(seconds), json.loads(rate))
    out = sys.stdout.buffer
    failed: str | None = None
    source = sys.stdin.buffer
    for line in source:
        request: dict[str, Any] = json.loads(line)
        if "size" in request:
            payload = source.read(int(request["size"]))
            if failed is None:
                try:
                    texts = payload.decode().split("\n")
                    if len(texts) != int(request["count"]):
                        raise ValueError(f"{request['count']} texts announced, {len(texts)} sent")
                    search.feed(texts, int(request["read"]))
                except Exception:  # a bug: said at the next sync, raised by the parent
                    failed = traceback.format_exc()
            continue
        if failed is not None:
            answer: dict[str, Any] = {"error": failed}
        else:
            matches = [[number, earlier, score] for number, (earlier, score) in search.sync().items()]
            spent, skipped = search.budget.spent, search.budget.skipped
            answer = {"matches": matches, "spent": spent, "skipped": skipped, "full": search.full}
        try:
            out.write(json.dumps(answer, separators=(",", ":")).encode() + b"\n")
            out.flush()
        except OSError:  # the parent has gone
            return
