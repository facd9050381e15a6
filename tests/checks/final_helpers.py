"""Assess a generated repository against the final Code (dsit-2025-01)."""

from __future__ import annotations

from pathlib import Path

from aicop.assess import assess
from aicop.assess.results import ProvisionResult
from aicop.catalog import load_catalog
from tests.conftest import TODAY


def final_results(root: Path) -> dict[str, ProvisionResult]:
    return {v.id: v for v in assess(root, today=TODAY, catalog=load_catalog("dsit-2025-01")).provisions()}
