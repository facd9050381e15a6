"""Retiring assets: recording that a model, dataset or prompt that left the inventory was disposed of,
and finding the ones that left without such a record (the final Code's principle 13, secure end of life).

An asset *retires* when an inventory recording finds it removed (an ``inventory.recorded`` event with
the path under ``removed``); its *disposal* is an ``asset.disposed`` event in the same tamper-evident
audit trail, naming the path, how it was disposed of and who received it when ownership was transferred.
This module records and reads those events; it deletes nothing: disposal happens wherever the copies
are (buckets, backups, registries), which aicop cannot see.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aicop.audit.chain import events
from aicop.errors import InputError
from aicop.integrity.inventory import STATE_DIR

AUDIT_LOG = "audit.jsonl"
DISPOSED = "asset.disposed"
RETIRED = "inventory.recorded"
METHODS = ("deleted", "crypto-shredded", "overwritten", "transferred", "destroyed")


@dataclass(frozen=True)
class Retirement:
    path: str
    retired_seq: int
    retired_at: str
    disposal: dict[str, Any] | None  # the asset.disposed record, if any


def record_disposal(
    root: Path, path: str, *, method: str, note: str, recipient: str | None = None
) -> dict[str, Any]:
    """Append an ``asset.disposed`` event for ``path`` (a path the inventory recorded)."""
    from aicop.audit import AuditLog
    from aicop.integrity.inventory import load

    if method not in METHODS:
        raise InputError(f"--method: {method!r} is not one of {', '.join(METHODS)}")
    if method == "transferred" and not recipient:
        raise InputError("--method transferred needs --recipient: who received the asset")
    if not note.strip():
        raise InputError("--note: say what was disposed of where (copies, backups, registries)")
    known = _ever_recorded(root)
    inventory = load(root)
    if inventory is None and not known:
        raise InputError(f"no recorded inventory: run 'aicop inventory {root}' first", path=root / STATE_DIR)
    if path not in known:
        raise InputError(f"{path} was never recorded in the inventory", path=root / STATE_DIR / AUDIT_LOG)
    data = {"path": path, "method": method, "note": note, **({"recipient": recipient} if recipient else {})}
    return AuditLog(root / STATE_DIR / AUDIT_LOG).append(DISPOSED, data)


def _ever_recorded(root: Path) -> set[str]:
    from aicop.integrity.inventory import load

    inventory = load(root)
    paths = {a["path"] for a in inventory["assets"]} if inventory else set()
    for record in events(root / STATE_DIR / AUDIT_LOG):
        if record.get("event") == RETIRED and isinstance(record.get("data"), dict):
            paths.update(p for p in record["data"].get("removed", []) if isinstance(p, str))
    return paths


def retirements(root: Path) -> list[Retirement]:
    """Every asset an inventory recording found removed, with its disposal event if one followed."""
    retired: dict[str, dict[str, Any]] = {}
    disposed: dict[str, dict[str, Any]] = {}
    for record in events(root / STATE_DIR / AUDIT_LOG):
        data = record.get("data")
        if not isinstance(data, dict):
            continue
        if record.get("event") == RETIRED:
            for path in data.get("removed", []):
                if isinstance(path, str):
                    retired[path] = record
                    disposed.pop(path, None)  # a disposal before this retirement was of an earlier copy
        elif record.get("event") == DISPOSED and isinstance(data.get("path"), str):
            disposed[data["path"]] = record
    return [
        Retirement(path, int(r.get("seq", 0)), str(r.get("time", "")), disposed.get(path))
        for path, r in sorted(retired.items())
    ]
