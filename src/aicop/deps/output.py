"""Render an Audit: text for people, JSON for tools, SARIF for code scanning, CycloneDX VEX for
other supply-chain tools.

The VEX document is built as a CycloneDX 1.6 dictionary and validated with cyclonedx-python-lib's
JSON validator (the library aicop bom already relies on); its ``analysis.state`` says ``exploitable``
only in the sense OSV gives it (the version is in an affected range) and says nothing more, since aicop
does not know whether the vulnerable code is reached.
"""

from __future__ import annotations

import json
from typing import Any

from aicop.deps.audit import Audit, Result, Verdict
from aicop.sariflog import sarif_log
from aicop.severity import Severity

LEVEL = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning"}


def render_json(audit: Audit) -> str:
    return json.dumps(audit.as_dict(), indent=2) + "\n"


def _label(result: Result) -> str:
    worst = result.worst
    return "unknown" if worst is None else worst.label


def render_text(audit: Audit) -> str:
    lines = []
    snap = audit.snapshot
    if snap is None:
        lines.append("advisory snapshot: none (only aicop's curated AI/ML advisories were consulted)")
    else:
        state = "STALE" if audit.stale else "fresh"
        lines.append(
            f"advisory snapshot: {', '.join(snap.ecosystems)}, {snap.records} records, newest "
            f"{snap.data_date[:10]} ({snap.age_days(audit.today)} days old, {state}; "
            f"limit {audit.max_age_days})"
        )
    for result in audit.of(Verdict.VULNERABLE):
        d = result.dependency
        lines.append(f"VULNERABLE   {d.name} {d.version}  ({d.where})")
        for m in result.matches:
            fix = f"fixed in {m.fixed}" if m.fixed else "no fixed version"
            alias = f" ({', '.join(m.advisory.aliases)})" if m.advisory.aliases else ""
            lines.append(
                f"    {m.advisory.id}{alias} [{m.advisory.severity_label}] {fix}: {m.advisory.summary}"
            )
    for result in audit.of(Verdict.NOT_CHECKED):
        d = result.dependency
        lines.append(f"NOT CHECKED  {d.name} {d.version or ''}  ({d.where}): {result.reason}")
    clean = audit.of(Verdict.CLEAN)
    if clean:
        as_of = clean[0].as_of
        lines.append(f"clean as of {as_of}: {len(clean)} dependencies")
    lines.extend(f"note: {n}" for n in audit.notes)
    counts = {v: len(audit.of(v)) for v in Verdict}
    lines.append(
        f"{counts[Verdict.VULNERABLE]} vulnerable "
        f"({len(audit.failing())} at or above {audit.threshold.label}), "
        f"{counts[Verdict.CLEAN]} clean, {counts[Verdict.NOT_CHECKED]} not checked"
    )
    return "\n".join(lines) + "\n"


def render_sarif(audit: Audit) -> str:
    vulnerable = audit.of(Verdict.VULNERABLE)
    ids = sorted({m.advisory.id for r in vulnerable for m in r.matches})
    by_id = {m.advisory.id: m.advisory for r in vulnerable for m in r.matches}
    rules: list[dict[str, Any]] = [
        {
            "id": i,
            "shortDescription": {"text": by_id[i].summary or i},
            "helpUri": by_id[i].references[0] if by_id[i].references else None,
            "properties": {"security-severity": by_id[i].severity_label, "aliases": by_id[i].aliases},
        }
        for i in ids
    ]
    for rule in rules:
        if rule["helpUri"] is None:
            del rule["helpUri"]
    rules.append(
        {"id": "deps/not-checked", "shortDescription": {"text": "dependency not checked against advisories"}}
    )
    results = []
    for r in vulnerable:
        for m in r.matches:
            sev = m.advisory.severity
            results.append(
                {
                    "ruleId": m.advisory.id,
                    "ruleIndex": ids.index(m.advisory.id),
                    "level": "error" if sev is None else LEVEL.get(sev, "note"),
                    "message": {
                        "text": f"{r.dependency.name} {r.dependency.version} is affected by {m.advisory.id}; "
                        + (f"fixed in {m.fixed}" if m.fixed else "no fixed version")
                    },
                    "locations": [_location(r)],
                }
            )
    for r in audit.of(Verdict.NOT_CHECKED):
        results.append(
            {
                "ruleId": "deps/not-checked",
                "ruleIndex": len(ids),
                "level": "warning",
                "message": {"text": f"{r.dependency.name}: not checked: {r.reason}"},
                "locations": [_location(r)],
            }
        )
    log = sarif_log("aicop-deps", rules, results, {"counts": audit.as_dict()["counts"]})
    return json.dumps(log, indent=2) + "\n"


