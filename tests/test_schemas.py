"""The published schemas in schemas/ are exactly what the models generate (regenerate with
'aicop report schema > schemas/assessment-1.0.json' and 'aicop manifest schema > schemas/manifest-1.json')."""

from __future__ import annotations

import json

from aicop.catalog.model import Catalog
from aicop.monitor.model import MonitorReport
from aicop.report.json_report import schema
from aicop.system.manifest import Manifest
from tests.conftest import ROOT


def test_published_schemas_are_current() -> None:
    published = ROOT / "schemas"
    assert json.loads((published / "assessment-1.0.json").read_text()) == schema()
    assert json.loads((published / "manifest-1.json").read_text()) == Manifest.model_json_schema()
    assert json.loads((published / "catalog-1.json").read_text()) == Catalog.model_json_schema()
    monitor = json.loads((published / "monitor-report-1.json").read_text())
    assert monitor == MonitorReport.model_json_schema()
