"""OSCAL 1.1.3 assessment-results: one result with an observation per finding or attestation and an
OSCAL finding per applicable provision, targeting the statement of the control that
``aicop catalog export --format oscal`` defines."""

from __future__ import annotations

import json
import uuid
from typing import Any

from aicop.assess.results import Assessment, ProvisionResult, Status
from aicop.catalog.oscal import NAMESPACE, OSCAL_VERSION, control_id, statement_id
from aicop.report.common import STATUS_LABEL, headline


def render(assessment: Assessment) -> str:
    a = assessment
    stamp = a.generated_at.isoformat()
    observations: list[dict[str, Any]] = []
    findings: list[dict[str, Any]] = []
    applicable = [v for v in a.provisions() if v.applicable]
    excluded = [v for v in a.provisions() if not v.applicable]
    for v in applicable:
        related = [_observation(v, o, stamp) for o in _observed(v)]
        observations += related
        finding: dict[str, Any] = {
            "uuid": str(uuid.uuid4()),
            "title": f"Provision {v.id} ({v.modality.value})",
            "description": headline(v),
            "props": [
                _prop("status", v.status.value),
                _prop("modality", v.modality.value),
                _prop("basis", v.basis),
            ],
            "target": {
                "type": "statement-id",
                "target-id": statement_id(v.id),
                "status": {"state": "satisfied" if v.status is Status.MET else "not-satisfied"},
            },
        }
        if related:
            finding["related-observations"] = [{"observation-uuid": o["uuid"]} for o in related]
        findings.append(finding)
    selection: dict[str, Any] = {"include-controls": [{"control-id": control_id(v.id)} for v in applicable]}
    if excluded:
        selection["exclude-controls"] = [{"control-id": control_id(v.id)} for v in excluded]
    result: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "title": f"aicop assessment against {a.catalog['id']} ({a.catalog.get('stage', 'draft')})",
        "description": f"Automated checks and attestations for {a.system['name']}, as "
        f"{', '.join(r.value for r in a.roles)}.",
        "start": stamp,
        "end": stamp,
        "props": [
            _prop("met-ratio", str(a.summary.met_ratio)),
            _prop("catalog-status", f"{a.catalog.get('stage', 'draft')}: {a.catalog['status']}"),
        ],
        "reviewed-controls": {"control-selections": [selection]},
    }
    if observations:
        result["observations"] = observations
    if findings:
        result["findings"] = findings
    remarks = [f"{v.id}: {v.exclusion.reason}" for v in excluded if v.exclusion and v.exclusion.valid]
    remarks += [
        f"{r.provision}: {r.path}:{r.line} {r.message} (suppressed in the source: {r.reason})"
        for r in a.suppressions
    ]
    if remarks:
        result["remarks"] = "Justified exclusions: " + "; ".join(remarks)
    document = {
        "assessment-results": {
            "uuid": str(uuid.uuid4()),
            "metadata": {
                "title": f"aicop assessment of {a.system['name']}",
                "last-modified": stamp,
                "version": a.tool["version"],
                "oscal-version": OSCAL_VERSION,
            },
            "import-ap": {"href": a.manifest or "aicop.yaml"},
            "results": [result],
        }
    }
    return json.dumps(document, indent=2) + "\n"


def _observed(v: ProvisionResult) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(method, description, evidence) for each finding and for an attestation."""
    out = []
    for f in v.findings:
        evidence = [
            (e.path + (f"#L{e.line}" if e.line else ""), e.detail or e.path) for e in f.evidence if e.path
        ]
        out.append(("TEST", f"{STATUS_LABEL[f.status]}: {f.message}", evidence))
    if v.attestation is not None:
        t = v.attestation
        out.append(
            (
                "INTERVIEW",
                f"attested {STATUS_LABEL[t.status]} by {t.owner} on {t.date}"
                + ("" if t.valid else f" (expired {t.expires})"),
                [(t.evidence, "attestation evidence")],
            )
        )
    return out


def _observation(
    v: ProvisionResult, observed: tuple[str, str, list[tuple[str, str]]], stamp: str
) -> dict[str, Any]:
    method, description, evidence = observed
    out: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "title": f"Provision {v.id}",
        "description": description,
        "methods": [method],
        "collected": stamp,
    }
    if evidence:
        out["relevant-evidence"] = [{"href": href, "description": text} for href, text in evidence]
    return out


def _prop(name: str, value: str) -> dict[str, str]:
    return {"name": name, "ns": NAMESPACE, "value": value}
