"""The near-duplicate search in a helper process gives the report one process gives; a helper that
fails is an error that says so, and leaves no process behind; the batch work behind the keys gives
what its per-record definition does."""

from __future__ import annotations

import csv
import json
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aicop.datacheck import engine, neardup, parallel, readers
from aicop.datacheck.engine import DataReport, check_paths
from tests.conftest import CliResult

T = TypeVar("T")

Run = Callable[..., CliResult]
VOCABULARY = [f"{a}{b}{c}" for a in "bcdfghk" for b in "aeiou" for c in "dgkmp"]  # 175 words


def _set(folder: Path) -> None:
    """Two files whose records repeat each other exactly, once case and digits are set aside, and with
    a word changed; the JSON Lines file repeats records of the CSV."""
    rng = random.Random(23)
    texts: list[str] = []
    with (folder / "a.csv").open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["id", "text", "label"])
        for row in range(3000):
            label = rng.choice("abc")
            roll = rng.random()
            if texts and roll < 0.05:
                words = rng.choice(texts).split()
                words[rng.randrange(len(words))] = "edited"
                text = " ".join(words)
            elif texts and roll < 0.08:
                text = rng.choice(texts).upper() + f" {row}"
            elif texts and roll < 0.1:
                text = rng.choice(texts)
            elif roll < 0.12:  # a backdoor: a rare token on texts of label a, labelled c
                text, label = " ".join(rng.choice(VOCABULARY[:60]) for _ in range(12)) + " zx", "c"
            else:  # each label its own words
                part = "abc".index(label) * 60
                text = " ".join(rng.choice(VOCABULARY[part : part + 60]) for _ in range(12))
            texts.append(text)
            writer.writerow([row, text, label])
    with (folder / "b.jsonl").open("w") as handle:
        for number in range(500):
            text = rng.choice(texts) if number % 3 else " ".join(rng.choice(VOCABULARY) for _ in range(12))
            if number % 7 == 0:
                words = text.split()
                words[0] = "changed"
                text = " ".join(words)
            handle.write(json.dumps({"text": text, "n": number}) + "\n")


def _plain(report: DataReport) -> dict[str, object]:
    """The report without its timings."""
    out = report.as_dict()
    out.pop("seconds")
    out["analyses"] = {k: re.sub(r"in [\d.]+ s of CPU", "", v) for k, v in report.analyses.items()}
    return out


def test_the_helper_gives_the_report_of_one_process(tmp_path: Path) -> None:
    _set(tmp_path)
    one = check_paths([tmp_path], near_budget=None, near_rate=None, jobs=1)
    two = check_paths([tmp_path], near_budget=None, near_rate=None, jobs=2)
    assert one.counts["near-duplicate"] > 20 and one.counts["duplicate"] > 0  # the set has all kinds
    assert one.counts["trigger"] == 1 and one.labels  # looked for by the helper, beside the search
    assert _plain(one) == _plain(two)
    assert "every record compared" in two.analyses["near-duplicates"]


def test_a_spent_budget_in_the_helper_is_stated(tmp_path: Path) -> None:
    _set(tmp_path)
    report = check_paths([tmp_path], near_budget=0.0, jobs=2)
    assert report.counts["near-duplicate"] > 0  # the copies found by their normalised keys
    assert re.search(r"[\d,]+ records were not compared", report.analyses["near-duplicates"])
    assert _plain(report) == _plain(check_paths([tmp_path], near_budget=0.0, jobs=1))


def test_the_default_uses_a_helper_only_for_enough_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _set(tmp_path)
    started: list[float] = []
    real = parallel.NearHelper

    class Counted(real):  # type: ignore[misc,valid-type]
        def __init__(self, threshold: float, seconds: float | None, rate: float | None) -> None:
            started.append(threshold)
            super().__init__(threshold, seconds, rate)

    monkeypatch.setattr(parallel, "NearHelper", Counted)
    monkeypatch.setattr(engine, "usable_cpus", lambda: 2)
    check_paths([tmp_path])
    assert started == []  # a few hundred KB: not worth a process
    monkeypatch.setattr(engine, "PARALLEL_FROM", 1000)
    check_paths([tmp_path])
    assert started == [0.7]
    monkeypatch.setattr(engine, "usable_cpus", lambda: 1)
    check_paths([tmp_path])
    check_paths([tmp_path], similarity=None, jobs=2)  # no search, no helper
    assert started == [0.7]


