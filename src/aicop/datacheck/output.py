"""The data check as SARIF 2.1.0, in the envelope every aicop tool writes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, cast

from aicop.datacheck.engine import DataReport
from aicop.sariflog import sarif_log

LEVEL = {"secret": "error", "injection": "error", "poisoning": "error", "personal-data": "warning"}
HELP = {
    "personal-data": "Remove or pseudonymise it, or declare the dataset's sensitivity as personal (5.4.1).",
    "secret": "Revoke the credential and remove it from the data (5.4.1).",
    "injection": "Remove the instructions before the text is used for training or retrieval (5.4.1, 7.3.1).",
    "poisoning": "Remove the rows that carry the trigger and retrain; find out how they got in (7.3.1).",
    "duplicate": "Remove repeated records: they over-weight what they say, and an attacker's too.",
    "templated": "Deduplicate by template (keep a sample of each) or confirm the repetition is intended.",
    "label-noise": "Review the suspect rows' labels: flipped labels poison a model as triggers do (7.3.1).",
    "schema": "Look at the odd rows: corrupted or injected records often break the column's type.",
}


def _result(finding: dict[str, Any], ids: dict[str, int]) -> dict[str, Any]:
    region: dict[str, int] = {"startLine": finding.get("line") or 1}
    column = finding.get("column")
    if isinstance(column, int):
        region["startColumn"] = column
    properties: dict[str, object] = {"category": finding["category"]}
    if isinstance(column, str):
        properties["column"] = column
    for key in ("row", "rows", "lines", "share"):
        if key in finding:
            properties[key] = finding[key]
    return {
        "ruleId": f"data/{finding['kind']}",
        "ruleIndex": ids[f"data/{finding['kind']}"],
        "level": LEVEL.get(finding["category"], "note"),
        "message": {"text": f"{finding['kind']}: {finding['example']}"},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": finding["path"]}, "region": region}}],
        "properties": properties,
    }


def sarif_chunks(report: DataReport) -> Iterator[str]:
    """The SARIF log in pieces: the envelope around the results, and the results one a line, read back
    from the report's spool (every finding, none held in memory)."""
    from aicop.datacheck.engine import CATEGORIES

    kinds = sorted(report.counts)
    ids = {f"data/{kind}": index for index, kind in enumerate(kinds)}
    rules = []
    for kind in kinds:
        category = CATEGORIES.get(kind, "other")
        rules.append(
            {
                "id": f"data/{kind}",
                "shortDescription": {"text": f"{kind.replace('-', ' ')} in data"},
                "help": {"text": HELP.get(kind, HELP.get(category, HELP["duplicate"]))},
                "defaultConfiguration": {"level": LEVEL.get(category, "note")},
                "properties": {"category": category, "tags": ["security", "data", "ai"]},
            }
        )
    log = sarif_log(
        "aicop-data",
        rules,
        [cast(dict[str, Any], _MARK)],
        {"counts": dict(report.counts), "problems": report.problems},
    )
    before, after = json.dumps(log, indent=2).split(json.dumps(_MARK))
    yield before.rstrip()
    first = True
    for line in report.spool.lines():
        yield ("\n" if first else ",\n") + json.dumps(_result(json.loads(line), ids))
        first = False
    yield "\n" + after.lstrip() + "\n"


def render_sarif(report: DataReport) -> str:
    return "".join(sarif_chunks(report))


_MARK = "\u0000results\u0000"


def render_html(report: DataReport) -> str:
    """One self-contained page (no scripts, no external assets); every value is escaped."""
    from importlib import resources

    from jinja2 import Environment, StrictUndefined, select_autoescape

    from aicop.datacheck.engine import CATEGORIES, SHOWN

    env = Environment(autoescape=select_autoescape(default=True), undefined=StrictUndefined, trim_blocks=True)
    source = (resources.files("aicop.datacheck") / "templates" / "data.html.j2").read_text(encoding="utf-8")
    return env.from_string(source).render(
        r=report, category=lambda kind: CATEGORIES.get(kind, "other"), per_kind=SHOWN
    )
