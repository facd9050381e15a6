"""Known-good copies of a system's assets, and restoring them.

``snapshot`` copies every asset of the inventory into a content-addressed store (``.aicop/store`` by
default, or any directory) and writes a snapshot manifest: each path with its size and SHA-256. The
manifest's own digest goes into the hash-chained audit trail, so a manifest swapped in the store later
is refused by ``restore``.

``restore`` trusts nothing it reads. Before it writes, it checks the manifest against its digest and
the audit trail, every path in it (relative, inside the project, no symlink on the way), and every
store object byte by byte. It then stages the copies next to their targets, checks the staged bytes,
and swaps them in; if any step of the swap fails, the files already swapped are put back, so a tree is
never left half-restored. After the swap every restored file is hashed once more.

``restore --drill`` restores into a scratch directory instead, verifies every byte, and records the
drill, passed or failed, in the audit trail: 5.3 asks for the *ability* to restore, and a recent drill
that passed is the evidence for it.

Written here rather than with a backup library: the ones on PyPI (restic and borg wrappers, DVC) need
an external binary or a server, or decide what changed by modification times.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from aicop.audit import AuditLog, events, verify_log
from aicop.errors import AicopError, InputError
from aicop.integrity import inventory
from aicop.integrity.hashing import CHUNK, HashError, hash_file
from aicop.system.manifest import Manifest

DEFAULT_STORE = ".aicop/store"
AUDIT = ".aicop/audit.jsonl"
_HEX64 = re.compile(r"[0-9a-f]{64}")


class StoreError(AicopError):
    """The store, a snapshot in it or a restore target is damaged or unsafe: nothing was written."""


@dataclass
class RestoreResult:
    snapshot: str
    target: Path
    restored: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    not_in_snapshot: list[str] = field(default_factory=list)
    bytes: int = 0
    seconds: float = 0.0


def store_dir(root: Path, store: Path | None) -> Path:
    return store if store is not None else root / DEFAULT_STORE


def object_path(store: Path, digest: str) -> Path:
    return store / "objects" / digest[:2] / digest[2:]


def _copy_hashed(source: Path, destination: Path) -> tuple[str, int]:
    """Copy ``source`` to the new file ``destination``, hashing the bytes as they are written."""
    digest = hashlib.sha256()
    size = 0
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    try:
        with source.open("rb", buffering=0) as src, destination.open("xb") as dst:
            while read := src.readinto(buffer):
                digest.update(view[:read])
                dst.write(view[:read])
                size += read
            dst.flush()
            os.fsync(dst.fileno())
    except OSError as err:
        raise StoreError(f"cannot copy to {destination}: {err.strerror}", path=source) from err
    return digest.hexdigest(), size


def _put_object(store: Path, source: Path, digest: str) -> bool:
    """Store ``source`` under ``digest``; False if an intact copy was already there."""
    target = object_path(store, digest)
    if target.is_file():
        try:
            if hash_file(target)[0] == digest:
                return False
        except HashError:
            pass
        target.chmod(0o644)  # a damaged object is replaced by a good copy
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    staged.unlink(missing_ok=True)
    try:
        got, _ = _copy_hashed(source, staged)
        if got != digest:
            raise HashError(
                "changed while it was being snapshotted; snapshot again when it is stable", path=source
            )
        staged.chmod(0o444)
        staged.replace(target)
    finally:
        staged.unlink(missing_ok=True)
    return True


def _declared_missing(root: Path, manifest: Manifest | None) -> list[str]:
    if manifest is None:
        return []
    declared = (
        [(f"model {m.name!r}", m.path) for m in manifest.models if m.path]
        + [(f"dataset {d.name!r}", d.path) for d in manifest.datasets if d.path]
        + [(f"prompt {p.name!r}", p.path) for p in manifest.prompts]
    )
    return [f"{what} at {path}" for what, path in declared if path and not (root / path).exists()]


def snapshot(
    root: Path,
    manifest: Manifest | None,
    store: Path | None = None,
    *,
    key: Path | None = None,
    password: str | None = None,
) -> tuple[dict[str, Any], int]:
    """Copy every asset into the store and write a snapshot manifest, signed with ``key`` if given
    (model-signing format, next to it as ``<id>.sig``); (manifest, objects added)."""
    missing = _declared_missing(root, manifest)
    if missing:
        raise InputError(
            f"declared assets are missing, so no known-good snapshot can be taken: {'; '.join(missing)}",
            path=root / "aicop.yaml",
        )
    where = store_dir(root, store)
    assets = inventory.build(root, manifest, algorithm="sha256", paranoid=True)
    inside = where.resolve()
    if inside.is_relative_to(root.resolve()):  # a store inside the project is not an asset of it
        prefix = inside.relative_to(root.resolve()).as_posix() + "/"
        assets = [a for a in assets if not a["path"].startswith(prefix)]
    if not assets:
        raise InputError("no assets to snapshot (no models, datasets, prompts or documents found)", path=root)
    added = sum(_put_object(where, root / a["path"], a["digest"]) for a in assets)
    entries = [{k: a[k] for k in ("path", "type", "size", "digest")} for a in assets]
    digest = inventory.digest_of(entries)
    created = dt.datetime.now(dt.UTC)
    snap_id = f"{created:%Y%m%dT%H%M%SZ}-{digest[:12]}"
    manifest_doc = {
        "schema_version": 1,
        "id": snap_id,
        "created": created.isoformat(timespec="seconds"),
        "algorithm": "sha256",
        "digest": digest,
        "assets": entries,
    }
    from aicop.fsutil import write_atomic

    signature = None
    if key is not None:  # sign first: a bad key leaves no unsigned snapshot behind
        from aicop.integrity.signing import sign_resources

        resources = [{"name": a["path"], "algorithm": "sha256", "digest": a["digest"]} for a in entries]
        serialization = {"method": "files", "hash_type": "sha256", "allow_symlinks": False}
        signature = sign_resources(snap_id, resources, serialization, key, password)
        write_atomic(where / "snapshots" / f"{snap_id}.sig", json.dumps(signature, indent=2) + "\n")
    write_atomic(where / "snapshots" / f"{snap_id}.json", json.dumps(manifest_doc, indent=2) + "\n")
    AuditLog(root / AUDIT).append(
        "snapshot.created",
        {
            "id": snap_id,
            "digest": digest,
            "assets": len(entries),
            "store": str(where),
            "objects_added": added,
            "signed": signature is not None,
        },
    )
    return manifest_doc, added


def _check_signature(doc: dict[str, Any], doc_path: Path, public_key: Path | None) -> bool:
    """With a public key, the snapshot must carry a signature by it that lists exactly its assets.
    Returns whether a signature was checked."""
    if public_key is None:
        return False
    from aicop.integrity.signing import read_statement

    sig = doc_path.with_suffix(".sig")
    if not sig.is_file():
        raise StoreError(f"the snapshot is not signed (no {sig.name}), and a key was given", path=doc_path)
    statement = read_statement(sig, public_key)
    signed = {str(r["name"]): str(r["digest"]) for r in statement["predicate"]["resources"]}
    if signed != {a["path"]: a["digest"] for a in doc["assets"]}:
        raise StoreError("the snapshot manifest differs from what was signed", path=doc_path)
    return True


def list_snapshots(store: Path) -> list[Path]:
    folder = store / "snapshots"
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def _safe_relative(raw: object, where: str, path: Path) -> str:
    if not isinstance(raw, str) or not raw or "\\" in raw or "\x00" in raw:
        raise StoreError(f"{where}: not a usable relative path: {raw!r}", path=path)
    parts = PurePosixPath(raw).parts
    if PurePosixPath(raw).is_absolute() or ".." in parts or "." in parts or parts[0] == ".aicop":
        raise StoreError(f"{where}: path {raw!r} would write outside the project's assets", path=path)
    return raw


def load_snapshot(store: Path, snap_id: str | None) -> tuple[dict[str, Any], Path]:
    """The snapshot manifest (the newest if no id), checked for shape, safe paths and its digest."""
    if snap_id is None:
        found = list_snapshots(store)
        if not found:
            raise StoreError("no snapshots in the store: take one with 'aicop snapshot'", path=store)
        path = found[-1]
    else:
        if "/" in snap_id or snap_id.startswith("."):
            raise InputError(f"not a snapshot id: {snap_id!r}")
        path = store / "snapshots" / f"{snap_id}.json"
        if not path.is_file():
            raise StoreError(f"no snapshot {snap_id!r} in the store", path=store)
    from aicop.fsutil import read_json_state

    doc: dict[str, Any] = read_json_state(path, "snapshot", StoreError)
    seen: set[str] = set()
    for index, asset in enumerate(doc["assets"]):
        if not isinstance(asset, dict):
            raise StoreError(f"assets[{index}] is not an asset entry", path=path)
        rel = _safe_relative(asset.get("path"), f"assets[{index}]", path)
        if rel in seen:
            raise StoreError(f"assets[{index}]: {rel!r} is listed twice", path=path)
        seen.add(rel)
        if not isinstance(asset.get("digest"), str) or not _HEX64.fullmatch(asset["digest"]):
            raise StoreError(f"assets[{index}]: digest is not a SHA-256 hex digest", path=path)
        if not isinstance(asset.get("size"), int) or asset["size"] < 0:
            raise StoreError(f"assets[{index}]: size is not a byte count", path=path)
    entries = [{k: a.get(k) for k in ("path", "type", "size", "digest")} for a in doc["assets"]]
    if inventory.digest_of(entries) != doc.get("digest") or not str(doc.get("id", "")).endswith(
        str(doc.get("digest", ""))[:12]
    ):
        raise StoreError(
            "the snapshot manifest was altered: its content no longer matches its digest", path=path
        )
    return doc, path


def _check_recorded(root: Path, doc: dict[str, Any], path: Path) -> None:
    """The snapshot must be one this project recorded in its (intact) audit trail."""
    log = root / AUDIT
    if not log.is_file():
        return  # a fresh clone without .aicop: the manifest's own digest is all there is to check
    _count, problems = verify_log(log)
    if problems:
        raise StoreError(
            f"the audit trail is damaged, so no snapshot can be trusted: {problems[0]}", path=log
        )
    for record in events(log):
        if (
            record.get("event") == "snapshot.created"
            and record.get("data", {}).get("digest") == doc["digest"]
        ):
            return
    raise StoreError(
        "this snapshot is not in the project's audit trail (replaced, or taken for another project)",
        path=path,
    )


def _check_target(target: Path, rel: str) -> Path:
    """The file ``rel`` under ``target``, refusing symlinks anywhere on the way."""
    current = target
    for part in PurePosixPath(rel).parts:
        current = current / part
        if current.is_symlink():
            raise StoreError(f"refusing to restore {rel!r}: {current} is a symbolic link", path=current)
        if not current.exists():
            break
    dest = target / rel
    if not dest.resolve().is_relative_to(target.resolve()):
        raise StoreError(f"refusing to restore {rel!r}: it resolves outside {target}", path=dest)
    if dest.exists() and not dest.is_file():
        raise StoreError(f"refusing to restore {rel!r}: a directory or special file is in the way", path=dest)
    return dest


def _verify_objects(store: Path, assets: list[dict[str, Any]]) -> None:
    for asset in assets:
        obj = object_path(store, asset["digest"])
        if not obj.is_file():
            raise StoreError(
                f"the store has no object for {asset['path']} (sha256 {asset['digest'][:12]}…)", path=obj
            )
        got, size = hash_file(obj)
        if got != asset["digest"] or size != asset["size"]:
            raise StoreError(
                f"the store object for {asset['path']} is corrupt: it hashes to {got[:12]}…, "
                f"the snapshot says {asset['digest'][:12]}…",
                path=obj,
            )


def _swap(pairs: list[tuple[Path, Path]], backup: Path) -> None:
    """Move each staged file onto its destination; on any failure put every destination back."""
    done: list[tuple[Path, Path | None, list[Path]]] = []
    try:
        for index, (staged, dest) in enumerate(pairs):
            created = [p for p in reversed(dest.parents) if not p.exists()]
            dest.parent.mkdir(parents=True, exist_ok=True)
            saved: Path | None = None
            if dest.exists():
                saved = backup / str(index)
                dest.replace(saved)
            done.append((dest, saved, created))
            staged.replace(dest)
    except OSError as err:
        for dest, saved, created in reversed(done):
            if saved is not None:
                saved.replace(dest)
            else:
                dest.unlink(missing_ok=True)
            for folder in reversed(created):
                with contextlib.suppress(OSError):
                    folder.rmdir()
        raise StoreError(
            f"restore failed and was rolled back: {err}", path=getattr(err, "filename", None)
        ) from err


def restore(
    root: Path,
    manifest: Manifest | None,
    store: Path | None = None,
    snap_id: str | None = None,
    *,
    into: Path | None = None,
    dry_run: bool = False,
    public_key: Path | None = None,
) -> RestoreResult:
    """Restore the snapshot into ``into`` (a drill) or over the project; see the module docstring."""
    started = time.perf_counter()
    where = store_dir(root, store)
    doc, doc_path = load_snapshot(where, snap_id)
    _check_signature(doc, doc_path, public_key)
    _check_recorded(root, doc, doc_path)
    assets: list[dict[str, Any]] = doc["assets"]
    target = into if into is not None else root
    result = RestoreResult(snapshot=str(doc["id"]), target=target)
    dests = {a["path"]: _check_target(target, a["path"]) for a in assets}
    _verify_objects(where, assets)
    todo: list[dict[str, Any]] = []
    for asset in assets:
        dest = dests[asset["path"]]
        if dest.is_file() and hash_file(dest) == (asset["digest"], asset["size"]):
            result.unchanged.append(asset["path"])
        else:
            todo.append(asset)
    if into is None:
        current = inventory.collect(root, manifest)
        result.not_in_snapshot = sorted(set(current) - {a["path"] for a in assets})
    result.restored = [a["path"] for a in todo]
    result.bytes = sum(int(a["size"]) for a in todo)
    if dry_run or not todo:
        result.seconds = time.perf_counter() - started
        return result
    (target / ".aicop").mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="restore-", dir=target / ".aicop"))
    try:
        (staging / "backup").mkdir()
        pairs: list[tuple[Path, Path]] = []
        for index, asset in enumerate(todo):
            staged = staging / f"{index}.part"
            got, _ = _copy_hashed(object_path(where, asset["digest"]), staged)
            if got != asset["digest"]:
                raise StoreError(
                    f"the staged copy of {asset['path']} does not match the snapshot", path=staged
                )
            pairs.append((staged, dests[asset["path"]]))
        _swap(pairs, staging / "backup")
        for asset in todo:
            dest = dests[asset["path"]]
            if hash_file(dest) != (asset["digest"], asset["size"]):
                raise StoreError(f"{asset['path']} changed during the restore; restore again", path=dest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    result.seconds = time.perf_counter() - started
    if into is None:
        AuditLog(root / AUDIT).append(
            "restore.completed",
            {"snapshot": result.snapshot, "digest": doc["digest"], "restored": result.restored},
        )
    return result


def drill(
    root: Path,
    manifest: Manifest | None,
    store: Path | None = None,
    snap_id: str | None = None,
    *,
    into: Path | None = None,
    keep: bool = False,
    public_key: Path | None = None,
) -> RestoreResult:
    """Restore into a scratch directory, verify it, and record the drill, passed or failed."""
    if into is not None and into.exists() and any(into.iterdir()):
        raise InputError("the drill directory must be empty or not exist yet", path=into)
    scratch = into if into is not None else Path(tempfile.mkdtemp(prefix="aicop-drill-"))
    scratch.mkdir(parents=True, exist_ok=True)
    log = AuditLog(root / AUDIT)
    try:
        result = restore(root, manifest, store, snap_id, into=scratch, public_key=public_key)
    except AicopError as err:
        log.append("restore.drill", {"snapshot": snap_id or "latest", "passed": False, "error": str(err)})
        raise
    finally:
        if not keep:
            shutil.rmtree(scratch, ignore_errors=True)
    log.append(
        "restore.drill",
        {
            "snapshot": result.snapshot,
            "passed": True,
            "files": len(result.restored) + len(result.unchanged),
            "bytes": result.bytes,
            "seconds": round(result.seconds, 3),
        },
    )
    return result