@pytest.mark.parametrize(
    ("program", "said"),
    [
        ("import sys; sys.stderr.write('boom'); sys.exit(3)", "exit code 3:\nboom"),
        ("import sys\nfor line in sys.stdin: print('not json', flush=True)", "exit code"),
        (
            "import json, sys\nfor line in sys.stdin:\n"
            ' if "sync" in line: print(json.dumps({"error": "a bug"}), flush=True)',
            "a bug",
        ),
    ],
)
def test_a_helper_that_fails_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, program: str, said: str
) -> None:
    _set(tmp_path)
    monkeypatch.setattr(parallel, "_PROGRAM", program)
    closed: list[parallel.NearHelper] = []
    real_close = parallel.NearHelper.close

    def close(self: parallel.NearHelper) -> None:
        real_close(self)
        closed.append(self)

    monkeypatch.setattr(parallel.NearHelper, "close", close)
    with pytest.raises(RuntimeError, match="near-duplicate helper process failed") as failed:
        check_paths([tmp_path], jobs=2)
    assert said in str(failed.value)
    [helper] = closed
    assert helper.process.returncode is not None  # reaped, not left running


def test_cli_jobs(run_cli: Run, tmp_path: Path) -> None:
    _set(tmp_path)
    outputs = []
    for jobs in ("1", "2"):
        result = run_cli(
            "data", "check", tmp_path, "--format", "json", "--near-budget", "none", "--jobs", jobs
        )
        assert result.code == 1
        report = json.loads(result.out)
        report.pop("seconds")
        report["analyses"]["near-duplicates"] = re.sub(r"[\d.]+ s", "", report["analyses"]["near-duplicates"])
        outputs.append(report)
    assert outputs[0] == outputs[1] and outputs[0]["counts"]["near-duplicate"] > 20
    bad = run_cli("data", "check", tmp_path, "--jobs", "0")
    assert bad.code == 2 and "0 is not at least 1" in bad.err


@settings(max_examples=400, deadline=None)
@given(st.lists(st.text(alphabet="ab Z9é\u2003\xa0.\t\r\n\x01\x1f,", max_size=12), min_size=1, max_size=6))
def test_normalised_keys_are_each_line_set_aside_case_digits_and_spacing(lines: list[str]) -> None:
    """The batch's normalisation (one split of the whole, when it is ASCII) gives each line what its
    definition does."""
    joined = "\n".join(lines)
    plain = joined.lower().encode("utf-8", "replace").translate(readers._LETTERS).decode("utf-8", "replace")
    assert readers.normalise(joined) == [" ".join(line.split()) for line in plain.split("\n")]


def _strings_by_definition(value: object, path: str) -> list[tuple[str, str]]:
    if isinstance(value, str):
        return [(path or "$", value)]
    out: list[tuple[str, str]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            out += _strings_by_definition(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out += _strings_by_definition(item, f"{path}[{index}]")
    return out


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(JSON)
def test_a_json_values_strings_are_each_string_with_its_key_path(value: object) -> None:
    assert readers._strings(value, "") == _strings_by_definition(value, "")


class _Kept:
    """A search that keeps what it is given."""

    def __init__(self) -> None:
        self.budget = neardup.Budget()
        self.full = False
        self.given: list[str] = []

    def feed(self, texts: list[str], read: int) -> None:
        self.given += texts

    def sync(self) -> neardup.Matches:
        return {}

    def close(self) -> None:
        pass


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), max_size=12), max_size=4))
def test_the_records_looked_up_are_those_new_by_both_keys(batches: list[list[tuple[int, int]]]) -> None:
    """The batch form of picking the records for the search gives what the record-by-record rule
    does: a record is looked up when no record looked up before it has its exact or normalised key."""
    search = _Kept()
    candidates = neardup.Candidates(search)
    expected: list[str] = []
    exact_keys: set[int] = set()
    word_keys: set[int] = set()
    for number, batch in enumerate(batches):
        texts = [f"{number}-{index}" for index in range(len(batch))]
        for (key, word_key), text in zip(batch, texts, strict=True):
            if key not in exact_keys and word_key not in word_keys:
                exact_keys.add(key)
                word_keys.add(word_key)
                expected.append(text)
        candidates.take([k for k, _ in batch], [w for _, w in batch], texts, 0)
    assert search.given == expected and candidates.given == len(expected)


