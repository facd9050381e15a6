"""OSV records as aicop keeps them: what a match needs (package, ranges, versions), what a report
shows (id, aliases, summary, severity, references), and nothing else.

Severity is read once, at import: the record's own label where a database gives one
(``database_specific.severity``, as GitHub's records do), else the highest CVSS base score among its
``severity`` vectors, computed by the ``cvss`` library. A record with neither has an unknown severity,
which every threshold treats as at or above it: not knowing how bad something is never hides it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from packaging.utils import canonicalize_name

from aicop.severity import Severity

LABELS = {
    "LOW": Severity.LOW,
    "MODERATE": Severity.MEDIUM,
    "MEDIUM": Severity.MEDIUM,
    "HIGH": Severity.HIGH,
    "CRITICAL": Severity.CRITICAL,
}


def package_key(ecosystem: str, name: str) -> str:
    """The name a package is matched on: PEP 503 normalised for PyPI, as written elsewhere."""
    base = ecosystem.split(":", 1)[0]
    return str(canonicalize_name(name)) if base == "PyPI" else name


@dataclass(frozen=True)
class Affected:
    ecosystem: str
    package: str  # package_key
    ranges: list[dict[str, Any]]
    versions: list[str]


@dataclass(frozen=True)
class Advisory:
    id: str
    modified: str
    digest: str
    summary: str
    aliases: list[str]
    severity: Severity | None
    references: list[str]
    withdrawn: str | None
    affected: list[Affected] = field(default_factory=list)

    @property
    def severity_label(self) -> str:
        return self.severity.label if self.severity is not None else "unknown"

    def fixed_versions(self, package: str) -> list[str]:
        return [
            event["fixed"]
            for entry in self.affected
            if entry.package == package
            for rng in entry.ranges
            for event in rng.get("events", [])
            if "fixed" in event
        ]

    def ecosystems(self) -> set[str]:
        return {a.ecosystem.split(":", 1)[0] for a in self.affected}


def digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def severity_of(record: Mapping[str, Any]) -> Severity | None:
    specific = record.get("database_specific")
    if isinstance(specific, dict):
        label = specific.get("severity")
        if isinstance(label, str) and label.upper() in LABELS:
            return LABELS[label.upper()]
    best: float | None = None
    for entry in _severity_entries(record):
        score = _cvss_score(entry.get("type"), entry.get("score"))
        if score is not None and (best is None or score > best):
            best = score
    return None if best is None else _from_score(best)


def _severity_entries(record: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for entry in record.get("severity") or []:
        if isinstance(entry, dict):
            yield entry
    for affected in record.get("affected") or []:
        for entry in (affected.get("severity") or []) if isinstance(affected, dict) else []:
            if isinstance(entry, dict):
                yield entry


def _cvss_score(kind: object, vector: object) -> float | None:
    if not isinstance(vector, str) or not isinstance(kind, str):
        return None
    return _cvss_cached(kind, vector)


@lru_cache(maxsize=4096)
def _cvss_cached(kind: str, vector: str) -> float | None:
    """Scored once per distinct vector: an export repeats the same few hundred vectors."""
    from cvss import CVSS2, CVSS3, CVSS4
    from cvss.exceptions import CVSSError

    try:
        if kind == "CVSS_V3":
            return float(CVSS3(vector).base_score)
        if kind == "CVSS_V4":
            return float(CVSS4(vector).base_score)
        if kind == "CVSS_V2":
            return float(CVSS2(vector).base_score)
    except (CVSSError, ValueError, KeyError):
        return None
    return None


def _from_score(score: float) -> Severity:
    if score >= 9.0:
        return Severity.CRITICAL
    if score >= 7.0:
        return Severity.HIGH
    if score >= 4.0:
        return Severity.MEDIUM
    if score > 0.0:
        return Severity.LOW
    return Severity.INFO


def from_record(record: Mapping[str, Any], raw: bytes | None = None) -> Advisory:
    """An Advisory from a record that has passed the OSV schema."""
    body = raw if raw is not None else json.dumps(record, sort_keys=True).encode()
    affected = []
    for entry in record.get("affected") or []:
        package = entry.get("package") or {}
        ecosystem, name = package.get("ecosystem"), package.get("name")
        if not ecosystem or not name:
            continue  # affected by purl alone or by GIT ranges only: nothing a package name can match
        affected.append(
            Affected(
                ecosystem=ecosystem,
                package=package_key(ecosystem, name),
                ranges=[r for r in entry.get("ranges") or [] if isinstance(r, dict)],
                versions=[str(v) for v in entry.get("versions") or []],
            )
        )
    return Advisory(
        id=record["id"],
        modified=record["modified"],
        digest=digest(body),
        summary=str(record.get("summary") or record.get("details") or "")[:300].split("\n", 1)[0],
        aliases=[str(a) for a in record.get("aliases") or []],
        severity=severity_of(record),
        references=[r["url"] for r in record.get("references") or [] if isinstance(r, dict) and "url" in r],
        withdrawn=record.get("withdrawn"),
        affected=affected,
    )
