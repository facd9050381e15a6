"""The JSON report: ``Assessment`` as it is, validated by the schema ``aicop report schema`` prints."""

from __future__ import annotations

import json
from typing import Any

from aicop.assess.results import Assessment


def render(assessment: Assessment) -> str:
    return assessment.model_dump_json(indent=2) + "\n"


def schema() -> dict[str, Any]:
    out = Assessment.model_json_schema()
    out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    out["$id"] = "https://aicop.dev/schemas/assessment-1.0.json"
    return out


def schema_text() -> str:
    return json.dumps(schema(), indent=2) + "\n"
