"""Principle 9 and 11.3 from recorded red-team runs: met with passing runs over time, gaps otherwise."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from aicop.assess.results import Status
from tests.checks.helpers import provision
from tests.redteam.test_gate import project, record

PIDS = ("9.1", "9.2", "9.2.2", "9.3", "9.4", "11.3")


def _backdate(root: Path, days: int) -> None:
    """Move every recorded run ``days`` into the past (a history over time)."""
    for path in (root / ".aicop/redteam/runs").glob("*/run.json"):
        data = json.loads(path.read_text())
        when = dt.datetime.fromisoformat(data["finished"]) - dt.timedelta(days=days)
        data["started"] = data["finished"] = when.isoformat(timespec="seconds")
        path.write_text(json.dumps(data))


def test_no_runs_leave_every_provision_open(tmp_path: Path) -> None:
    root = project(tmp_path)
    for pid in PIDS:
        result = provision(root, pid)
        assert result.status in (Status.NOT_MET, Status.NEEDS_ATTESTATION), pid
        assert all(f.absence for f in result.findings if f.check.startswith("redteam.")), pid


def test_passing_runs_over_time_shared_with_operators_meet_all(tmp_path: Path) -> None:
    root = project(tmp_path)
    with (root / "redteam.yaml").open("a") as f:
        f.write(
            "suites: [small.yaml, benign, tool-misuse, metadata-leakage, insecure-output, resource-abuse]\n"
            "share: docs/redteam-summary.md\nsamples: 1\n"
        )
    text = (root / "redteam.yaml").read_text().replace("suites: [small.yaml]\n", "")
    (root / "redteam.yaml").write_text(text)
    record(root)
    _backdate(root, 3)
    latest = record(root)
    today = dt.datetime.now(dt.UTC).date()
    from aicop.assess import assess

    assessment = assess(root, today=today)
    results = {v.id: v for v in assessment.provisions()}
    for pid in PIDS:
        assert results[pid].status is Status.MET, (pid, [f.message for f in results[pid].findings])
    assert latest.run_id in (root / "docs/redteam-summary.md").read_text()


def test_a_changed_model_and_a_failing_run_are_defects(tmp_path: Path) -> None:
    root = project(tmp_path)
    record(root, "scripted")
    (root / "models/assistant.bin").write_text("weights v2")
    today = dt.datetime.now(dt.UTC).date()
    from aicop.assess import assess

    results = {v.id: v for v in assess(root, today=today).provisions()}
    assert results["9.1"].status is Status.NOT_MET
    assert results["11.3"].status is Status.NOT_MET
    assert any("changed since its last run" in f.message for f in results["11.3"].findings)
    assert results["9.2"].status is Status.NOT_MET
    assert results["9.2.2"].status is Status.PARTIAL, "one OWASP category is not a whole-system test"
    assert results["9.3"].status is Status.PARTIAL, "one day of runs is no history"
    assert results["9.4"].status is Status.PARTIAL, "a summary beside the run is not yet shared"


def test_a_broken_redteam_yaml_is_an_error(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "redteam.yaml").write_text("modle: x\n")
    result = provision(root, "9.2")
    assert any(f.status is Status.ERROR and "redteam.yaml:1" in f.message for f in result.findings)


def test_a_repository_that_does_not_use_redteam_gets_no_finding(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "redteam.yaml").unlink()
    for pid in PIDS:
        result = provision(root, pid)
        assert not [f for f in result.findings if f.check.startswith("redteam.")], pid
        assert result.status is Status.NEEDS_ATTESTATION, pid
