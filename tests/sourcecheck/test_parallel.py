"""The source checks' helper processes on a big tree: the same report as one process, a small tree
never starts one, a helper that ends or fails is handled, and Ctrl-C stops assess within a second,
cleanly, with exit 2."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from aicop.sourcecheck import check_tree, parallel
from aicop.sourcecheck.engine import analyse_file
from tests.conftest import TODAY
from tests.sourcecheck.seen import seen as _seen

AICOP = str(Path(sys.executable).parent / "aicop")

# Every kind of fact a file can give, spread over many files (file i gets kind i % len(KINDS)).
KINDS = [
    "import pickle\ndata = pickle.loads(open('x.bin', 'rb').read())\n",
    "import torch\nm = torch.load('w.pt')  # aicop: ignore[AIC101] our own checkpoint\n",
    "from openai import OpenAI\nclient = OpenAI()\n"
    "def ask(q):\n    return client.chat.completions.create(model='gpt-4o', messages=[q])\n",
    "from fastapi import FastAPI\nfrom pkg.m2 import ask\napp = FastAPI()\n"
    "@app.post('/chat')\ndef chat(q: str):\n    return ask(q)\n",
    "aws_access_key_id = 'AKIAIOSFODNN7EXAMPLF'\n",
    "print 'python 2'\n",
    "from transformers import AutoModel\nAutoModel.from_pretrained('org/model', trust_remote_code=True)\n",
    "x = 1\n",
]


def _tree(root: Path, count: int) -> list[str]:
    files = []
    for i in range(count):
        rel = f"pkg/m{i}.py"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(KINDS[i % len(KINDS)])
        files.append(rel)
    notebook = {"cells": [{"cell_type": "code", "source": ["import torch\n", "m = torch.load('w.pt')\n"]}]}
    (root / "nb.ipynb").write_text(json.dumps(notebook))
    (root / "blob.py").write_bytes(b"x = 1\0\0\n")
    (root / "settings.yaml").write_text("token: ghp_" + "a1B2" * 9 + "\n")
    return [*files, "nb.ipynb", "blob.py", "settings.yaml"]


def test_helpers_give_the_same_report_as_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "repo"
    files = _tree(root, 64)
    serial = check_tree(root, files, today=TODAY, workers=0)
    answered: list[int] = []
    real_record = parallel._record

    def counted(plain: dict[str, object]) -> object:
        answered.append(1)
        return real_record(plain)  # type: ignore[arg-type]

    def slow(full: str, rel: str, text: str) -> object:
        time.sleep(0.1)  # this process alone is slow, so that the helpers surely take their share
        return analyse_file(full, rel, text)

    monkeypatch.setattr(parallel, "_record", counted)
    monkeypatch.setattr(parallel, "analyse_file", slow)
    shared = check_tree(root, files, today=TODAY, workers=2)
    assert answered, "no helper answered"
    assert len(answered) < len(files)  # and this process did some too
    assert _seen(shared) == _seen(serial)
    rules = {f.rule for f in serial.findings}
    assert {"AIC101", "AIC102", "AIC401", "AIC501", "AIC701"} <= rules  # every kind of fact went through
    assert any(f.suppressed for f in shared.findings)
    assert any("binary content" in reason for _, reason in shared.skipped)


def test_a_small_tree_starts_no_helper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "repo"
    files = _tree(root, parallel.PARALLEL_FROM - 10)

    def refused(root: str) -> None:
        raise AssertionError("a helper was started for a small tree")

    monkeypatch.setattr(parallel, "_Helper", refused)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(16)), raising=False)
    assert check_tree(root, files, today=TODAY).files == len(files) - 1  # all but the binary one


@pytest.mark.parametrize(
    ("cpus", "files", "helpers"),
    [(1, 5000, 0), (2, 149, 0), (2, 150, 1), (2, 5000, 1), (4, 300, 2), (4, 5000, 3), (64, 10**6, 8)],
)
def test_one_helper_per_spare_cpu_and_enough_files_each(
    monkeypatch: pytest.MonkeyPatch, cpus: int, files: int, helpers: int
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cpus)), raising=False)
    assert parallel.helpers_for(files) == helpers
    assert parallel.helpers_for(files, workers=0) == 0


def test_a_file_changed_since_it_was_hashed_is_left_to_the_parent(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("import pickle\npickle.loads(b'')\n")
    digest = hashlib.sha256((tmp_path / "m.py").read_bytes()).hexdigest()
    assert parallel._analysed(str(tmp_path), "m.py", digest) is not None
    (tmp_path / "m.py").write_text("x = 1\n")
    assert parallel._analysed(str(tmp_path), "m.py", digest) is None
    assert parallel._analysed(str(tmp_path), "gone.py", digest) is None


def test_helpers_that_end_leave_their_files_to_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    files = _tree(root, 40)
    monkeypatch.setattr(parallel, "_PROGRAM", "import sys; sys.stdin.readline(); sys.exit(9)")
    assert _seen(check_tree(root, files, today=TODAY, workers=2)) == _seen(
        check_tree(root, files, today=TODAY, workers=0)
    )


def test_a_helper_that_fails_is_a_bug_not_a_silent_gap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    files = _tree(root, 40)
    failing = (
        "import json, sys\n"
        "for line in sys.stdin:\n"
        "    print(json.dumps({'error': 'Traceback: a bug in a rule'}), flush=True)\n"
    )
    monkeypatch.setattr(parallel, "_PROGRAM", failing)
    monkeypatch.setattr(parallel, "analyse_file", lambda *a: time.sleep(0.05) or analyse_file(*a))
    with pytest.raises(RuntimeError, match="a bug in a rule"):
        check_tree(root, files, today=TODAY, workers=1)


def test_the_helper_never_imports_from_the_directory_it_runs_in(tmp_path: Path) -> None:
    """A repository being checked may hold its own ``json.py``; the helper runs isolated."""
    (tmp_path / "json.py").write_text("raise SystemExit('imported the repository')\n")
    (tmp_path / "m.py").write_text("import pickle\npickle.loads(b'')\n")
    digest = hashlib.sha256((tmp_path / "m.py").read_bytes()).hexdigest()
    previous = Path.cwd()
    os.chdir(tmp_path)
    try:
        helper = parallel._Helper(str(tmp_path))
        try:
            helper.stdin.write(json.dumps([["m.py", digest]]).encode() + b"\n")
            helper.stdin.flush()
            assert helper.process.stdout is not None
            answer = json.loads(helper.process.stdout.readline())
        finally:
            helper.close()
    finally:
        os.chdir(previous)
    assert answer["records"][0]["modules"][0]["findings"][0][0] == "AIC102"


@pytest.fixture(scope="module")
def slow_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough modules, each long enough, that assess is busy analysing them for a few seconds."""
    root = tmp_path_factory.mktemp("slow")
    body = "".join(
        textwrap.dedent(f"""\
            def f{i}(x, y={i}):
                if x > y:
                    return [a * {i} for a in range(x) if a % 3]
                return {{"k": x, "v": y, "s": str(x) + "{i}"}}
            """)
        for i in range(150)
    )
    for i in range(parallel.PARALLEL_FROM * 2):
        (root / f"m{i:03}.py").write_text(body)
    return root


