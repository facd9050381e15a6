"""``aicop monitor``: reports and exit codes, the report's schema, and every bad input (exit 2, nothing
written)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest

from aicop.monitor.model import MonitorReport
from tests.conftest import CliResult

Run = Callable[..., CliResult]


def test_report_on_steady_traffic_exits_zero(run_cli: Run, logs: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "reports"
    result = run_cli("monitor", "report", "--log", logs["steady"], "-o", out)
    assert result.code == 0, result.err
    assert "verdict: steady" in result.out and "chain verified" in result.out
    assert sorted(p.name for p in out.iterdir()) == [
        "monitor-report.html",
        "monitor-report.json",
        "monitor-report.md",
    ]
    data = json.loads((out / "monitor-report.json").read_text())
    jsonschema.validate(data, MonitorReport.model_json_schema())
    assert data["verdict"] == "steady" and data["method"]["baseline_requests"] >= 500
    html = (out / "monitor-report.html").read_text()
    assert "<svg" in html and "<script" not in html


def test_report_on_probing_traffic_exits_one(run_cli: Run, logs: dict[str, Path]) -> None:
    result = run_cli("monitor", "report", "--log", logs["probe"], "--format", "markdown")
    assert result.code == 1
    assert "**changed**" in result.out and "| probe |" in result.out


def test_a_tampered_log_is_reported_as_such(run_cli: Run, logs: dict[str, Path], tmp_path: Path) -> None:
    copy = tmp_path / "gw.jsonl"
    lines = logs["steady"].read_text().splitlines()
    lines[1500] = lines[1500].replace('"mock-', '"mock_', 1)
    copy.write_text("\n".join(lines) + "\n")
    result = run_cli("monitor", "report", "--log", copy)
    assert result.code == 1 and "verdict: tampered" in result.out and "line 1501" in result.out


def test_a_baseline_too_small_is_not_judged_and_exit_two(run_cli: Run, logs: dict[str, Path]) -> None:
    result = run_cli("monitor", "report", "--log", logs["steady"], "--baseline-size", "20")
    assert result.code == 2 and "verdict: not judged" in result.out and "at least 200" in result.out


def test_simulate_writes_a_new_log_only(run_cli: Run, tmp_path: Path) -> None:
    log = tmp_path / "sim.jsonl"
    assert run_cli("monitor", "simulate", "-o", log, "--requests", "300").code == 0
    assert len(log.read_text().splitlines()) == 300
    again = run_cli("monitor", "simulate", "-o", log)
    assert again.code == 2 and "already exists" in again.err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--log", "missing.jsonl"], "no such log file"),
        (["--baseline", "5"], "is not FROM..TO"),
        (["--baseline", "10..2026-01-01"], "of one kind"),
        (["--baseline", "x..y"], "neither a request number"),
        (["--window", "ten"], "not a duration"),
        (["--stride", "0"], "--stride must be at least 1"),
        (["--alpha", "2"], "--alpha must be between"),
        (["--embeddings", "--embed-every", "0"], "--embed-every must be at least 1"),
        (["--embeddings", "--embed-processes", "0"], "--embed-processes must be at least 1"),
        (["--embeddings", "--embed-tokens", "2"], "--embed-tokens must be at least 3"),
    ],
)
def test_bad_input_exits_two(run_cli: Run, logs: dict[str, Path], args: list[str], words: str) -> None:
    full = args if args[0] == "--log" else ["--log", str(logs["steady"]), *args]
    result = run_cli("monitor", "report", *full)
    assert result.code == 2 and words in result.err and result.out == ""


def test_output_that_is_a_file_is_refused_before_any_work(
    run_cli: Run, logs: dict[str, Path], tmp_path: Path
) -> None:
    target = tmp_path / "a-file"
    target.write_text("keep me")
    result = run_cli("monitor", "report", "--log", logs["steady"], "-o", target)
    assert result.code == 2 and "is a file" in result.err and target.read_text() == "keep me"


def test_a_log_with_nothing_readable_exits_two(run_cli: Run, tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    result = run_cli("monitor", "report", "--log", empty)
    assert result.code == 2 and "no requests could be read" in result.err
