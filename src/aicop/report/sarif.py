"""SARIF 2.1.0: one rule per provision, one result per gap, located at its evidence.

Code-scanning services want a location on every result; a gap with no file to point at (a process
provision awaiting attestation) is located at the manifest, where the attestation would be written.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from aicop.assess.results import Assessment, Finding, ProvisionResult, Status, SuppressionRecord
from aicop.catalog.model import Modality
from aicop.report.common import STATUS_LABEL

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {Modality.SHALL: "error", Modality.SHOULD: "warning", Modality.CAN: "note"}
SRCROOT = "%SRCROOT%"


def rule_id(provision_id: str) -> str:
    return f"CoP-{provision_id}"


def render(assessment: Assessment) -> str:
    provisions = assessment.provisions()
    rules = [_rule(v) for v in provisions]
    index = {v.id: i for i, v in enumerate(provisions)}
    results = [r for v in provisions if v.gap for r in _results(v, index[v.id], assessment.manifest)]
    results += [_suppressed(record, index) for record in assessment.suppressions if record.provision in index]
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "aicop",
                        "version": assessment.tool["version"],
                        "semanticVersion": assessment.tool["version"],
                        "informationUri": "https://aicop.dev",
                        "rules": rules,
                    }
                },
                "automationDetails": {"id": f"aicop/assess/{assessment.catalog['id']}/"},
                "originalUriBaseIds": {SRCROOT: {"description": {"text": "The repository assessed."}}},
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "endTimeUtc": assessment.generated_at.isoformat().replace("+00:00", "Z"),
                    }
                ],
                "results": results,
                "properties": {
                    "catalog": assessment.catalog["id"],
                    "catalogStatus": assessment.catalog["status"],
                    "catalogStage": assessment.catalog.get("stage", "draft"),
                    "roles": [r.value for r in assessment.roles],
                    "summary": assessment.summary.model_dump(mode="json"),
                },
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"


def _rule(v: ProvisionResult) -> dict[str, Any]:
    return {
        "id": rule_id(v.id),
        "name": f"Provision{v.id.replace('.', '_')}",
        "shortDescription": {"text": f"Provision {v.id} ({v.modality.value}) of principle {v.principle}"},
        "fullDescription": {"text": v.text},
        "help": {"text": v.text},
        "defaultConfiguration": {"level": LEVEL[v.modality]},
        "properties": {
            "modality": v.modality.value,
            "principle": v.principle,
            "stakeholders": [s.value for s in v.stakeholders],
            "tags": ["ai-security", "uk-ai-cyber-security-code", v.modality.value],
        },
    }


def _results(v: ProvisionResult, index: int, manifest: str | None) -> list[dict[str, Any]]:
    bad = [f for f in v.findings if f.status is not Status.MET]
    if not bad:
        reason = (
            "attestation expired" if v.attestation and not v.attestation.valid else "no automated evidence"
        )
        text = f"[{v.id} {v.modality.value}] {STATUS_LABEL[v.status]}: {reason}; attest it in the manifest"
        location = [_location(manifest or "aicop.yaml", None)]
        return [_result(v, index, text, location, f"{v.id}|attestation")]
    out = []
    for f in bad:
        text = f"[{v.id} {v.modality.value}] {STATUS_LABEL[f.status]}: {f.message}"
        if f.remediation:
            text += f" Fix: {f.remediation}"
        locations = [_location(e.path, e.line) for e in f.evidence if e.path] or [
            _location(manifest or "aicop.yaml", None)
        ]
        out.append(_result(v, index, text, locations[:10], _fingerprint(v.id, f)))
    return out


def _result(
    v: ProvisionResult, index: int, text: str, locations: list[dict[str, Any]], key: str
) -> dict[str, Any]:
    return {
        "ruleId": rule_id(v.id),
        "ruleIndex": index,
        "level": LEVEL[v.modality],
        "kind": "fail",
        "message": {"text": text},
        "locations": locations,
        "partialFingerprints": {"aicopFinding/v1": hashlib.sha256(key.encode()).hexdigest()[:32]},
        "properties": {"status": v.status.value, "basis": v.basis},
    }


def _suppressed(record: SuppressionRecord, index: dict[str, int]) -> dict[str, Any]:
    """A suppressed finding stays in the log, marked as such, as code-scanning tools expect."""
    return {
        "ruleId": rule_id(record.provision),
        "ruleIndex": index[record.provision],
        "level": "note",
        "kind": "fail",
        "message": {"text": f"[{record.provision}] {record.message}"},
        "locations": [_location(record.path or "aicop.yaml", record.line)],
        "suppressions": [{"kind": "inSource", "justification": record.reason}],
        "partialFingerprints": {
            "aicopFinding/v1": hashlib.sha256(
                f"{record.provision}|{record.check}|{record.path}|{record.line}".encode()
            ).hexdigest()[:32]
        },
    }


def _location(path: str, line: int | None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": path, "uriBaseId": SRCROOT}}
    if line:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical}


def _fingerprint(provision: str, finding: Finding) -> str:
    paths = ",".join(sorted({e.path for e in finding.evidence if e.path}))
    return f"{provision}|{finding.check}|{paths}"