def _helpers(pid: int) -> list[int]:
    """The helper processes of the process ``pid`` (by their command line)."""
    try:
        children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
    found = []
    for child in children:
        try:
            if b"aicop.sourcecheck.parallel" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.append(child)
        except OSError:
            continue
    return found


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc to see the helpers")
@pytest.mark.skipif(parallel.helpers_for(10**6) == 0, reason="one CPU: assess starts no helper")
def test_ctrl_c_stops_assess_and_its_helpers_within_a_second(slow_tree: Path) -> None:
    """Ctrl-C in a terminal signals the foreground process group; the helpers are outside it and must
    be stopped by aicop. Repeated at different moments, since what it guards against is a race."""
    for delay in (0.0, 0.1, 0.3, 0.6):
        process = subprocess.Popen(
            [AICOP, "assess", str(slow_tree), "--fail-on", "never", "--format", "json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(os.environ, AICOP_CACHE_DIR="off"),
            start_new_session=True,  # its own process group, as a terminal's foreground job has
        )
        deadline = time.monotonic() + 60
        while not _helpers(process.pid) and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.01)
        helpers = _helpers(process.pid)
        assert helpers and process.poll() is None, "assess ended before it could be interrupted"
        time.sleep(delay)
        sent = time.monotonic()
        os.killpg(process.pid, signal.SIGINT)
        try:
            out, err = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            for pid in helpers:
                os.kill(pid, signal.SIGKILL)
            process.communicate()
            pytest.fail(f"assess hung after Ctrl-C (delay {delay})")
        took = time.monotonic() - sent
        assert process.returncode == 2, (delay, err)
        assert err.decode() == "aicop: error: interrupted\n", delay  # no helper's traceback
        assert out == b""  # no partial report
        assert took < 2.0, (delay, took)
        for pid in helpers:  # stopped and reaped: nothing left running in its own group
            assert not Path(f"/proc/{pid}").exists(), (delay, pid)


def test_ctrl_c_while_a_helper_starts_is_held_until_it_can_be_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Ctrl-C that arrives inside ``Popen`` is raised once the helper is in the list that the
    clean-up stops; before, it left a helper running (the race the test above found)."""
    started: list[parallel._Helper] = []
    real = parallel._Helper

    def interrupted(root: str) -> parallel._Helper:
        helper = real(root)
        started.append(helper)
        signal.raise_signal(signal.SIGINT)  # as if Ctrl-C came now, before the helper is recorded
        return helper

    monkeypatch.setattr(parallel, "_Helper", interrupted)
    jobs = [parallel.Job(0, "m.py", "0" * 64, "x = 1\n")]
    with pytest.raises(KeyboardInterrupt):
        parallel.analyse(str(tmp_path), jobs, workers=1)
    assert started and started[0].process.returncode is not None  # killed and reaped
