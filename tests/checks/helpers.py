"""Assess a generated repository and look up provisions."""

from __future__ import annotations

from pathlib import Path

from aicop.assess import assess
from aicop.assess.results import Assessment, ProvisionResult, Status
from tests.conftest import TODAY


def assessed(root: Path) -> Assessment:
    return assess(root, today=TODAY)


def provision(root: Path, pid: str) -> ProvisionResult:
    return next(v for v in assessed(root).provisions() if v.id == pid)


def status(root: Path, pid: str) -> Status:
    return provision(root, pid).status
