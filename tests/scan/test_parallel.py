"""The parallel scan of big trees: the same verdicts as one process, a worker that dies or fails is
reported, and Ctrl-C stops it within a second, cleanly, with exit 2."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aicop.scan import scan_paths, scanner
from aicop.scan.model import FileResult
from aicop.scan.scanner import PARALLEL_FROM

AICOP = str(Path(sys.executable).parent / "aicop")
MALICIOUS = b"\x80\x02cos\nsystem\nX\x02\x00\x00\x00idq\x00\x85R."


def _tree(root: Path, count: int = PARALLEL_FROM + 8) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (root / f"m{i:03}.pkl").write_bytes(pickle.dumps({"weights": [i, i + 1]}, protocol=2))
    (root / "m040.pkl").write_bytes(MALICIOUS)
    (root / "notes.txt").write_text("not a model\n", encoding="utf-8")
    return root


def _verdicts(results: list[FileResult]) -> list[tuple[str, str | None, str | None, list[str]]]:
    return [(r.path, r.format, r.error, sorted(f.rule for f in r.findings)) for r in results]


def test_parallel_scan_gives_the_same_report_as_one_process(tmp_path: Path) -> None:
    root = _tree(tmp_path / "models")
    parallel = scan_paths([root], workers=2)
    serial = scan_paths([root], workers=1)
    assert _verdicts(parallel.files) == _verdicts(serial.files)
    assert [Path(r.path).name for r in parallel.files if r.unsafe] == ["m040.pkl"]


def test_a_worker_that_dies_is_reported_against_its_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _tree(tmp_path / "models")
    real_scan = scanner.scan_file

    def dying(path: Path | str, *args: object) -> FileResult:
        if Path(path).name == "m003.pkl":
            os._exit(9)  # in the forked worker: as if killed mid-file
        return real_scan(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(scanner, "scan_file", dying)
    report = scan_paths([root], workers=2)
    lost = [r for r in report.files if r.error and "the scanning process ended" in r.error]
    assert any(Path(r.path).name == "m003.pkl" for r in lost)
    assert [Path(r.path).name for r in report.files if r.unsafe] == ["m040.pkl"]  # the other worker went on


def test_a_bug_in_a_worker_is_an_internal_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _tree(tmp_path / "models")

    def broken(path: Path | str, *args: object) -> FileResult:
        raise ValueError("a bug in a format reader")

    monkeypatch.setattr(scanner, "scan_file", broken)
    with pytest.raises(RuntimeError, match="a bug in a format reader"):
        scan_paths([root], workers=2)


@pytest.fixture(scope="module")
def slow_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough pickles, each with enough opcodes (about 0.1-0.3 s to scan), that workers are busy."""
    root = tmp_path_factory.mktemp("slow")
    data = pickle.dumps([{f"k{i}": i * 1.5} for i in range(4000)], protocol=2)
    for i in range(PARALLEL_FROM + 16):
        (root / f"f{i:03}.pkl").write_bytes(data)
    return root


def _children(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc to see the workers")
def test_ctrl_c_stops_a_parallel_scan_within_a_second(slow_tree: Path) -> None:
    """Ctrl-C in a terminal signals the whole process group, workers included. Repeated, at different
    moments, because the failure it guards against (worker tracebacks, a hung pool) was a race."""
    for delay in (0.0, 0.05, 0.2, 0.4, 0.7, 1.0):
        process = subprocess.Popen(
            [AICOP, "scan", str(slow_tree), "--jobs", "2"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group, as a terminal's foreground job has
        )
        deadline = time.monotonic() + 30
        while len(_children(process.pid)) < 2 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.01)
        assert process.poll() is None, "the scan ended before it could be interrupted"
        time.sleep(delay)
        sent = time.monotonic()
        os.killpg(process.pid, signal.SIGINT)
        try:
            out, err = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            pytest.fail(f"the scan hung after Ctrl-C (delay {delay})")
        took = time.monotonic() - sent
        assert process.returncode == 2, (delay, err)
        assert err.decode() == "aicop: error: interrupted\n", delay  # no worker traceback
        assert out == b""  # no partial report
        assert took < 2.0, (delay, took)
        with pytest.raises(ProcessLookupError):  # no worker left behind in the group
            os.killpg(process.pid, 0)
