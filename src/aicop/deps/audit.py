"""Each dependency's verdict against the advisories: vulnerable, clean as of a date, or not checked.

The rule that makes the answer trustworthy offline: *clean* needs a snapshot that covers the
dependency's ecosystem, a pinned version that the ecosystem's ordering can parse, a release from the
package index (not a URL, a VCS checkout or a path) and every advisory of the package evaluable. Short
of any of these the dependency is *not checked*, with the reason, never clean. aicop's curated AI/ML
advisories are always consulted, so a known-bad torch is reported vulnerable even with no snapshot; but
they are a handful of records, not coverage, and never make anything clean.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from packaging.version import InvalidVersion, Version

from aicop.deps.osv import Advisory, from_record
from aicop.deps.sources import Dependency
from aicop.deps.store import AdvisoryDB, Snapshot
from aicop.deps.versions import Outcome, is_affected
from aicop.severity import Severity

DEFAULT_MAX_AGE_DAYS = 7


class Verdict(StrEnum):
    VULNERABLE = "vulnerable"
    CLEAN = "clean"
    NOT_CHECKED = "not_checked"


@dataclass(frozen=True)
class Match:
    advisory: Advisory
    fixed: str | None  # the lowest fixed version above the dependency's, if the advisory names one

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.advisory.id,
            "aliases": self.advisory.aliases,
            "severity": self.advisory.severity_label,
            "summary": self.advisory.summary,
            "fixed": self.fixed,
            "references": self.advisory.references[:3],
        }


@dataclass(frozen=True)
class Result:
    dependency: Dependency
    verdict: Verdict
    reason: str
    matches: tuple[Match, ...] = ()
    as_of: str | None = None

    @property
    def worst(self) -> Severity | None:
        """The worst severity matched; None when one is unknown (treated as the worst by thresholds)."""
        if any(m.advisory.severity is None for m in self.matches):
            return None
        return max(
            (m.advisory.severity for m in self.matches if m.advisory.severity is not None), default=None
        )

    def at_or_above(self, threshold: Severity) -> bool:
        return any(m.advisory.severity is None or m.advisory.severity >= threshold for m in self.matches)

    def unfixed(self) -> bool:
        return any(m.fixed is None for m in self.matches)

    def as_dict(self) -> dict[str, Any]:
        d = self.dependency
        return {
            "name": d.name,
            "version": d.version,
            "ecosystem": d.ecosystem,
            "source": d.where,
            "extras": list(d.extras),
            "marker": d.marker,
            "verdict": self.verdict.value,
            "reason": self.reason,
            "as_of": self.as_of,
            "advisories": [m.as_dict() for m in self.matches],
        }


@dataclass
class Audit:
    results: list[Result]
    snapshot: Snapshot | None
    today: dt.date
    max_age_days: int
    threshold: Severity
    curated: int
    notes: list[str] = field(default_factory=list)

    def of(self, verdict: Verdict) -> list[Result]:
        return [r for r in self.results if r.verdict is verdict]

    @property
    def stale(self) -> bool:
        return self.snapshot is not None and self.snapshot.age_days(self.today) > self.max_age_days

    def failing(self) -> list[Result]:
        return [r for r in self.of(Verdict.VULNERABLE) if r.at_or_above(self.threshold)]

    def as_dict(self) -> dict[str, Any]:
        snap = self.snapshot
        return {
            "today": self.today.isoformat(),
            "snapshot": None
            if snap is None
            else {
                "source": snap.source,
                "sha256": snap.sha256,
                "ecosystems": snap.ecosystems,
                "imported_at": snap.imported_at,
                "data_date": snap.data_date,
                "records": snap.records,
                "age_days": snap.age_days(self.today),
                "stale": self.stale,
            },
            "max_age_days": self.max_age_days,
            "fail_severity": self.threshold.label,
            "curated_advisories": self.curated,
            "counts": {v.value: len(self.of(v)) for v in Verdict},
            "notes": self.notes,
            "dependencies": [r.as_dict() for r in self.results],
        }


@cache
def curated() -> tuple[Advisory, ...]:
    """aicop's own OSV records of AI/ML advisories, shipped in the package."""
    folder = resources.files("aicop.deps").joinpath("curated")
    out = []
    for item in sorted(folder.iterdir(), key=lambda i: i.name):
        if item.name.endswith(".json"):
            raw = item.read_bytes()
            out.append(from_record(json.loads(raw), raw))
    return tuple(out)


