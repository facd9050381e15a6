"""Flipped labels: cleanlab over a cross-validated model finds them, and says when it cannot look."""

from __future__ import annotations

import csv
import importlib.util
import json
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from aicop.datacheck import noise
from aicop.datacheck.engine import check_paths
from tests.conftest import CliResult
from tests.datacheck.test_labels import COMMON, VOCAB

Run = Callable[..., CliResult]


def flipped_set(rows: int, share: float, seed: int = 3) -> tuple[list[tuple[int, str, str]], set[int]]:
    rng = random.Random(seed)
    out, flipped = [], set()
    for row in range(1, rows + 1):
        label = rng.choice(list(VOCAB))
        words = rng.sample(VOCAB[label], 4) + rng.sample(COMMON, 5)
        rng.shuffle(words)
        if rng.random() < share:
            label = rng.choice([other for other in VOCAB if other != label])
            flipped.add(row)
        out.append((row, " ".join(words), label))
    return out, flipped


def test_finds_flipped_labels() -> None:
    rows, flipped = flipped_set(5000, 0.03)
    found, note = noise.find_noise(rows)
    hits = {n.row for n in found}
    assert note is None
    assert len(hits & flipped) >= 0.9 * len(flipped)  # recall
    assert len(hits - flipped) <= 0.1 * len(hits)  # precision
    first = found[0]
    assert first.row in flipped and first.suggested != first.label and first.confidence < 0.2


def test_clean_set_has_next_to_no_suspects() -> None:
    rows, _ = flipped_set(3000, 0.0)
    found, _ = noise.find_noise(rows)
    assert len(found) <= 3


def test_too_few_rows_and_tiny_labels_are_said() -> None:
    rows, _ = flipped_set(50, 0.0)
    assert noise.find_noise(rows) == (
        [],
        "label noise not checked: fewer than 100 rows in at least two labels",
    )
    rows, _ = flipped_set(1000, 0.0)
    rows += [(2001, "a lonely row", "rare"), (2002, "another lonely row", "rare")]
    _, note = noise.find_noise(rows)
    assert note == "label noise not checked for labels with under 5 rows: rare"


def test_without_the_extra_it_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n: None if n == "cleanlab" else real(n))
    rows, _ = flipped_set(500, 0.05)
    assert noise.find_noise(rows) == ([], f"label noise not checked: {noise.INSTALL}")


def test_through_data_check(run_cli: Run, tmp_path: Path) -> None:
    rows, flipped = flipped_set(2000, 0.03)
    with (tmp_path / "train.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["utterance", "intent"])
        writer.writerows((text, label) for _, text, label in rows)
    assert check_paths([tmp_path]).counts["label-noise"] == 0  # opt-in: seconds per 100,000 rows
    report = check_paths([tmp_path], label_noise=True)
    suspects = [f for f in report.findings if f.kind == "label-noise"]
    assert report.counts["label-noise"] == len(suspects) >= 0.9 * len(flipped)
    assert all(f.column == "utterance" and f.category == "poisoning" for f in suspects)
    assert sum(f.row in flipped for f in suspects) >= 0.9 * len(suspects)
    result = run_cli("data", "check", tmp_path, "--format", "json", "--no-label-noise")
    assert "label-noise" not in json.loads(result.out)["counts"]
    assert report.analyses["label-noise"] == "checked"
    assert "not checked" in json.loads(result.out)["analyses"]["label-noise"]