def _location(r: Result) -> dict[str, Any]:
    region = {"startLine": r.dependency.line or 1}
    uri = r.dependency.source.split(" [", 1)[0]
    return {"physicalLocation": {"artifactLocation": {"uri": uri}, "region": region}}


_VEX_SEVERITY = {
    Severity.CRITICAL: "critical",
    Severity.HIGH: "high",
    Severity.MEDIUM: "medium",
    Severity.LOW: "low",
    Severity.INFO: "info",
}


def vex(audit: Audit, project: str = "project") -> dict[str, Any]:
    """A CycloneDX 1.6 BOM with the dependencies as components and one vulnerability per advisory."""
    components = []
    refs: dict[int, str] = {}
    for index, r in enumerate(audit.results):
        d = r.dependency
        ref = f"pkg:pypi/{d.key}@{d.version}" if d.version else f"pkg:pypi/{d.key}"
        refs[index] = f"{ref}#{index}"
        component: dict[str, Any] = {"type": "library", "bom-ref": refs[index], "name": d.name}
        if d.version:
            component["version"] = d.version
            component["purl"] = ref
        component["properties"] = [
            {"name": "aicop:verdict", "value": r.verdict.value},
            {"name": "aicop:reason", "value": r.reason},
        ] + ([{"name": "aicop:clean-as-of", "value": r.as_of}] if r.as_of else [])
        components.append(component)
    vulnerabilities: dict[str, dict[str, Any]] = {}
    for index, r in enumerate(audit.results):
        for m in r.matches:
            adv = m.advisory
            entry = vulnerabilities.setdefault(
                adv.id,
                {
                    "bom-ref": f"vuln:{adv.id}",
                    "id": adv.id,
                    "source": {"name": "OSV", "url": f"https://osv.dev/vulnerability/{adv.id}"},
                    "references": [{"id": a, "source": {"name": "alias"}} for a in adv.aliases],
                    "ratings": [
                        {
                            "severity": _VEX_SEVERITY.get(adv.severity, "unknown")
                            if adv.severity is not None
                            else "unknown"
                        }
                    ],
                    "description": adv.summary or adv.id,
                    "analysis": {
                        "state": "exploitable",
                        "detail": "the installed version lies in an affected range of the advisory",
                    },
                    "affects": [],
                },
            )
            if m.fixed:
                entry.setdefault("recommendation", f"upgrade to {m.fixed} or later")
            entry["affects"].append({"ref": refs[index]})
    for entry in vulnerabilities.values():
        if not entry["references"]:
            del entry["references"]
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {
            "timestamp": f"{audit.today.isoformat()}T00:00:00Z",
            "component": {"type": "application", "bom-ref": "project", "name": project},
            "tools": {"components": [{"type": "application", "name": "aicop"}]},
            "properties": [
                {
                    "name": "aicop:snapshot-date",
                    "value": audit.snapshot.data_date if audit.snapshot else "none",
                }
            ],
        },
        "components": components,
        "vulnerabilities": list(vulnerabilities.values()),
    }


def render_vex(audit: Audit, project: str = "project") -> str:
    from aicop.bom.cyclonedx import validate

    document = vex(audit, project)
    validate(document)
    return json.dumps(document, indent=2) + "\n"
