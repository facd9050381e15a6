"""Render a ScanReport: a text table for people, JSON for tools, SARIF for code scanning.

The text renderer is plain (no rich): ``aicop scan FILE`` runs once per file in CI loops and its
start-up counts in the comparison with the anchor scanners.
"""

from __future__ import annotations

from aicop.sariflog import sarif_log
from aicop.scan.model import ScanFinding, ScanReport, Severity

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}


def render_json(report: ScanReport) -> str:
    import json

    return json.dumps(report.to_dict(), indent=2) + "\n"


def render_text(report: ScanReport, *, verbose: bool = False) -> str:
    lines: list[str] = []
    rows = [f for f in report.findings if verbose or f.severity >= Severity.LOW]
    formats = {f.path: f.format or "unknown" for f in report.files}  # the format each verdict assumed
    if rows:
        headers = ("severity", "file", "format", "member", "offset", "callable", "why")
        table = [
            (
                f.severity.label,
                f.path,
                formats.get(f.path, "unknown"),
                f.member or "",
                "" if f.offset is None else str(f.offset),
                f.callable or "",
                f.message,
            )
            for f in rows
        ]
        widths = [min(48, max(len(h), *(len(r[i]) for r in table))) for i, h in enumerate(headers[:-1])]
        lines.append("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=False)) + "  why")
        for row in table:
            cells = [_clip(c, w).ljust(w) for c, w in zip(row, widths, strict=False)]
            lines.append("  ".join(cells) + "  " + row[-1])
    for failed in report.errors:
        lines.append(f"error  {failed.path} (as {failed.format or 'unknown format'}): {failed.error}")
    summary = report.summary()
    verdict = "UNSAFE" if report.unsafe else ("INCOMPLETE" if report.errors else "no unsafe content found")
    lines.append(
        f"{verdict}: {summary['files']} files, {summary['model_files']} model files, "
        f"{summary['unsafe_files']} unsafe, {summary['errors']} could not be scanned"
    )
    return "\n".join(lines) + "\n"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else "…" + text[-(width - 1) :]


def render_sarif(report: ScanReport) -> str:
    import json

    rules: dict[str, dict[str, Any]] = {}
    results = []
    for finding in report.findings:
        if finding.rule not in rules:
            rules[finding.rule] = {
                "id": finding.rule,
                "shortDescription": {"text": finding.rule.replace(".", ": ").replace("-", " ")},
                "defaultConfiguration": {"level": LEVEL[finding.severity]},
                "properties": {
                    "tags": ["security", "ai-model", "uk-ai-cyber-security-code"],
                    "provisions": ["2.6", "2.7", "7.2"],
                },
            }
        results.append(_result(finding, list(rules).index(finding.rule)))
    for failed in report.errors:
        results.append(
            {
                "ruleId": "scan.error",
                "level": "warning",
                "kind": "review",
                "message": {"text": f"could not be scanned: {failed.error}"},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": failed.path}}}],
            }
        )
    if report.errors:
        rules.setdefault(
            "scan.error",
            {
                "id": "scan.error",
                "shortDescription": {"text": "file could not be scanned"},
                "defaultConfiguration": {"level": "warning"},
            },
        )
        for result in results:
            if result["ruleId"] == "scan.error":
                result["ruleIndex"] = list(rules).index("scan.error")
    log = sarif_log("aicop-scan", list(rules.values()), results, {"unsafe": report.unsafe})
    return json.dumps(log, indent=2) + "\n"


def _result(finding: ScanFinding, index: int) -> dict[str, Any]:
    import hashlib

    where = f" in {finding.member}" if finding.member else ""
    at = f" at byte {finding.offset}" if finding.offset is not None else ""
    location: dict[str, Any] = {"physicalLocation": {"artifactLocation": {"uri": finding.path}}}
    if finding.offset is not None and not finding.member:
        location["physicalLocation"]["region"] = {"byteOffset": finding.offset}
    key = f"{finding.rule}|{finding.path}|{finding.member}|{finding.callable}"
    return {
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": LEVEL[finding.severity],
        "kind": "fail" if finding.unsafe else "review",
        "message": {"text": f"{finding.message}{where}{at}"},
        "locations": [location],
        "partialFingerprints": {"aicopScan/v1": hashlib.sha256(key.encode()).hexdigest()[:32]},
        "properties": {
            "severity": finding.severity.label,
            "callable": finding.callable,
            "member": finding.member,
        },
    }
