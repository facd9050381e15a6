"""12.2, 12.3 and 12.4: what the gateway's log records, and a monitor report over recent traffic."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from aicop.assess.results import Status
from aicop.monitor.detect import Settings, run
from aicop.monitor.events import open_log
from aicop.monitor.report import build, render_json
from aicop.monitor.simulate import Plan, write_log
from tests.checks.helpers import provision
from tests.conftest import MANIFEST, TODAY, MakeRepo

CONFIG = "audit:\n  path: logs/gateway.jsonl\n"


def _report(root: Path, plan: Plan, **settings: object) -> None:
    log = root / "logs" / "gateway.jsonl"
    write_log(plan, log)
    reader = open_log(str(log))
    monitor = run(reader, Settings(**settings))  # type: ignore[arg-type]
    folder = root / ".aicop" / "monitor"
    folder.mkdir(parents=True)
    (folder / "monitor-report.json").write_text(render_json(build(monitor, reader.integrity, str(log))))


def _recent(days: int = 2) -> dt.datetime:
    return dt.datetime.combine(TODAY - dt.timedelta(days=days), dt.time(), tzinfo=dt.UTC)


def test_a_gateway_without_a_monitor_report_is_an_absence(make_repo: MakeRepo) -> None:
    root = make_repo({"gateway.yaml": CONFIG}, manifest=MANIFEST)
    for pid in ("12.3", "12.4"):
        result = provision(root, pid)
        assert result.status is not Status.MET
        assert any(f.absence and "no monitor report" in f.message for f in result.findings)
    assert provision(root, "12.2").status is Status.MET


def test_a_recent_steady_report_meets_12_3_and_12_4(make_repo: MakeRepo) -> None:
    root = make_repo({"gateway.yaml": CONFIG}, manifest=MANIFEST)
    _report(root, Plan(requests=1600, seed=31, start=_recent()))
    for pid in ("12.3", "12.4"):
        result = provision(root, pid)
        assert result.status is Status.MET, [f.message for f in result.findings]
        assert result.findings[0].evidence[0].path == ".aicop/monitor/monitor-report.json"


@pytest.mark.parametrize(
    ("plan", "settings", "status", "words"),
    [
        (Plan(requests=1600, seed=32, start=_recent(90)), {}, Status.NOT_MET, "90 days old"),
        (
            Plan(requests=2500, seed=33, start=_recent(), probe_at=1100),
            {},
            Status.NOT_MET,
            "alarms still open",
        ),
        (Plan(requests=400, seed=34, start=_recent()), {"baseline": 100}, Status.PARTIAL, "could not judge"),
    ],
)
def test_stale_open_or_unjudged_reports_are_gaps(
    make_repo: MakeRepo, plan: Plan, settings: dict[str, object], status: Status, words: str
) -> None:
    root = make_repo({"gateway.yaml": CONFIG}, manifest=MANIFEST)
    _report(root, plan, **settings)
    result = provision(root, "12.3")
    assert result.status is status and any(words in f.message for f in result.findings), result.findings


def test_an_unreadable_report_is_an_error(make_repo: MakeRepo) -> None:
    root = make_repo({".aicop/monitor/monitor-report.json": '{"verdict": 1}'}, manifest=MANIFEST)
    result = provision(root, "12.4")
    assert result.status is Status.ERROR and "not a monitor report" in result.findings[0].message
