"""Near-duplicates: MinHash signatures estimate the similarity of word-pair sets, and the LSH tables
find the similar records among many without comparing every pair."""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Callable
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from aicop.datacheck import neardup
from aicop.datacheck.engine import check_paths
from tests.conftest import CliResult

Run = Callable[..., CliResult]
WORDS = [f"w{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}{chr(97 + i // 676)}" for i in range(5000)]


def _pairs(text: str) -> set[tuple[str, str]]:
    words = text.split()
    return set(itertools.pairwise(words))


def _jaccard(a: str, b: str) -> float:
    x, y = _pairs(a), _pairs(b)
    return len(x & y) / len(x | y)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=0, max_value=12))
def test_signatures_estimate_jaccard(seed: int, changes: int) -> None:
    rng = random.Random(seed)
    first = [rng.choice(WORDS) for _ in range(40)]
    second = list(first)
    for _ in range(changes):
        second[rng.randrange(len(second))] = rng.choice(WORDS)
    a, b = " ".join(first), " ".join(second)
    sig_a, sig_b = neardup.signatures([a, b])
    assert sig_a is not None and sig_b is not None
    # 60 permutations: the estimate's standard error is at most ~0.065
    assert abs(neardup.similarity(sig_a[0], sig_b[0]) - _jaccard(a, b)) < 0.26


def test_signature_of_one_word_is_none_and_repeats_are_equal() -> None:
    one, same, again = neardup.signatures(["alone", "the same words here", "the same words here"])
    assert one is None and same == again and same is not None


def test_index_finds_near_copies_among_many_and_not_strangers() -> None:
    rng = random.Random(7)
    texts = [" ".join(rng.choice(WORDS) for _ in range(25)) for _ in range(3000)]
    copies = {}
    for n in range(0, 3000, 100):  # every 100th record reappears with one word changed
        words = texts[n].split()
        words[12] = "changed"
        copies[len(texts)] = n
        texts.append(" ".join(words))
    index = neardup.NearIndex(threshold=0.7)
    found = {}
    for n, signature in enumerate(neardup.signatures(texts)):
        assert signature is not None
        match = index.match(signature, ("f", n, None))
        if match is not None:
            found[n] = match[0][1]
    assert found == copies  # every copy, paired with its original, and nothing else


def test_check_reports_near_duplicates_across_files(tmp_path: Path) -> None:
    base = "please could you tell me when the parcel I ordered last week for my mother will arrive at home"
    (tmp_path / "a.csv").write_text(f"text,label\n{base},delivery\nhow do I reset my password,account\n")
    edited = base.replace("mother", "father")
    (tmp_path / "b.jsonl").write_text(json.dumps({"text": edited, "label": "delivery"}) + "\n")
    report = check_paths([tmp_path])
    [near] = [f for f in report.findings if f.kind == "near-duplicate"]
    assert near.path.endswith("b.jsonl") and near.line == 1
    assert "of word pairs shared" in near.example and "a.csv row 1" in near.example
    assert not [f for f in check_paths([tmp_path], similarity=None).findings if f.category == "duplicate"]


def test_cli_similarity_option(run_cli: Run, tmp_path: Path) -> None:
    base = "the refund for my broken kettle has still not arrived after three weeks of waiting"
    (tmp_path / "t.txt").write_text(base + "\n")
    (tmp_path / "u.txt").write_text(base.replace("three", "four") + "\n")
    result = run_cli("data", "check", tmp_path, "--format", "json")
    assert result.code == 1
    assert [f["kind"] for f in json.loads(result.out)["findings"]] == ["near-duplicate"]
    assert run_cli("data", "check", tmp_path, "--similarity", "off").code == 0
    assert run_cli("data", "check", tmp_path, "--similarity", "0.99").code == 0
    bad = run_cli("data", "check", tmp_path, "--similarity", "2")
    assert bad.code == 2 and "'2' is not a similarity" in bad.err


def test_the_near_duplicate_budget_is_stated_and_bounds_the_search(run_cli: Run, tmp_path: Path) -> None:
    rows = [f"the kettle {w} arrived broken and the box was soaked through again,refund" for w in "abcdefgh"]
    (tmp_path / "train.csv").write_text("text,label\n" + "\n".join(rows) + "\n")
    report = check_paths([tmp_path])
    assert (
        report.counts["near-duplicate"] == 1 and "every record compared" in report.analyses["near-duplicates"]
    )
    spent = check_paths([tmp_path], near_budget=0.0)
    assert spent.counts["near-duplicate"] == 0  # nothing compared: only exact and normalised copies
    assert "8 records were not compared" in spent.analyses["near-duplicates"]
    result = run_cli("data", "check", tmp_path, "--near-budget", "0")
    assert result.code == 0 and "--near-budget to raise it" in result.out
    bad = run_cli("data", "check", tmp_path, "--near-budget", "soon")
    assert bad.code == 2 and "'soon' is not a number of seconds" in bad.err