def test_a_file_that_cannot_be_looked_at_does_not_stop_the_choice_of_a_helper(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _set(tmp_path)
    (tmp_path / "gone.csv").symlink_to(tmp_path / "nowhere.csv")  # listed, but it cannot be read
    monkeypatch.setattr(engine, "PARALLEL_FROM", 1000)
    monkeypatch.setattr(engine, "usable_cpus", lambda: 2)
    report = check_paths([tmp_path])
    assert any("gone.csv: cannot read" in problem for problem in report.problems)
    assert report.files == 2 and report.counts["near-duplicate"] > 0


@pytest.mark.parametrize("similarity", [engine.SIMILARITY, None])
def test_records_placed_in_bulk_give_the_report_of_one_by_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, similarity: float | None
) -> None:
    # records new by both keys are placed a run at a time; with every record marked as maybe repeated,
    # each is placed by itself, as before the runs
    _set(tmp_path)
    for name in ("c.txt", "d.txt"):  # whole documents: keys beyond 64 signed bits, one by one
        (tmp_path / name).write_text("the same short document in two files, word for word\n" * 3)
    lines = (tmp_path / "a.csv").read_text().splitlines(keepends=True)
    (tmp_path / "e.csv").write_text("".join(lines[:200]))  # exact copies of records of an earlier file
    # the same once digits are set aside: normalised copies of records of an earlier file
    (tmp_path / "f.csv").write_text("".join(["9" + line for line in lines[200:400]]))
    bulk = check_paths([tmp_path], similarity=similarity, near_budget=None, near_rate=None, jobs=1)
    monkeypatch.setattr(engine, "_maybe_repeated", lambda exact, *_: list(range(len(exact))))
    single = check_paths([tmp_path], similarity=similarity, near_budget=None, near_rate=None, jobs=1)
    assert bulk.counts["duplicate"] >= 2 and bulk.counts["near-duplicate" if similarity else "duplicate"] > 2
    assert _plain(bulk) == _plain(single)


def test_maybe_repeated_marks_keys_seen_before_or_twice() -> None:
    place = ("f", 1, 1)
    found = engine._maybe_repeated([1, 2, 3, 2, 5], {5: place}, [10, 11, 12, 13, 14], {12: place})
    assert found == [1, 2, 3, 4]
    assert engine._maybe_repeated([1 << 63, 1], {}, [1, 2], {}) == [0, 1]  # a digest: one by one


def _on_each_file(monkeypatch: pytest.MonkeyPatch, read: Callable[[], T]) -> list[T]:
    """What ``read`` gives as each file's check starts, in order (check_file watched)."""
    seen: list[T] = []
    real = engine.check_file

    def watched(*args: object, **kwargs: object) -> object:
        seen.append(read())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "check_file", watched)
    return seen


def test_the_cycle_collector_is_paused_per_file_and_restored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    (tmp_path / "a.txt").write_text("mail ann.smith@example.co.uk today\n")
    states = _on_each_file(monkeypatch, gc.isenabled)
    try:
        assert gc.isenabled()
        check_paths([tmp_path], jobs=1)
        assert gc.isenabled() and states == [False]
        gc.disable()  # a caller that paused it keeps it paused
        check_paths([tmp_path], jobs=1)
        assert not gc.isenabled() and states == [False, False]
    finally:
        gc.enable()


def test_what_a_file_leaves_is_set_aside_until_the_run_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    (tmp_path / "a.csv").write_text("text,label\n" + "".join(f"row {i} of the table,x\n" for i in range(50)))
    (tmp_path / "b.csv").write_text("text,label\nanother table row,y\n")
    frozen = _on_each_file(monkeypatch, gc.get_freeze_count)
    try:
        assert gc.get_freeze_count() == 0
        check_paths([tmp_path], jobs=1)
        # the first file's objects were frozen while the second was checked, and released at the end
        assert frozen[0] == 0 and frozen[1] > 0
        assert gc.get_freeze_count() == 0
        gc.freeze()  # a caller that froze objects itself keeps them frozen, and nothing more is frozen
        mine = gc.get_freeze_count()
        frozen.clear()
        check_paths([tmp_path], jobs=1)
        assert frozen == [mine, mine] and gc.get_freeze_count() == mine
    finally:
        gc.unfreeze()
