"""What a scan produces: findings per file, and a report over many files.

Plain classes with ``__slots__``, not pydantic or dataclasses: ``aicop scan FILE`` runs once per file
in CI loops, and class creation at import (about 1 ms per dataclass, 11 ms for the module) is part of
the start-up that is measured against the anchor scanners.
"""

from __future__ import annotations

from aicop.severity import Severity as Severity  # re-exported for the format readers

TYPE_CHECKING = False  # typing itself is not imported at run time: start-up is measured
if TYPE_CHECKING:
    from typing import Any


# ``MEDIUM`` and above make a file unsafe: an unknown import counts, as the issue asks.
UNSAFE = Severity.MEDIUM


class ScanFinding:
    __slots__ = ("callable", "member", "message", "offset", "path", "rule", "severity")

    def __init__(
        self,
        rule: str,
        severity: Severity,
        message: str,
        path: str,
        member: str | None = None,
        offset: int | None = None,
        callable: str | None = None,
    ) -> None:
        self.rule = rule  # e.g. "pickle.dangerous-import"
        self.severity = severity
        self.message = message  # why this matters, in one sentence a person can act on
        self.path = path
        self.member = member  # archive member, tensor name, or "stream 2"
        self.offset = offset  # byte offset within the member (or file)
        self.callable = callable  # module.name the pickle would import or call

    def __repr__(self) -> str:
        return f"ScanFinding({self.rule!r}, {self.severity.label}, member={self.member!r}, {self.message!r})"

    @property
    def unsafe(self) -> bool:
        return self.severity >= UNSAFE

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity.label,
            "message": self.message,
            "path": self.path,
            "member": self.member,
            "offset": self.offset,
            "callable": self.callable,
            "unsafe": self.unsafe,
        }


class FileResult:
    __slots__ = ("error", "findings", "format", "path", "seconds", "size")

    def __init__(self, path: str, format: str | None, size: int, error: str | None = None) -> None:
        self.path = path
        self.format = format  # what the content is: "pytorch-zip", "safetensors", …; None if not a model
        self.size = size
        self.findings: list[ScanFinding] = []
        self.error = error  # the file could not be scanned (fully): why
        self.seconds = 0.0

    def __repr__(self) -> str:
        return f"FileResult({self.path!r}, {self.format!r}, error={self.error!r}, findings={self.findings!r})"

    @property
    def unsafe(self) -> bool:
        return any(f.unsafe for f in self.findings)


class ScanReport:
    __slots__ = ("files",)

    def __init__(self) -> None:
        self.files: list[FileResult] = []

    @property
    def unsafe(self) -> bool:
        return any(f.unsafe for f in self.files)

    @property
    def errors(self) -> list[FileResult]:
        return [f for f in self.files if f.error is not None]

    @property
    def findings(self) -> list[ScanFinding]:
        return [finding for f in self.files for finding in f.findings]

    def summary(self) -> dict[str, int]:
        return {
            "files": len(self.files),
            "model_files": sum(1 for f in self.files if f.format is not None),
            "unsafe_files": sum(1 for f in self.files if f.unsafe),
            "errors": len(self.errors),
            "findings": len(self.findings),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": "1.0",
            "unsafe": self.unsafe,
            "summary": self.summary(),
            # each finding says which format its verdict assumed (its file's content, as recognised)
            "findings": [
                {**finding.to_dict(), "format": f.format} for f in self.files for finding in f.findings
            ],
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


class Issue:
    """A finding as a format reader sees it, before the scanner adds the file and member path."""

    __slots__ = ("callable", "member", "message", "offset", "rule", "severity")

    def __init__(
        self,
        rule: str,
        severity: Severity,
        message: str,
        offset: int | None = None,
        callable: str | None = None,
        member: str | None = None,
    ) -> None:
        self.rule, self.severity, self.message = rule, severity, message
        self.offset, self.callable, self.member = offset, callable, member
