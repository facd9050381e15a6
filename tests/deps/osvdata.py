"""OSV records and exports built in code for the deps tests."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any


def record(
    ident: str,
    package: str,
    events: list[dict[str, str]],
    *,
    modified: str = "2026-11-25T00:00:00Z",
    severity: str | None = "HIGH",
    versions: list[str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "id": ident,
        "modified": modified,
        "summary": f"{package} problem {ident}",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": package},
                "ranges": [{"type": "ECOSYSTEM", "events": events}],
                "versions": versions or [],
            }
        ],
        **extra,
    }
    if severity is not None:
        rec["database_specific"] = {"severity": severity}
    return rec


def export(path: Path, records: list[dict[str, Any]], raw: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for rec in records:
            archive.writestr(f"{rec['id']}.json", json.dumps(rec))
        for name, data in (raw or {}).items():
            archive.writestr(name, data)
    return path
