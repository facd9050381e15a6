"""``aicop redteam run|compare|suites`` and ``aicop release check``: exit codes and what they print."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from aicop.redteam.session import RUN_FILE
from tests.conftest import CliResult
from tests.redteam.test_gate import project, record

Cli = Callable[..., CliResult]


def test_suites_lists_the_builtin_suites(run_cli: Cli) -> None:
    result = run_cli("redteam", "suites")
    assert result.code == 0
    for suite in (
        "prompt-injection",
        "indirect-injection",
        "system-prompt-extraction",
        "tool-misuse",
        "benign",
    ):
        assert suite in result.out


def test_an_unreachable_target_exits_2_and_writes_nothing(run_cli: Cli, tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "out"
    (tmp_path / "redteam.yaml").write_text("retries: 0\n")
    result = run_cli(
        "redteam",
        "run",
        "--project",
        tmp_path,
        "--target",
        f"http://127.0.0.1:{port}/v1",
        "--suite",
        "benign",
        "-o",
        out,
    )
    assert result.code == 2 and "cannot reach" in result.err
    assert not out.exists()


def test_no_target_and_bad_numbers_are_usage_errors(run_cli: Cli, tmp_path: Path) -> None:
    assert run_cli("redteam", "run", "--project", tmp_path).code == 2
    result = run_cli("redteam", "run", "--project", tmp_path, "--target", "http://x/v1", "--samples", "0")
    assert result.code == 2 and "--samples" in result.err


def test_release_check_exits_1_until_the_model_is_tested(run_cli: Cli, tmp_path: Path) -> None:
    root = project(tmp_path)
    result = run_cli("release", "check", root)
    assert result.code == 1 and "never tested" in result.out
    record(root)
    result = run_cli("release", "check", root, "--format", "json")
    assert result.code == 0 and json.loads(result.out)[0]["passed"] is True
    (root / "models/assistant.bin").write_text("retrained")
    assert run_cli("release", "check", root).code == 1


def test_release_check_without_a_manifest_is_bad_input(run_cli: Cli, tmp_path: Path) -> None:
    result = run_cli("release", "check", tmp_path)
    assert result.code == 2 and "aicop.yaml" in result.err


def test_compare_exits_1_on_a_significant_regression(run_cli: Cli, tmp_path: Path) -> None:
    root = project(tmp_path)
    good = record(root, "robust")
    bad = record(root, "scripted")
    runs = root / ".aicop/redteam/runs"
    good_dir, bad_dir = runs / good.run_id, runs / bad.run_id
    assert (good_dir / RUN_FILE).is_file()
    assert run_cli("redteam", "compare", good_dir, bad_dir).code == 1
    assert run_cli("redteam", "compare", bad_dir, good_dir).code == 0
    assert run_cli("redteam", "compare", good_dir, tmp_path / "missing").code == 2


@pytest.mark.parametrize("alpha", ["0", "1.5"])
def test_compare_refuses_a_bad_alpha(run_cli: Cli, tmp_path: Path, alpha: str) -> None:
    assert run_cli("redteam", "compare", tmp_path, tmp_path, "--alpha", alpha).code == 2
