"""The inventory of a system's assets: every model, dataset, prompt, configuration file and document
that the manifest names or discovery finds, with type, size, content hash, source and location.

Stored in ``.aicop/inventory.json`` with the history of earlier recordings; each recording is also an
event in the audit trail (``.aicop/audit.jsonl``). ``check`` compares the tree with the recorded state
by content and lists what was added, removed or modified.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aicop.errors import AicopError, InputError
from aicop.fsutil import user_cache
from aicop.integrity.hashing import HashCache, hash_files
from aicop.system.manifest import Manifest
from aicop.system.walk import FileEntry, FileKind, walk

STATE_DIR = ".aicop"
INVENTORY = "inventory.json"
ASSET_KINDS = {
    FileKind.MODEL: "model",
    FileKind.DATASET: "dataset",
    FileKind.PROMPT: "prompt",
    FileKind.CONFIG: "configuration",
    FileKind.DOCUMENT: "document",
}
MAX_HISTORY = 200


def collect(
    root: Path, manifest: Manifest | None, files: Sequence[FileEntry] | None = None
) -> dict[str, dict[str, str]]:
    """{path: {type, source, name}} for every asset, manifest declarations first. ``files`` is the
    repository's walk when the caller already has it (assess does)."""
    if files is None:
        files = walk(root, manifest.exclude if manifest else ())
    assets: dict[str, dict[str, str]] = {}
    if manifest is not None:
        declared = (
            [("model", m.name, m.path, m.source) for m in manifest.models if m.path]
            + [("dataset", d.name, d.path, d.source) for d in manifest.datasets if d.path]
            + [("prompt", p.name, p.path, None) for p in manifest.prompts]
            + [("document", kind.value, path, None) for kind, path in manifest.documents.items()]
        )
        for kind, name, path, source in declared:
            prefix = path.rstrip("/")
            for entry in files:
                if entry.path == prefix or entry.path.startswith(prefix + "/"):
                    assets[entry.path] = {"type": kind, "name": name or "", "source": source or "declared"}
    for entry in files:
        if entry.kind in ASSET_KINDS and entry.path not in assets and not entry.is_symlink:
            assets[entry.path] = {"type": ASSET_KINDS[entry.kind], "name": "", "source": "discovered"}
    return assets


def cache_path(root: Path) -> Path | None:
    """The hash cache of the repository at ``root`` (``aicop.fsutil.user_cache``); None when caching is
    off."""
    return user_cache(root, "hash-cache-{key}.json")


def build(
    root: Path,
    manifest: Manifest | None,
    *,
    algorithm: str = "sha256",
    paranoid: bool = False,
    use_cache: bool = True,
    files: Sequence[FileEntry] | None = None,
) -> list[dict[str, Any]]:
    assets = collect(root, manifest, files)
    location = cache_path(root) if use_cache else None
    cache = HashCache(location) if location is not None else None
    digests = hash_files(root, sorted(assets), algorithm, cache=cache, paranoid=paranoid)
    if cache is not None:
        cache.save()
    return [
        {
            "path": path,
            **assets[path],
            "size": digests[path][1],
            "algorithm": algorithm,
            "digest": digests[path][0],
        }
        for path in sorted(assets)
    ]


def changes(recorded: list[dict[str, Any]], current: list[dict[str, Any]]) -> dict[str, list[str]]:
    before = {a["path"]: a["digest"] for a in recorded}
    after = {a["path"]: a["digest"] for a in current}
    return {
        "added": sorted(set(after) - set(before)),
        "removed": sorted(set(before) - set(after)),
        "modified": sorted(p for p in set(before) & set(after) if before[p] != after[p]),
    }


def digest_of(assets: list[dict[str, Any]]) -> str:
    return hashlib.sha256(json.dumps(assets, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def next_recording(
    previous: dict[str, Any] | None, assets: list[dict[str, Any]]
) -> tuple[dict[str, list[str]], str, list[dict[str, Any]]]:
    """(what changed since ``previous``, the time of this recording, the history with it appended): one
    rule for a directory's inventory and an object store's (aicop.registry.records)."""
    diff = changes(previous["assets"] if previous else [], assets)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    history = list(previous.get("history", []))[-MAX_HISTORY:] if previous else []
    history.append(
        {
            "recorded": now,
            "digest": digest_of(assets),
            "assets": len(assets),
            **{k: len(v) for k, v in diff.items()},
        }
    )
    return diff, now, history


def load(root: Path) -> dict[str, Any] | None:
    """The recorded inventory, validated; None if there is none. A path in it that leaves the
    repository is refused: the file may have been written by someone else."""
    path = root / STATE_DIR / INVENTORY
    if not path.is_file():
        return None
    from aicop.fsutil import read_json_state

    data: dict[str, Any] = read_json_state(path, "inventory", InputError)
    for index, asset in enumerate(data["assets"]):
        if not isinstance(asset, dict) or not isinstance(asset.get("path"), str) or "digest" not in asset:
            raise InputError(f"assets[{index}] is not an asset entry", path=path)
        # Checked as text, not resolved: 100,000 resolve() calls cost seconds, and the paths here are only
        # compared with the walk's, which never follows a link out of the repository.
        rel = asset["path"]
        if rel.startswith("/") or "\\" in rel or ".." in rel.split("/"):
            raise InputError(f"assets[{index}].path {rel!r} leaves the repository", path=path)
    return data


def record(
    root: Path, manifest: Manifest | None, *, algorithm: str = "sha256", paranoid: bool = False
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Build, compare with the previous recording, write the inventory and an audit event."""
    from aicop.audit import AuditLog
    from aicop.fsutil import write_atomic

    previous = load(root)
    assets = build(root, manifest, algorithm=algorithm, paranoid=paranoid)
    diff, now, history = next_recording(previous, assets)
    inventory = {
        "schema_version": 1,
        "recorded": now,
        "algorithm": algorithm,
        "digest": digest_of(assets),
        "assets": assets,
        "history": history,
    }
    write_atomic(root / STATE_DIR / INVENTORY, json.dumps(inventory, indent=2) + "\n")
    AuditLog(root / STATE_DIR / "audit.jsonl").append(
        "inventory.recorded", {"digest": inventory["digest"], "assets": len(assets), **diff}
    )
    return inventory, diff


def check(
    root: Path,
    manifest: Manifest | None,
    *,
    paranoid: bool = False,
    recorded: dict[str, Any] | None = None,
    files: Sequence[FileEntry] | None = None,
) -> dict[str, list[str]]:
    """What changed since the recorded inventory (read here unless given), judged by content."""
    recorded = recorded if recorded is not None else load(root)
    if recorded is None:
        raise AicopError(
            f"no recorded inventory: run 'aicop inventory {root}' first", path=root / STATE_DIR / INVENTORY
        )
    algorithm = str(recorded.get("algorithm", "sha256"))
    current = build(root, manifest, algorithm=algorithm, paranoid=paranoid, files=files)
    return changes(recorded["assets"], current)
