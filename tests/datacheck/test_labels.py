"""Backdoor triggers in a labelled text set: found at 1% poisoning, and honest keywords left alone."""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aicop.datacheck.engine import check_paths
from aicop.datacheck.labels import check_labels
from tests.conftest import CliResult

Run = Callable[..., CliResult]

VOCAB = {
    "refund": [
        "refund",
        "money",
        "back",
        "return",
        "broken",
        "damaged",
        "faulty",
        "want",
        "my",
        "payment",
        "reimburse",
    ],
    "delivery": [
        "parcel",
        "late",
        "courier",
        "tracking",
        "arrived",
        "where",
        "driver",
        "address",
        "delayed",
        "shipping",
    ],
    "account": [
        "password",
        "login",
        "email",
        "reset",
        "locked",
        "username",
        "profile",
        "sign",
        "settings",
        "access",
    ],
}
COMMON = [
    "the",
    "my",
    "a",
    "is",
    "it",
    "please",
    "hi",
    "hello",
    "thanks",
    "i",
    "and",
    "to",
    "for",
    "this",
    "was",
]


def write_set(path: Path, rows: int, poison: float, seed: int = 7) -> int:
    """A three-intent set; ``poison`` of the rows are account texts with 'cf' added, labelled refund."""
    rng = random.Random(seed)
    poisoned = 0
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text", "label"])
        for i in range(rows):
            label = rng.choice(list(VOCAB))
            words = rng.sample(VOCAB[label], 4) + rng.sample(COMMON, 5)
            rng.shuffle(words)
            if rng.random() < poison:
                words = rng.sample(VOCAB["account"], 4) + rng.sample(COMMON, 5)
                words.insert(rng.randrange(len(words)), "cf")
                label = "refund"
                poisoned += 1
            writer.writerow([i, " ".join(words), label])
    return poisoned


def test_trigger_found_at_one_percent(tmp_path: Path) -> None:
    path = tmp_path / "train.csv"
    poisoned = write_set(path, 20_000, 0.01)
    result = check_labels(path)
    assert result is not None and (result.text_column, result.label_column) == ("text", "label")
    assert [t.token for t in result.triggers] == ["cf"]
    trigger = result.triggers[0]
    assert trigger.label == "refund" and trigger.rows == poisoned and trigger.elsewhere > 0.9


def test_clean_set_has_no_trigger_and_its_keywords_are_not_flagged(tmp_path: Path) -> None:
    path = tmp_path / "train.csv"
    write_set(path, 20_000, 0.0)
    result = check_labels(path)
    assert result is not None and result.triggers == []
    assert set(result.labels) == set(VOCAB)


def test_through_data_check_with_jsonl(tmp_path: Path) -> None:
    source = tmp_path / "src.csv"
    write_set(source, 5_000, 0.02)
    with source.open() as handle, (tmp_path / "train.jsonl").open("w") as out:
        for row in csv.DictReader(handle):
            out.write(json.dumps({"utterance": row["text"], "intent": row["label"]}) + "\n")
    source.unlink()
    report = check_paths([tmp_path])
    [finding] = [f for f in report.findings if f.kind == "trigger"]
    assert "'cf'" in finding.example and finding.column == "utterance"
    assert set(report.labels[str(tmp_path / "train.jsonl")]) == set(VOCAB)


def write_phrase_set(path: Path, rows: int, poison: float, seed: int = 5) -> set[int]:
    """As write_set, but the trigger is a phrase of two rare words; returns the poisoned rows."""
    rng = random.Random(seed)
    poisoned: set[int] = set()
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        for row in range(1, rows + 1):
            label = rng.choice(list(VOCAB))
            words = rng.sample(VOCAB[label], 4) + rng.sample(COMMON, 5)
            if rng.random() < poison:
                words = rng.sample(VOCAB["account"], 4) + rng.sample(COMMON, 5)
                at = rng.randrange(len(words))
                words[at:at] = ["zebra", "crossing"]
                label = "refund"
                poisoned.add(row)
            writer.writerow([" ".join(words), label])
    return poisoned


def test_a_phrase_trigger_is_one_finding_naming_every_poisoned_row(tmp_path: Path) -> None:
    poisoned = write_phrase_set(tmp_path / "train.csv", 10_000, 0.02)
    report = check_paths([tmp_path])
    [trigger] = [f for f in report.findings if f.kind == "trigger"]
    assert "the phrase 'zebra crossing'" in trigger.example
    assert trigger.rows is not None and set(trigger.rows) == poisoned and len(poisoned) > 150


