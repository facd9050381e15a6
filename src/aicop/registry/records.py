"""The inventory of a store's objects, kept on the machine that runs aicop, beside its audit trail.

``aicop inventory s3://bucket/prefix`` writes ``DIR/.aicop/registry/<name>.json`` (DIR is ``--into``,
the current directory by default) with every object's size, digest, ETag and version, and appends an
``inventory.recorded`` event to ``DIR/.aicop/audit.jsonl``, the same hash-chained trail a local
inventory writes. The file is written only when every object was hashed: never a partial inventory.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from aicop.errors import AicopError, InputError
from aicop.integrity.inventory import changes, digest_of, next_recording


def inventory_path(directory: Path, url: str) -> Path:
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", url.split("://", 1)[-1]).strip("-")[:80]
    return directory / ".aicop" / "registry" / f"{name}-{hashlib.sha256(url.encode()).hexdigest()[:8]}.json"


def load(directory: Path, url: str) -> dict[str, Any] | None:
    path = inventory_path(directory, url)
    if not path.is_file():
        return None
    from aicop.fsutil import read_json_state

    data: dict[str, Any] = read_json_state(path, "inventory", InputError)
    if data.get("source") != url:
        raise InputError(f"records {data.get('source')!r}, not {url!r}", path=path)
    return data


def record(
    directory: Path, url: str, assets: list[dict[str, Any]]
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Write the inventory and its audit event; (inventory, what changed since the last recording)."""
    from aicop.audit import AuditLog
    from aicop.fsutil import write_atomic

    previous = load(directory, url)
    diff, now, history = next_recording(previous, assets)
    inventory = {
        "schema_version": 1,
        "source": url,
        "recorded": now,
        "digest": digest_of(assets),
        "assets": assets,
        "history": history,
    }
    path = inventory_path(directory, url)
    write_atomic(path, json.dumps(inventory, indent=2) + "\n")
    AuditLog(directory / ".aicop" / "audit.jsonl").append(
        "inventory.recorded",
        {"source": url, "inventory": str(path), "digest": inventory["digest"], "assets": len(assets), **diff},
    )
    return inventory, diff


def check(directory: Path, url: str, assets: list[dict[str, Any]]) -> dict[str, list[str]]:
    recorded = load(directory, url)
    if recorded is None:
        raise AicopError(
            f"no recorded inventory of {url}: run 'aicop inventory {url}' first",
            path=inventory_path(directory, url),
        )
    return changes(recorded["assets"], assets)
