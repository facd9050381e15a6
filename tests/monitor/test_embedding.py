"""The embedding signal's cost controls: digits normalised, a cache of prompts, a sample of requests
by position — with a small stand-in for MiniLM (words hashed into 64 dimensions), so the tests run
in a second and still separate the unseen domain from the baseline's."""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pytest

from aicop.errors import InputError
from aicop.monitor.detect import Monitor, Settings, run
from aicop.monitor.embedding import CachedEmbedder, normalise
from aicop.monitor.events import open_log
from aicop.monitor.features import words


class BagOfWords:
    """Unit vectors of hashed word counts; remembers every text it was asked to embed."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, texts: list[str]) -> np.ndarray:  # type: ignore[type-arg]
        self.seen += texts
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in words(text):
                out[row, zlib.crc32(word.encode()) % 64] += 1.0
        norms = np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
        result: np.ndarray = out / norms  # type: ignore[type-arg]
        return result


def test_numbers_and_spacing_do_not_change_what_is_embedded() -> None:
    assert normalise("  order 12345\n\tarrived  on 3/11 ") == "order 0 arrived on 0/0"
    model = BagOfWords()
    cached = CachedEmbedder(model)
    vectors = cached(["order 12345 late", "order 999 late", "a refund", "order 7   late"])
    assert model.seen == ["a refund", "order 0 late"]  # each distinct prompt once, shortest first
    assert cached.asked == 4 and cached.computed == 2
    assert np.array_equal(vectors[0], vectors[1]) and np.array_equal(vectors[0], vectors[3])
    assert not np.array_equal(vectors[0], vectors[2])
    again = cached(["a refund"])
    assert cached.computed == 2 and np.array_equal(again[0], vectors[2])


def test_the_cache_keeps_only_the_most_recent_prompts() -> None:
    model = BagOfWords()
    cached = CachedEmbedder(model, size=2)
    cached(["alpha"])
    cached(["beta"])
    cached(["alpha"])  # alpha is now the most recent
    cached(["gamma"])  # beta leaves
    cached(["alpha", "beta"])
    assert model.seen == ["alpha", "beta", "gamma", "beta"]
    assert len(cached.cache) == 2


def test_embedding_drift_is_found_after_a_shift_and_not_before(logs: dict[str, Path]) -> None:
    model = BagOfWords()
    monitor = run(open_log(str(logs["shift"])), Settings(embeddings=True), model)
    found = [a for a in monitor.alarms if a.signal == "input.embedding" and a.scope == "all"]
    assert found and 2500 < found[0].start_index <= 3000 and found[0].direction == "up"
    assert monitor.embed is not None and monitor.embed.computed < monitor.embed.asked  # cache hits


def test_a_sample_of_requests_is_embedded_and_still_finds_the_shift(logs: dict[str, Path]) -> None:
    model = BagOfWords()
    monitor = Monitor(Settings(embeddings=True, embed_every=4), model)
    for request in open_log(str(logs["shift"])):
        monitor.feed(request)
    monitor.finish()
    assert monitor.embed is not None
    # the baseline's 500 + 500 prompts, then one monitored request in four
    assert monitor.embed.asked == 1000 + monitor.monitored // 4
    found = [a for a in monitor.alarms if a.signal == "input.embedding" and a.scope == "all"]
    assert found and 2500 < found[0].start_index <= 3000


def test_steady_traffic_raises_no_embedding_alarm(logs: dict[str, Path]) -> None:
    monitor = run(open_log(str(logs["steady"])), Settings(embeddings=True, embed_every=2), BagOfWords())
    assert monitor.alarms == []


def test_a_sample_of_none_is_refused() -> None:
    with pytest.raises(InputError, match="embed_every must be 1 or more"):
        Monitor(Settings(embeddings=True, embed_every=0), BagOfWords())


def test_the_report_says_how_embeddings_were_sampled(logs: dict[str, Path]) -> None:
    from aicop.monitor.report import build, render_html, render_markdown

    reader = open_log(str(logs["steady"]))
    monitor = run(reader, Settings(embeddings=True, embed_every=3), BagOfWords())
    report = build(monitor, reader.integrity, str(logs["steady"]))
    assert report.method is not None and report.method.embeddings is not None
    assert "one monitored request in 3" in report.method.embeddings
    assert "one monitored request in 3" in render_markdown(report)
    assert "one monitored request in 3" in render_html(report)