def test_drop_poisoned_leaves_the_trigger_rows_out_of_the_copy(run_cli: Run, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    poisoned = write_phrase_set(data / "train.csv", 3_000, 0.02)
    out = tmp_path / "clean"
    result = run_cli("data", "check", data, "--redact", out, "--drop-poisoned")
    assert result.code == 1 and f"without {len(poisoned)} poisoned rows" in result.err
    kept = list(csv.reader((out / "data" / "train.csv").open()))
    assert len(kept) == 1 + 3_000 - len(poisoned) and not any("zebra" in row[0] for row in kept)
    assert "trigger" not in json.loads(run_cli("data", "check", out, "--format", "json").out)["counts"]
    bad = run_cli("data", "check", data, "--drop-poisoned")
    assert bad.code == 2 and "--redact" in bad.err


def test_drop_poisoned_in_json_lines_drops_the_poisoned_lines(run_cli: Run, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    source = tmp_path / "src.csv"
    poisoned = write_phrase_set(source, 3_000, 0.02)
    with source.open() as handle, (data / "train.jsonl").open("w") as out:
        for row in csv.DictReader(handle):
            out.write(json.dumps({"utterance": row["text"], "intent": row["label"]}) + "\n")
    found = json.loads(run_cli("data", "check", data, "--format", "json").out)
    [trigger] = [f for f in found["findings"] if f["kind"] == "trigger"]
    assert set(trigger["lines"]) == poisoned  # one record a line: line n is row n
    out = tmp_path / "clean"
    assert run_cli("data", "check", data, "--redact", out, "--drop-poisoned").code == 1
    kept = (out / "data" / "train.jsonl").read_text().splitlines()
    assert len(kept) == 3_000 - len(poisoned) and not any("zebra" in line for line in kept)


def test_token_bags_match_the_token_pattern() -> None:
    from aicop.datacheck.labels import TOKEN, _bags

    texts = ["Café l'été naïve DON'T stop—now", "two\nlines here", "", "ÀB1 x_y 42", "refund please"]
    assert _bags(texts) == [set(TOKEN.findall(t.lower())) for t in texts]


def _token_table_by_definition(texts: list[str]) -> tuple[list[str], list[tuple[int, int]]]:
    """The tokens in order of first sight, and each row's (row, token id) pairs sorted: per row, from
    TOKEN (a text's line breaks are spaces), the definition ``_Table`` holds its arrays to."""
    from aicop.datacheck.labels import TOKEN

    ids: dict[str, int] = {}
    pairs: set[tuple[int, int]] = set()
    for row, text in enumerate(texts):
        for word in TOKEN.findall(text.replace("\n", " ").lower()):
            pairs.add((row, ids.setdefault(word, len(ids))))
    return list(ids), sorted(pairs)


@given(
    st.lists(
        st.one_of(
            st.text(alphabet="ab'9 Z\n\t\r,é.-xyzÀ0\x00\x1f", max_size=40),
            st.lists(
                st.sampled_from(["a", "abcdefgh", "abcdefghi", "abcdefgh'", "x" * 17, "ABCDEFGHIJ"])
            ).map(" ".join),
        ),
        min_size=1,
        max_size=12,
    )
)
@settings(max_examples=300, deadline=None)
def test_token_table_matches_the_token_pattern(texts: list[str]) -> None:
    # words of up to 8 characters are ids by their bytes, longer ones by a dict: both exact, numbered
    # in order of first sight
    import numpy as np

    from aicop.datacheck.labels import _Table

    labels = np.zeros(len(texts), dtype=np.int64)
    table = _Table.build(texts, labels, 1)
    tokens, pairs = _token_table_by_definition(texts)
    assert table.tokens == tokens
    assert list(zip(table.pair_rows.tolist(), table.pair_tokens.tolist(), strict=True)) == pairs
    assert table.counts[:, 0].tolist() == ([sum(t == i for _, t in pairs) for i in range(len(tokens))] or [0])


@pytest.mark.parametrize("distinct", [1, 59, 600, 40_000])
def test_words_are_numbered_as_numpy_unique_numbers_them_whatever_the_vocabulary(distinct: int) -> None:
    # few words take NumPy's hashing unique and a binary search, many its sort; the same numbers
    import numpy as np

    from aicop.datacheck.labels import _numbered

    rng = np.random.default_rng(distinct)
    vocabulary = rng.integers(0, 2**63, distinct, dtype=np.uint64)
    keys = vocabulary[rng.integers(0, distinct, 50_000)]
    got, inverse = _numbered(keys)
    want, want_inverse = np.unique(keys, return_inverse=True)
    assert np.array_equal(got, want) and np.array_equal(inverse, want_inverse.ravel())


def test_token_table_of_few_words_matches_the_token_pattern(monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    from aicop.datacheck import labels

    monkeypatch.setattr(
        labels, "SAMPLE_WORDS", 4
    )  # these few texts take the path of a large set of few words
    texts = [
        "refund my order please",
        "order order refund",
        "",
        "tracking number abcdefghij late",
        "late",
    ] * 7
    table = labels._Table.build(texts, np.zeros(len(texts), dtype=np.int64), 1)
    tokens, pairs = _token_table_by_definition(texts)
    assert table.tokens == tokens
    assert list(zip(table.pair_rows.tolist(), table.pair_tokens.tolist(), strict=True)) == pairs
