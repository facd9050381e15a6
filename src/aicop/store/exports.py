"""Exports of the store: the portfolio as CSV and a run's gaps as DefectDojo "Generic Findings Import"
JSON (a run's own report formats come from ``aicop.report`` over the stored report).

DefectDojo's generic JSON importer takes ``{"name", "type", "findings": [...]}`` where each finding
needs ``title``, ``severity`` (Critical/High/Medium/Low/Info) and ``description`` and may carry only
fields it knows (it refuses any other key), among them ``date``, ``mitigation``, ``file_path``,
``line``, ``references``, ``unique_id_from_tool``, ``vuln_id_from_tool``, ``static_finding`` and
``active``. ``unique_id_from_tool`` is stable across runs (provision, check and place) so that
DefectDojo's deduplication closes what was fixed and keeps what was not.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable
from typing import Any

from aicop.assess.results import Assessment as Report
from aicop.assess.results import ProvisionResult, Status
from aicop.spreadsheet import safe_cell
from aicop.store.models import Assessment, System

# A gap's severity by the force of the provision and how far from met it is.
SEVERITY = {
    ("shall", "not_met"): "High",
    ("shall", "error"): "High",
    ("shall", "partial"): "Medium",
    ("shall", "needs_attestation"): "Medium",
    ("should", "not_met"): "Medium",
    ("should", "error"): "Medium",
}
CSV_COLUMNS = (
    "system",
    "runs",
    "last_run",
    "status",
    "met_ratio",
    "gaps_shall",
    "gaps_should",
    "catalog",
    "commit",
    "ref",
)


def portfolio_csv(rows: Iterable[tuple[System, Assessment | None]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for system, run in rows:
        writer.writerow(
            [
                safe_cell(system.name),
                system.runs,
                run.generated_at.isoformat() if run else "",
                run.status if run else "",
                f"{run.met_ratio:.4f}" if run else "",
                run.gaps_shall if run else "",
                run.gaps_should if run else "",
                safe_cell(run.catalog_id) if run else "",
                safe_cell(run.commit) if run else "",
                safe_cell(run.ref) if run else "",
            ]
        )
    return out.getvalue()


def defectdojo(report: Report, run: Assessment) -> str:
    findings = [f for v in report.provisions() if v.gap for f in _findings(v, report)]
    document = {
        "name": "aicop",
        "type": "aicop (UK AI Cyber Security Code of Practice)",
        "version": report.tool.get("version", ""),
        "description": (
            f"Gaps of {report.system.get('name')} against {report.catalog.get('id')}, run {run.id} "
            f"of {report.generated_at.isoformat()}" + (f", commit {run.commit}" if run.commit else "")
        ),
        "static_tool": True,
        "findings": findings,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _findings(v: ProvisionResult, report: Report) -> list[dict[str, Any]]:
    severity = SEVERITY.get(
        (v.modality.value, v.status.value), "Low" if v.modality.value == "should" else "Info"
    )
    base = {
        "severity": severity,
        "date": report.assessed_on.isoformat(),
        "vuln_id_from_tool": f"CoP-{v.id}",
        "static_finding": True,
        "active": True,
        "references": f"UK AI Cyber Security Code of Practice ({report.catalog.get('id')}), provision {v.id}",
    }
    bad = [f for f in v.findings if f.status is not Status.MET]
    if not bad:
        text = f"Provision {v.id} ({v.modality.value}): {v.text}\n\nStatus: {v.status.value} ({v.basis})."
        return [
            {
                **base,
                "title": f"[{v.id}] {v.status.value.replace('_', ' ')}: no evidence and no valid attestation",
                "description": text,
                "mitigation": "Attest this provision (aicop serve's attestation workflow or the manifest).",
                "unique_id_from_tool": _uid(v.id, "attestation", None, None),
            }
        ]
    out = []
    for f in bad:
        place = next((e for e in f.evidence if e.path), None)
        finding: dict[str, Any] = {
            **base,
            "title": f"[{v.id}] {f.message}"[:500],
            "description": (
                f"{f.message}\n\nProvision {v.id} ({v.modality.value}): {v.text}\n\nCheck: {f.check}"
            ),
            "unique_id_from_tool": _uid(
                v.id, f.check, place.path if place else None, place.line if place else None
            ),
        }
        if f.remediation:
            finding["mitigation"] = f.remediation
        if place is not None:
            finding["file_path"] = place.path
            if place.line:
                finding["line"] = place.line
        out.append(finding)
    return out


def _uid(provision: str, check: str, path: str | None, line: int | None) -> str:
    return hashlib.sha256(f"{provision}|{check}|{path}|{line}".encode()).hexdigest()[:32]
