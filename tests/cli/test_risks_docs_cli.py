"""``aicop risks`` and ``aicop docs``: exit codes, never overwriting, and errors that name file and line."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import yaml

from tests.checks.test_p03_risks import COMMUNICATED, MANIFEST, SUMMARY
from tests.conftest import CliResult, MakeRepo

Run = Callable[..., CliResult]
AI_MANIFEST = MANIFEST + (
    "external_apis:\n  - {name: OpenAI, provider: OpenAI, data_sent: [messages]}\n"
    "endpoints:\n  - {name: chat, url: 'https://x.example/chat', public: true}\n"
)


def test_risks_check_reports_each_provision_and_exits_1_on_gaps(run_cli: Run, make_repo: MakeRepo) -> None:
    root = make_repo({"risks.yaml": COMMUNICATED, "docs/risk-summary.md": SUMMARY}, manifest=MANIFEST)
    result = run_cli("risks", "check", root)
    assert result.code == 1  # not a git checkout: 3.1.1 cannot be told
    assert "3.1.1   partial" in result.out and "3.6     met" in result.out
    data = json.loads(run_cli("risks", "check", root, "--format", "json").out)
    assert {p["provision"] for p in data["provisions"]} == {
        "3.1.1",
        "3.1.3",
        "3.2",
        "3.3",
        "3.4",
        "3.5",
        "3.6",
    }


def test_risks_check_bad_register_exits_2_naming_file_and_line(run_cli: Run, make_repo: MakeRepo) -> None:
    root = make_repo(
        {"risks.yaml": COMMUNICATED.replace("    owner: Security lead\n", "", 1)}, manifest=MANIFEST
    )
    result = run_cli("risks", "check", root)
    assert result.code == 2 and result.out == ""
    assert f"{root / 'risks.yaml'}:15: risks.0.owner: Field required" in result.err
    missing = make_repo(manifest=MANIFEST, name="empty")
    result = run_cli("risks", "check", missing)
    assert result.code == 2 and "no risk register" in result.err


def test_suggest_prints_then_writes_only_new_entries(run_cli: Run, make_repo: MakeRepo) -> None:
    root = make_repo(manifest=AI_MANIFEST)
    shown = run_cli("risks", "suggest", root)
    assert (
        shown.code == 0
        and "[new ] denial-of-wallet" in shown.out
        and "AML.T0034 (Cost Harvesting)" in shown.out
    )
    assert not (root / "risks.yaml").exists()
    written = run_cli("risks", "suggest", root, "--write")
    assert written.code == 0
    data = yaml.safe_load((root / "risks.yaml").read_text())
    assert data["system"] == "test-system" and "denial-of-wallet" in {r["id"] for r in data["risks"]}
    again = run_cli("risks", "suggest", root, "--write")
    assert "0 new risks added" in again.out
    as_json = json.loads(run_cli("risks", "suggest", root, "--format", "json").out)
    assert all(not s["new"] for s in as_json["suggestions"])


def test_suggest_write_keeps_the_users_register(run_cli: Run, make_repo: MakeRepo) -> None:
    text = "# ours, with comments\n" + COMMUNICATED
    root = make_repo({"risks.yaml": text, "docs/risk-summary.md": SUMMARY}, manifest=AI_MANIFEST)
    assert run_cli("risks", "suggest", root, "--write").code == 0
    merged = (root / "risks.yaml").read_text()
    assert merged.startswith(text.rstrip("\n").rsplit("\n", 1)[0])
    assert "# ours, with comments" in merged and "id: denial-of-wallet" in merged


def test_suggest_write_refuses_an_invalid_register_and_leaves_it(run_cli: Run, make_repo: MakeRepo) -> None:
    bad = COMMUNICATED.replace("AML.T0056", "AML.T0000.999")
    root = make_repo({"risks.yaml": bad}, manifest=AI_MANIFEST)
    result = run_cli("risks", "suggest", root, "--write")
    assert result.code == 2 and "unknown ATLAS technique id 'AML.T0000.999'" in result.err
    assert (root / "risks.yaml").read_text() == bad


def test_risks_schema(run_cli: Run) -> None:
    result = run_cli("risks", "schema")
    assert result.code == 0 and "risk_appetite" in json.loads(result.out)["properties"]


def test_docs_draft_to_stdout_and_to_a_new_file_only(
    run_cli: Run, make_repo: MakeRepo, tmp_path: Path
) -> None:
    root = make_repo(manifest=AI_MANIFEST)
    shown = run_cli("docs", "draft", "threat-model", root)
    assert shown.code == 0 and "## Attack routes" in shown.out
    out = tmp_path / "tm.md"
    assert run_cli("docs", "draft", "threat-model", root, "--output", out).code == 0
    out.write_text("mine\n")
    again = run_cli("docs", "draft", "incident-plan", root, "--output", out)
    assert again.code == 2 and "never overwrites" in again.err and out.read_text() == "mine\n"


def test_docs_draft_bad_input(run_cli: Run, make_repo: MakeRepo, tmp_path: Path) -> None:
    root = make_repo(manifest=AI_MANIFEST)
    assert run_cli("docs", "draft", "risk-summary", root).code == 2  # no register
    assert run_cli("docs", "draft", "press-release", root).code == 2
    report = tmp_path / "report.json"
    report.write_text('{"principles": 3}')
    result = run_cli("docs", "draft", "threat-model", root, "--report", report)
    assert result.code == 2 and "not an 'aicop assess --format json' report" in result.err
    bad = make_repo({"risks.yaml": "version: 1\nsystem: other\n"}, manifest=AI_MANIFEST, name="bad")
    result = run_cli("docs", "draft", "user-notice", bad)
    assert result.code == 2 and "risks.yaml" in result.err


def test_docs_draft_lists_gaps_from_a_report(run_cli: Run, make_repo: MakeRepo, tmp_path: Path) -> None:
    root = make_repo({"risks.yaml": COMMUNICATED, "docs/risk-summary.md": SUMMARY}, manifest=MANIFEST)
    reports = tmp_path / "reports"
    assert run_cli("assess", root, "--format", "json", "--output", reports, "--fail-on", "never").code == 0
    (report,) = reports.glob("*.json")
    result = run_cli("docs", "draft", "risk-summary", root, "--report", report)
    assert result.code == 0 and "## Open gaps from the latest assessment" in result.out
    assert "- 3.1.1: " in result.out