def _fixed_above(adv: Advisory, package: str, version: str) -> str | None:
    try:
        current = Version(version)
    except InvalidVersion:
        return None
    above = []
    for fixed in adv.fixed_versions(package):
        try:
            if Version(fixed) > current:
                above.append(Version(fixed))
        except InvalidVersion:
            continue
    return str(min(above)) if above else None


def judge(dep: Dependency, advisories: Sequence[Advisory], snapshot: Snapshot | None) -> Result:
    if dep.origin is not None:
        return Result(dep, Verdict.NOT_CHECKED, f"installed from {dep.origin}, not an index release")
    if dep.version is None:
        return Result(dep, Verdict.NOT_CHECKED, "not pinned to one version")
    matches: list[Match] = []
    unknown: list[str] = []
    for adv in advisories:
        if adv.withdrawn:
            continue
        outcomes = [
            is_affected(dep.version, a.ecosystem, a.ranges, a.versions)
            for a in adv.affected
            if a.package == dep.key
        ]
        if Outcome.AFFECTED in outcomes:
            matches.append(Match(adv, _fixed_above(adv, dep.key, dep.version)))
        elif Outcome.UNKNOWN in outcomes:
            unknown.append(adv.id)
    if matches:
        ids = ", ".join(m.advisory.id for m in matches)
        return Result(dep, Verdict.VULNERABLE, f"affected by {ids}", tuple(matches))
    try:
        Version(dep.version)
    except InvalidVersion:
        return Result(dep, Verdict.NOT_CHECKED, f"version {dep.version!r} is not a PEP 440 version")
    if snapshot is None:
        return Result(
            dep,
            Verdict.NOT_CHECKED,
            f"no advisory snapshot covers {dep.ecosystem} "
            "(only aicop's curated AI/ML advisories were consulted)",
        )
    if unknown:
        return Result(dep, Verdict.NOT_CHECKED, f"cannot evaluate the ranges of {', '.join(unknown)}")
    return Result(dep, Verdict.CLEAN, "no advisory affects this version", as_of=snapshot.data_date[:10])


def audit(
    deps: Iterable[Dependency],
    db: AdvisoryDB | None,
    today: dt.date,
    *,
    max_age_days: int = DEFAULT_MAX_AGE_DAYS,
    threshold: Severity = Severity.HIGH,
) -> Audit:
    """Every dependency judged against the snapshot (if any) and the curated advisories."""
    from aicop.deps.store import with_curated

    deps = list(deps)
    snapshot = db.covering("PyPI") if db is not None else None
    mine = curated()
    keys = {d.key for d in deps if d.ecosystem == "PyPI"}
    found = db.advisories_for_many("PyPI", keys) if db is not None and snapshot is not None else {}
    advisories = {
        key: with_curated(found.get(key, []), [a for a in mine if any(f.package == key for f in a.affected)])
        for key in keys
    }
    results = []
    for dep in deps:
        if dep.ecosystem != "PyPI":
            results.append(Result(dep, Verdict.NOT_CHECKED, f"ecosystem {dep.ecosystem} is not covered"))
            continue
        results.append(judge(dep, advisories[dep.key], snapshot))
    out = Audit(results, snapshot, today, max_age_days, threshold, len(mine))
    if snapshot is None:
        out.notes.append(
            "no advisory snapshot: import OSV's PyPI export with 'aicop advisories import all.zip'; "
            "nothing can be reported clean without one"
        )
    elif out.stale:
        out.notes.append(
            f"the advisory snapshot's newest record is {snapshot.age_days(today)} days old "
            f"(limit {max_age_days}): import a fresh export"
        )
    return out
