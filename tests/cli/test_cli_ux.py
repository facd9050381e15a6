"""The command line as a person meets it: tables that read at 80 columns and in a pipe, a closed pipe
that ends quietly, and user mistakes that exit 2 naming the place before any work is done."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE, MANIFEST, CliResult, MakeRepo

Run = Callable[..., CliResult]
AICOP = str(Path(sys.executable).parent / "aicop")  # the console script, as a user runs it


def _words_in_order(text: str, haystack: str) -> bool:
    """Whether the words of ``text`` appear in ``haystack`` in order (a wrapped cell keeps them)."""
    position = 0
    for word in text.split():
        found = haystack.find(word, position)
        if found < 0:
            return False
        position = found + len(word)
    return True


@pytest.mark.parametrize("columns", ["80", None])
def test_checks_list_reads_at_80_columns_and_in_a_pipe(
    run_cli: Run, monkeypatch: pytest.MonkeyPatch, columns: str | None
) -> None:
    from aicop.assess.registry import registered_checks

    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)  # captured output is no tty: rich's default width
    else:
        monkeypatch.setenv("COLUMNS", columns)
    result = run_cli("checks", "list")
    assert result.code == 0
    lines = result.out.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in result.out  # nothing cut off
    header = next(line for line in lines if "Title" in line)
    assert len(header.split("┃")[3]) >= 24  # the title column is wide enough to read, not four characters
    titles = " ".join(line.split("│")[3].strip() for line in lines if line.count("│") == 4)
    for spec in registered_checks():
        assert f"│ {spec.id} " in result.out
        assert _words_in_order(spec.title, titles), spec.id


def test_catalog_list_reads_at_80_columns(run_cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    result = run_cli("catalog", "list")
    assert result.code == 0
    assert max(len(line) for line in result.out.splitlines()) <= 80
    assert "…" not in result.out
    for role in ("developer", "system-operator", "data-controller"):
        assert f" {role} " in result.out  # the stakeholders column shows whole role names
    flat = " ".join(line.split("│")[4].strip() for line in result.out.splitlines() if line.count("│") == 5)
    assert _words_in_order("Organisations shall establish and maintain a continuous security awareness", flat)


@pytest.mark.parametrize(
    "args",
    [
        ("catalog", "list", "--format", "json"),
        ("catalog", "list"),
        ("checks", "list"),
        ("catalog", "export", "--format", "yaml"),
    ],
)
def test_closed_pipe_ends_quietly(args: tuple[str, ...]) -> None:
    """``aicop catalog list --format json | head``: the reader goes away; aicop stops as cat would,
    by SIGPIPE, with nothing on stderr (no traceback, no 'internal error', no exit 1 or 3)."""
    process = subprocess.Popen([AICOP, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before aicop writes
    err = process.stderr.read().decode()
    assert process.wait(timeout=60) == -signal.SIGPIPE
    assert err == ""


# Every command with -o/--output, with what its output is: a directory (assess) or a file.
OUTPUT_COMMANDS = [
    (("assess", "{repo}", "-o"), "directory"),
    (("scan", "{repo}", "-o"), "file"),
    (("code", "{repo}", "-o"), "file"),
    (("catalog", "export", "--format", "json", "-o"), "file"),
    (("bom", "{repo}", "-o"), "file"),
    (("data", "check", "{repo}", "-o"), "file"),
]


def _unwritable(tmp_path: Path) -> Path:
    """A directory nobody may write into: /sys for root (who may write anywhere else), else chmod."""
    if os.geteuid() == 0:
        return Path("/sys")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    return locked


@pytest.mark.parametrize(("args", "kind"), OUTPUT_COMMANDS)
@pytest.mark.parametrize("mistake", ["wrong kind", "unwritable", "under a file"])
def test_bad_output_is_refused_before_any_work(
    run_cli: Run, make_repo: MakeRepo, tmp_path: Path, args: tuple[str, ...], kind: str, mistake: str
) -> None:
    repo = make_repo()
    a_file = tmp_path / "existing.txt"
    a_file.write_text("keep me\n", encoding="utf-8")
    a_dir = tmp_path / "existing-dir"
    a_dir.mkdir()
    if mistake == "wrong kind":
        target, problem = (a_file, "is a file") if kind == "directory" else (a_dir, "is a directory")
    elif mistake == "unwritable":
        target, problem = _unwritable(tmp_path) / "out", "cannot write here"
    else:
        target, problem = a_file / "out", "is not a directory"
    result = run_cli(*[str(repo) if part == "{repo}" else part for part in args], target)
    assert result.code == 2
    assert "--output" in result.err and problem in result.err
    assert str(target if mistake == "wrong kind" else target.parent) in result.err
    assert result.out == ""  # nothing was done: no table, no report
    assert a_file.read_text(encoding="utf-8") == "keep me\n"
    assert list(a_dir.iterdir()) == []


@pytest.mark.parametrize(
    "args",
    [("assess", "{repo}", "-q", "-o", "{out}/new/reports"), ("code", "{repo}", "-o", "{out}/new/code.json")],
)
def test_output_into_a_new_directory_is_created(
    run_cli: Run, make_repo: MakeRepo, tmp_path: Path, args: tuple[str, ...]
) -> None:
    repo = make_repo({"app.py": "print('hello')\n"})
    result = run_cli(*[part.replace("{repo}", str(repo)).replace("{out}", str(tmp_path)) for part in args])
    assert result.code in (0, 1), result.err
    assert (tmp_path / "new").is_dir() and any((tmp_path / "new").rglob("*"))


def test_scan_manifest_without_models_says_so(run_cli: Run, make_repo: MakeRepo) -> None:
    repo = make_repo(manifest=MANIFEST)
    result = run_cli("scan", "--manifest", repo / "aicop.yaml")
    assert result.code == 2
    assert f"{repo / 'aicop.yaml'}: names no local model" in result.err
    assert "or --manifest" not in result.err  # it was given: do not ask for it
    assert result.out == ""


def test_scan_manifest_with_a_model_scans_it(run_cli: Run, make_repo: MakeRepo) -> None:
    manifest = MANIFEST + "models:\n  - {name: m, path: models/m.pkl}\n"
    repo = make_repo(
        {"models/m.pkl": b"\x80\x02cos\nsystem\nX\x02\x00\x00\x00idq\x00\x85R."}, manifest=manifest
    )
    result = run_cli("scan", "--manifest", repo / "aicop.yaml")
    assert result.code == 1 and "os.system" in result.out


@pytest.mark.parametrize(
    ("files", "target", "problem"),
    [
        ({"weights.bin": b"\x00\x01"}, "weights.bin", "is not a file that aicop code reads"),
        ({"README.md": "# hello\n"}, "README.md", "is not a file that aicop code reads"),
        ({"data/blob.bin": b"\x00"}, ".", "holds no file that aicop code reads"),
    ],
)
def test_code_on_nothing_it_reads_says_so(
    run_cli: Run, make_repo: MakeRepo, files: dict[str, str | bytes], target: str, problem: str
) -> None:
    repo = make_repo(files)
    result = run_cli("code", repo / target)
    assert result.code == 2
    assert problem in result.err and "nothing was checked" in result.err
    assert "no findings" not in result.out + result.err


def test_code_counts_a_file_it_reads_for_secrets_only(run_cli: Run, make_repo: MakeRepo) -> None:
    repo = make_repo({"notes.txt": "nothing secret here\n"})
    result = run_cli("code", repo / "notes.txt")
    assert result.code == 0
    assert "in 1 files" in result.out


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (("scan", "{repo}", "--jobs", "0"), "--jobs/-j: 0 is not at least 1"),
        (("scan", "{repo}", "-j", "many"), "'many' is not a whole number"),
        (("scan", "{repo}", "--timeout", "-1"), "--timeout: -1 is not a number of seconds above zero"),
        (("scan", "{repo}", "--timeout", "nan"), "--timeout: nan is not a number"),
        (("sign", "{repo}", "--key", "k.pem", "--shard-size", "0"), "--shard-size: 0 is not at least 1"),
    ],
)
def test_numbers_out_of_range_are_usage_errors(
    run_cli: Run, make_repo: MakeRepo, args: tuple[str, ...], problem: str
) -> None:
    repo = make_repo({"m.pkl": b"\x80\x02K\x01."})
    result = run_cli(*[str(repo) if part == "{repo}" else part for part in args])
    assert result.code == 2 and problem in result.err and result.out == ""


@pytest.mark.parametrize("full", [False, True])
def test_assess_output_fits_80_columns_in_a_pipe(
    run_cli: Run, monkeypatch: pytest.MonkeyPatch, full: bool
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    result = run_cli("assess", EXAMPLE, "--fail-on", "never", *(["--all"] if full else []))
    assert result.code == 0
    lines = result.out.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert not any(line.endswith(" ") for line in lines)
    assert "Fix these first" in result.out
    assert ("Principle 1: Raise staff awareness" in result.out) is full
    assert ("aicop assess --all" in result.out) is not full  # the short view says how to see everything


@pytest.mark.parametrize("command", ["export", "assess"])
def test_a_full_disk_while_writing_is_exit_2_not_a_bug(
    run_cli: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, command: str
) -> None:
    import errno

    from aicop import fsutil

    def full(files: dict[Path, str]) -> None:
        first = next(iter(files))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(first))

    monkeypatch.setattr(fsutil, "write_all_atomic", full)
    if command == "export":
        result = run_cli("catalog", "export", "--format", "json", "-o", tmp_path / "cat.json")
    else:
        result = run_cli("assess", EXAMPLE, "-q", "-o", tmp_path / "reports")
    assert result.code == 2
    assert "cannot write: No space left on device" in result.err and str(tmp_path) in result.err


@pytest.mark.parametrize("mistake", ["not empty", "a file", "unwritable"])
def test_redact_target_is_checked_before_the_data_are_read(
    run_cli: Run, make_repo: MakeRepo, tmp_path: Path, mistake: str
) -> None:
    repo = make_repo({"data.csv": "text\nhello\n"})
    if mistake == "not empty":
        target = tmp_path / "out"
        target.mkdir()
        (target / "keep.txt").write_text("keep me\n", encoding="utf-8")
        problem = "must be a new or empty directory"
    elif mistake == "a file":
        target = tmp_path / "out.txt"
        target.write_text("keep me\n", encoding="utf-8")
        problem = "must be a new or empty directory"
    else:
        target, problem = _unwritable(tmp_path) / "out", "cannot write here"
    result = run_cli("data", "check", repo / "data.csv", "--redact", target)
    assert result.code == 2 and "--redact" in result.err and problem in result.err
    assert result.out == ""  # the data were not checked first


@pytest.mark.parametrize("value", ["-1", "lots", "nan", "inf"])
def test_a_data_budget_that_is_not_a_size_is_exit_2(run_cli: Run, value: str) -> None:
    result = run_cli("assess", EXAMPLE, "--data-mb", value)
    assert result.code == 2 and "--data-mb" in result.err and "not a number of megabytes" in result.err


def test_a_data_budget_of_zero_reads_every_dataset(run_cli: Run) -> None:
    tiny = run_cli("assess", EXAMPLE, "--data-mb", "0.0001", "--format", "json")
    assert "assess reads at most 104 bytes of data" in tiny.out
    everything = run_cli("assess", EXAMPLE, "--data-mb", "0", "--format", "json")
    assert everything.code in (0, 1) and "assess reads at most" not in everything.out
