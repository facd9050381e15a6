from __future__ import annotations

from pathlib import Path

from aicop.scan import FileResult, Policy, scan_file
from aicop.scan.policy import DEFAULT_POLICY
from aicop.scan.scanner import Limits


def scan_bytes(
    tmp_path: Path,
    data: bytes,
    name: str = "model.bin",
    policy: Policy = DEFAULT_POLICY,
    limits: Limits | None = None,
) -> FileResult:
    path = tmp_path / name
    path.write_bytes(data)
    return scan_file(path, policy, limits)


def rules(result: FileResult) -> set[str]:
    return {f.rule for f in result.findings}


def callables(result: FileResult) -> set[str]:
    return {f.callable for f in result.findings if f.callable}
