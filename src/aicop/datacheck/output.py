"""The data check as SARIF 2.1.0, in the envelope every aicop tool writes."""

from __future__ import annotations

import json

from aicop.datacheck.engine import DataReport
from aicop.sariflog import sarif_log

LEVEL = {"secret": "error", "injection": "error", "poisoning": "error", "personal-data": "warning"}
HELP = {
    "personal-data": "Remove or pseudonymise it, or declare the dataset's sensitivity as personal (5.4.1).",
    "secret": "Revoke the credential and remove it from the data (5.4.1).",
    "injection": "Remove the instructions before the text is used for training or retrieval (5.4.1, 7.3.1).",
    "poisoning": "Remove the rows that carry the trigger and retrain; find out how they got in (7.3.1).",
    "duplicate": "Remove repeated records: they over-weight what they say, and an attacker's too.",
    "label-noise": "Review the suspect rows' labels: flipped labels poison a model as triggers do (7.3.1).",
    "schema": "Look at the odd rows: corrupted or injected records often break the column's type.",
}


def render_sarif(report: DataReport) -> str:
    kinds = sorted({(f.kind, f.category) for f in report.findings})
    ids = [f"data/{kind}" for kind, _ in kinds]
    rules = [
        {
            "id": f"data/{kind}",
            "shortDescription": {"text": f"{kind.replace('-', ' ')} in data"},
            "help": {"text": HELP.get(kind, HELP[category])},
            "defaultConfiguration": {"level": LEVEL.get(category, "note")},
            "properties": {"category": category, "tags": ["security", "data", "ai"]},
        }
        for kind, category in kinds
    ]
    results = []
    for finding in report.findings:
        region: dict[str, int] = {"startLine": finding.line or 1}
        if isinstance(finding.column, int):
            region["startColumn"] = finding.column
        properties: dict[str, object] = {"category": finding.category}
        if finding.row is not None:
            properties["row"] = finding.row
        if isinstance(finding.column, str):
            properties["column"] = finding.column
        results.append(
            {
                "ruleId": f"data/{finding.kind}",
                "ruleIndex": ids.index(f"data/{finding.kind}"),
                "level": LEVEL.get(finding.category, "note"),
                "message": {"text": f"{finding.kind}: {finding.example}"},
                "locations": [
                    {"physicalLocation": {"artifactLocation": {"uri": finding.path}, "region": region}}
                ],
                "properties": properties,
            }
        )
    log = sarif_log(
        "aicop-data", rules, results, {"counts": dict(report.counts), "problems": report.problems}
    )
    return json.dumps(log, indent=2) + "\n"


def render_html(report: DataReport) -> str:
    """One self-contained page (no scripts, no external assets); every value is escaped."""
    from importlib import resources

    from jinja2 import Environment, StrictUndefined, select_autoescape

    from aicop.datacheck.engine import CATEGORIES, MAX_PER_KIND

    env = Environment(autoescape=select_autoescape(default=True), undefined=StrictUndefined, trim_blocks=True)
    source = (resources.files("aicop.datacheck") / "templates" / "data.html.j2").read_text(encoding="utf-8")
    return env.from_string(source).render(
        r=report, category=lambda kind: CATEGORIES.get(kind, "other"), per_kind=MAX_PER_KIND
    )
