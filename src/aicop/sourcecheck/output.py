"""Render a CodeReport: text for people, JSON for tools, SARIF (with in-source suppressions) for CI."""

from __future__ import annotations

from aicop.sariflog import sarif_log
from aicop.sourcecheck.model import CodeFinding, CodeReport
from aicop.sourcecheck.rules import RULES, Level

SARIF_LEVEL = {Level.CRITICAL: "error", Level.HIGH: "error", Level.MEDIUM: "warning", Level.LOW: "note"}


def _where(f: CodeFinding) -> str:
    return f"{f.path}:{f.line}" + (f" (cell {f.cell})" if f.cell is not None else "")


def render_text(report: CodeReport) -> str:
    lines = [f"{f.level.label:8} {f.rule}  {_where(f)}  {f.message}" for f in report.active]
    lines += [f"skipped  {path}: {reason}" for path, reason in report.skipped]
    lines += [f"suppressed {f.rule}  {_where(f)}  {f.suppressed}" for f in report.suppressed]
    if report.test_providers:  # tests and mocks talk to services too, but that is not the product's data
        lines.append(
            "services used only in tests and mocks (not raised): "
            + ", ".join(f"{name} ({path}:{line})" for name, path, line in report.test_providers)
        )
    verdict = f"{len(report.active)} findings" if report.active else "no findings"
    lines.append(
        f"{verdict} in {report.files} files; {len(report.suppressed)} suppressed with a reason, "
        f"{len(report.skipped)} skipped"
    )
    return "\n".join(lines) + "\n"


def render_json(report: CodeReport) -> str:
    import json

    return json.dumps(report.to_dict(), indent=2) + "\n"


def render_sarif(report: CodeReport) -> str:
    import json

    used = sorted({f.rule for f in report.findings})
    rules = [
        {
            "id": rid,
            "shortDescription": {"text": RULES[rid].title},
            "help": {"text": RULES[rid].fix},
            "defaultConfiguration": {"level": SARIF_LEVEL[RULES[rid].level]},
            "properties": {"provisions": list(RULES[rid].provisions), "tags": ["security", "ai"]},
        }
        for rid in used
    ]
    results = []
    for finding in report.findings:
        result = {
            "ruleId": finding.rule,
            "ruleIndex": used.index(finding.rule),
            "level": SARIF_LEVEL[finding.level],
            "message": {"text": f"{finding.message}. Fix: {RULES[finding.rule].fix}"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": finding.path},
                        "region": {"startLine": finding.line, "startColumn": finding.column},
                    }
                }
            ],
            "properties": {"severity": finding.level.label, "provisions": list(finding.provisions)},
        }
        if finding.suppressed is not None:
            result["suppressions"] = [{"kind": "inSource", "justification": finding.suppressed}]
        results.append(result)
    log = sarif_log("aicop-code", rules, results)
    return json.dumps(log, indent=2) + "\n"
