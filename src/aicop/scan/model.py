"""What a scan produces: findings per file, and a report over many files.

Plain dataclasses rather than pydantic: the scanner runs once per file in CI loops, and its start-up
and per-finding cost are part of what we measure against the anchors.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import IntEnum
from typing import Any


class Severity(IntEnum):
    """``MEDIUM`` and above make a file unsafe: an unknown import counts, as the issue asks."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()


UNSAFE = Severity.MEDIUM


@dataclass(frozen=True)
class ScanFinding:
    rule: str  # e.g. "pickle.dangerous-import"
    severity: Severity
    message: str  # why this matters, in one sentence a person can act on
    path: str
    member: str | None = None  # archive member, tensor name, or "stream 2"
    offset: int | None = None  # byte offset within the member (or file)
    callable: str | None = None  # module.name the pickle would import or call

    @property
    def unsafe(self) -> bool:
        return self.severity >= UNSAFE

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["severity"] = self.severity.label
        out["unsafe"] = self.unsafe
        return out


@dataclass
class FileResult:
    path: str
    format: str | None  # what the content is: "pytorch-zip", "pickle", "safetensors", …; None if not a model
    size: int
    findings: list[ScanFinding] = field(default_factory=list)
    error: str | None = None  # the file could not be scanned (fully): why
    seconds: float = 0.0

    @property
    def unsafe(self) -> bool:
        return any(f.unsafe for f in self.findings)


@dataclass
class ScanReport:
    files: list[FileResult] = field(default_factory=list)

    @property
    def unsafe(self) -> bool:
        return any(f.unsafe for f in self.files)

    @property
    def errors(self) -> list[FileResult]:
        return [f for f in self.files if f.error is not None]

    @property
    def findings(self) -> list[ScanFinding]:
        return [finding for f in self.files for finding in f.findings]

    def to_dict(self) -> dict[str, Any]:
        scanned = [f for f in self.files if f.format is not None]
        return {
            "schema_version": "1.0",
            "unsafe": self.unsafe,
            "summary": {
                "files": len(self.files),
                "model_files": len(scanned),
                "unsafe_files": sum(1 for f in self.files if f.unsafe),
                "errors": len(self.errors),
                "findings": len(self.findings),
            },
            "findings": [f.to_dict() for f in self.findings],
            "errors": [{"path": f.path, "error": f.error} for f in self.errors],
            "files": [
                {
                    "path": f.path,
                    "format": f.format,
                    "size": f.size,
                    "unsafe": f.unsafe,
                    "findings": len(f.findings),
                    "error": f.error,
                    "seconds": round(f.seconds, 4),
                }
                for f in self.files
            ],
        }


@dataclass(frozen=True)
class Issue:
    """A finding as a format reader sees it, before the scanner adds the file and member path."""

    rule: str
    severity: Severity
    message: str
    offset: int | None = None
    callable: str | None = None
    member: str | None = None
