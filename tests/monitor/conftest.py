"""Seeded traffic logs, written once per test session (a few seconds of work each)."""

from __future__ import annotations

from pathlib import Path

import pytest

from aicop.monitor.simulate import Plan, write_log


@pytest.fixture(scope="session")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("monitor-logs")
    plans = {
        "steady": Plan(requests=6000, seed=11),
        "shift": Plan(requests=4000, seed=12, shift_at=2500),
        "probe": Plan(requests=4000, seed=13, probe_at=2000),
    }
    out = {}
    for name, plan in plans.items():
        out[name] = folder / f"{name}.jsonl"
        write_log(plan, out[name])
    return out
